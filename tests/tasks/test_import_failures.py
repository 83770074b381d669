"""An import never stays "importing" (issue 15, items 13 and 15): a write that raises fails
the job with a message and can be tried again, a stale job is failed by the sweeper, and a
file with too many columns is refused at once with the same message on every surface."""

from __future__ import annotations

import io
import time
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.celery import app as celery_app
from kpiapp.imports import engine
from kpiapp.imports.reading import too_many_columns
from kpiapp.models import Account, ImportJob, ImportStatus
from kpiapp.schedules import BEAT_SCHEDULE
from kpiapp.services import imports as service
from kpiapp.services.import_sweeper import STALE_AFTER, stale_imports_fail
from kpiapp.tasks import run_import

pytestmark = pytest.mark.django_db

CSV = b"external_id,name\nA1,Alpha\nA2,Beta\n"
WIDE = (",".join(f"c{i}" for i in range(80_000)) + "\n" + "1," * 79_999 + "1\n").encode()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _checked_job(workspace, erik, on_commit) -> ImportJob:
    client = APIClient()
    client.force_authenticate(erik)
    file = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    with on_commit():
        made = client.post(
            "/api/v1/workspaces/acme/imports/",
            {"file": file, "kind": "accounts"},
            format="multipart",
        )
    assert made.status_code == 201, made.json()
    with workspace_scope(workspace.id):
        job = ImportJob.objects.get(pk=made.json()["id"])
    assert job.status == ImportStatus.CHECKED
    return job


def test_a_start_whose_write_raises_fails_the_job_and_it_can_be_tried_again(
    client_as, erik, workspace, on_commit, monkeypatch
):
    job = _checked_job(workspace, erik, on_commit)

    def broken_insert(*args, **kwargs):
        raise DataError("value out of range for type integer")

    monkeypatch.setattr(engine.bulk, "insert_columns", broken_insert)
    page = f"/w/{workspace.slug}/data/accounts/import/{job.pk}/"
    client = client_as(erik)
    with on_commit():
        started = client.post(page + "start/")
    assert started.status_code == 302  # not 500
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "unexpected error. Nothing was imported" in job.result["errors"][0]["message"]
    shown = client.get(page).content.decode()
    assert "unexpected error" in shown and "Try again" in shown
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 0

    monkeypatch.undo()
    with on_commit():
        assert client.post(page + "retry/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.result["error_count"] == 0
    with on_commit():
        client.post(page + "start/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 2


def test_the_api_retries_a_failed_job_and_refuses_others(erik, workspace, on_commit):
    job = _checked_job(workspace, erik, on_commit)
    client = APIClient()
    client.force_authenticate(erik)
    url = f"/api/v1/workspaces/acme/imports/{job.pk}/"
    assert client.post(url + "retry/").status_code == 400  # checked, not failed
    with workspace_scope(workspace.id):
        service.import_job_fail(job_id=job.pk, message="x", statuses=(ImportStatus.CHECKED,))
    with on_commit():
        retried = client.post(url + "retry/")
    assert retried.status_code == 202
    assert client.get(url).json()["status"] == "checked"


def test_a_broker_that_cannot_be_reached_fails_the_start_visibly(
    erik, workspace, on_commit, monkeypatch
):
    job = _checked_job(workspace, erik, on_commit)

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(run_import, "delay", unreachable)
    with workspace_scope(workspace.id), on_commit():
        service.import_job_start(job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "background service is not reachable" in job.result["errors"][0]["message"]


def test_a_job_delivered_again_after_several_worker_deaths_fails(erik, workspace, on_commit):
    job = _checked_job(workspace, erik, on_commit)
    with workspace_scope(workspace.id):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, attempts=service.MAX_ATTEMPTS
        )
    run_import(workspace.id, job.pk, False)  # the fourth delivery
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "interrupted 3 times" in job.result["errors"][0]["message"]


def test_the_sweeper_fails_a_job_without_heartbeat_and_spares_a_live_one(
    erik, workspace, on_commit
):
    stale = _checked_job(workspace, erik, on_commit)
    live = _checked_job(workspace, erik, on_commit)
    long_ago = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    with workspace_scope(workspace.id):
        ImportJob.objects.filter(pk__in=[stale.pk, live.pk]).update(
            status=ImportStatus.IMPORTING, heartbeat_at=long_ago
        )
    service._progress_reporter(live.pk)("write", 10, 20)  # a beat in the cache, just now
    assert stale_imports_fail() == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == ImportStatus.FAILED
    assert "stopped responding" in stale.result["errors"][0]["message"]
    assert live.status == ImportStatus.IMPORTING
    assert stale_imports_fail(now=time.time() + STALE_AFTER.total_seconds() + 60) == 1
    live.refresh_from_db()
    assert live.status == ImportStatus.FAILED


def test_the_sweeper_is_on_the_beat_schedule_with_an_expiry():
    entry = BEAT_SCHEDULE["fail-stale-imports"]
    assert entry["task"] == "kpiapp.tasks.fail_stale_imports"
    assert 0 < entry["options"]["expire_seconds"] <= 15 * 60


def test_import_tasks_are_acked_late_and_redelivered_when_the_worker_dies():
    task = celery_app.tasks["kpiapp.tasks.run_import"]
    assert task.acks_late and task.reject_on_worker_lost


def test_too_many_columns_are_refused_on_the_form_the_api_and_the_command(
    client_as, erik, workspace, tmp_path
):
    message = too_many_columns(80_000)
    page = client_as(erik).post(
        f"/w/{workspace.slug}/data/accounts/import/", {"file": SimpleUploadedFile("w.csv", WIDE)}
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    client = APIClient()
    client.force_authenticate(erik)
    api = client.post(
        "/api/v1/workspaces/acme/imports/",
        {"file": SimpleUploadedFile("w.csv", WIDE), "kind": "accounts"},
        format="multipart",
    )
    assert api.status_code == 400 and api.json()["file"] == [message]
    path = tmp_path / "w.csv"
    path.write_bytes(WIDE)
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_csv", str(path), "--workspace=acme", "--kind=accounts", stderr=errors)
    assert message in errors.getvalue()
    with workspace_scope(workspace.id):
        assert ImportJob.objects.count() == 0
