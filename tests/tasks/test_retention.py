"""The nightly retention task: uploaded import files go 30 days after their job finished
(the job and its counts stay), audit events after two years; other rows are untouched."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.models import ImportJob, ImportStatus
from kpiapp.schedules import BEAT_SCHEDULE
from kpiapp.services import imports
from kpiapp.tasks import purge_expired_data
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
CSV = b"external_id,name\nA1,Kunde Eins\n"


def _finished_job(workspace, user, capture) -> ImportJob:
    with workspace_scope(workspace.id):
        member = membership_of(user, workspace)
        job = imports.import_job_create(
            membership=member, kind="accounts", filename="k.csv", data=CSV
        )
        with capture(execute=True):
            imports.import_job_set_mapping(
                job=job, columns={"external_id": "external_id", "name": "name"}, values={}
            )
        job.refresh_from_db()
        with capture(execute=True):
            imports.import_job_start(job=job)
        job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    return job


def _job(workspace, pk) -> ImportJob:
    with workspace_scope(workspace.id):
        return ImportJob.objects.get(pk=pk)


def test_import_files_are_deleted_30_days_after_their_job_finished(
    cast, workspace, other_workspace, django_capture_on_commit_callbacks
):
    with freeze_time("2026-01-01 10:00"):
        old = _finished_job(workspace, cast["owner"], django_capture_on_commit_callbacks)
        theirs = _finished_job(
            other_workspace, cast["outsider"], django_capture_on_commit_callbacks
        )
    with freeze_time("2026-01-20 10:00"):
        recent = _finished_job(workspace, cast["owner"], django_capture_on_commit_callbacks)
    with freeze_time("2026-01-31 09:59"):
        assert purge_expired_data()["import_files"] == 0  # 30 days not yet over
    with freeze_time("2026-01-31 10:01"):
        assert purge_expired_data()["import_files"] == 2
        assert purge_expired_data()["import_files"] == 0  # nothing twice
    purged = _job(workspace, old.pk)
    assert bytes(purged.data) == b"" and purged.sample == [] and purged.file_deleted_at
    assert purged.result["created"] == 1 and purged.status == ImportStatus.DONE
    assert bytes(_job(other_workspace, theirs.pk).data) == b""
    assert bytes(_job(workspace, recent.pk).data) == CSV


def test_an_upload_never_imported_is_deleted_30_days_after_the_upload(cast, workspace):
    with freeze_time("2026-01-01 10:00"), workspace_scope(workspace.id):
        job = imports.import_job_create(
            membership=membership_of(cast["owner"], workspace),
            kind="accounts",
            filename="a.csv",
            data=CSV,
        )
    with freeze_time("2026-02-01 10:00"):
        assert purge_expired_data()["import_files"] == 1
    with workspace_scope(workspace.id):
        assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_audit_events_are_kept_for_two_years(cast, workspace):
    with freeze_time("2024-01-01"):
        audit_record(
            workspace=workspace, actor=cast["owner"], action="token.created", subject="alt"
        )
    with freeze_time("2025-06-01"):
        audit_record(
            workspace=workspace, actor=cast["owner"], action="token.created", subject="neu"
        )
    with freeze_time("2026-01-02"):
        assert purge_expired_data()["audit_events"] == 1
    with workspace_scope(workspace.id):
        assert list(AuditEvent.objects.values_list("subject", flat=True)) == ["neu"]


def test_the_retention_task_is_scheduled_nightly_with_an_expiry():
    entry = BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] == purge_expired_data.name
    assert entry["options"]["expire_seconds"] > 0


def test_expired_sessions_and_old_records_of_deleted_workspaces_go(client_as, cast):
    from django.contrib.sessions.models import Session

    from accounts.models import DeletedWorkspaceRecord

    with freeze_time("2024-01-01"):
        DeletedWorkspaceRecord.objects.create(workspace_id=99, name="Alt", slug="alt")
        client_as(cast["owner"])  # a session that expires after two weeks
    with freeze_time("2025-06-01"):
        DeletedWorkspaceRecord.objects.create(workspace_id=98, name="Neu", slug="neu")
    assert Session.objects.count() == 1
    with freeze_time("2026-01-02"):
        assert purge_expired_data()["deleted_workspace_records"] == 1
    assert list(DeletedWorkspaceRecord.objects.values_list("slug", flat=True)) == ["neu"]
    assert Session.objects.count() == 0
