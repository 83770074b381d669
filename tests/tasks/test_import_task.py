"""Imports run as a Celery task: claimed once, with progress, through a real worker on Redis."""

import time

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, ImportJob, ImportStatus
from kpiapp.services import imports as service
from kpiapp.tasks import run_import
from tests.conftest import membership_of

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")

CSV = b"external_id,name,country\n" + b"".join(
    f"A{i:05d},Company {i},DE\n".encode() for i in range(3000)
)


def _job(workspace, alice):
    with workspace_scope(workspace.id):
        return service.import_job_create(
            membership=membership_of(alice, workspace), kind="accounts", filename="a.csv", data=CSV
        )


@pytest.mark.django_db
def test_a_duplicate_delivery_of_the_task_does_nothing(
    workspace, alice, django_capture_on_commit_callbacks
):
    job = _job(workspace, alice)
    with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=True):
        service.import_job_set_mapping(job=job, columns=job.columns, values={})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.result["created"] == 3000
    with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=True):
        service.import_job_start(job=job)
    run_import(workspace.id, job.id, False)  # delivered again: the job is done, nothing runs
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 3000
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def _wait_for(job: ImportJob, status: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"job stayed {job.status}, expected {status}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_file(worker_on_redis, workspace, alice):
    job = _job(workspace, alice)
    with workspace_scope(workspace.id):
        service.import_job_set_mapping(job=job, columns=job.columns, values={})
    _wait_for(job, ImportStatus.CHECKED)
    assert job.result["error_count"] == 0
    with workspace_scope(workspace.id):
        service.import_job_start(job=job)
    _wait_for(job, ImportStatus.DONE)
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 3000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("de", "Darf nicht negativ sein."), ("en", "Must not be negative.")]
)
def test_a_workers_check_speaks_the_uploaders_language(workspace, alice, language, expected):
    """A worker has no request: the check's messages are in the uploader's language, whatever
    language the worker's thread has."""
    alice.language = language
    alice.save()
    with workspace_scope(workspace.id):
        job = service.import_job_create(
            membership=membership_of(alice, workspace),
            kind="accounts",
            filename="a.csv",
            data=b"name,employees\nAlpha,-1\n",
        )
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
    other = "en" if language == "de" else "de"
    from django.utils import translation

    with translation.override(other):
        run_import(workspace.id, job.id, True)
    job.refresh_from_db()
    assert [e["message"] for e in job.result["errors"]] == [expected]


@pytest.mark.django_db
def test_the_sweepers_message_speaks_the_uploaders_language(workspace, alice):
    from datetime import timedelta

    from django.utils import timezone, translation

    from kpiapp.services.import_sweeper import stale_imports_fail

    alice.language = "de"
    alice.save()
    job = _job(workspace, alice)
    with workspace_scope(workspace.id):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
    with translation.override("en"):
        assert stale_imports_fail() == 1
    job.refresh_from_db()
    assert "reagiert nicht mehr" in job.result["errors"][0]["message"]
