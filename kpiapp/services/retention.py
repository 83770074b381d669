"""Deleting what is kept only for a while (README, "Privacy / Datenschutz"): uploaded import
files 30 days after their job finished (or after the upload, for a file never imported),
workspace exports after 7 days, audit events and the records of deleted workspaces after two
years, expired sessions. Run nightly by a beat task.

Each step walks the workspaces and works inside each one's scope, so no query crosses
workspaces; one UPDATE or DELETE per workspace and step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db.models import Q

from accounts.models import AuditEvent, DeletedWorkspaceRecord, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import ImportJob, ImportStatus, WorkspaceExport

# A job in one of these states has nothing left to do with its file.
SETTLED = (ImportStatus.DONE, ImportStatus.FAILED)
WAITING = (ImportStatus.MAPPING, ImportStatus.CHECKED)


@dataclass(frozen=True)
class Purged:
    import_files: int = 0
    workspace_exports: int = 0
    audit_events: int = 0
    deleted_workspace_records: int = 0


def import_files_purge(*, now: datetime) -> int:
    """Empty the stored file, its sample rows and the error details (which quote cells) of
    import jobs that finished 30 days ago: the job and its counts stay, so the import history
    still says what was imported when. Uploads left waiting (never imported) for 30 days are
    deleted whole, so none can be started without its file."""
    cutoff = now - timedelta(days=settings.IMPORT_FILE_KEEP_DAYS)
    purged = 0
    for workspace_id in _workspace_ids():
        with workspace_scope(workspace_id):
            abandoned = ImportJob.objects.filter(status__in=WAITING, created_at__lt=cutoff)
            purged += abandoned.delete()[0]
            old = Q(status__in=SETTLED, finished_at__lt=cutoff, file_deleted_at__isnull=True)
            jobs = ImportJob.objects.filter(old)
            for job in jobs.only("id", "result"):
                result = {k: v for k, v in job.result.items() if k != "errors"}
                purged += ImportJob.objects.filter(pk=job.pk).update(
                    data=b"", sample=[], result=result, file_deleted_at=now
                )
    return purged


def workspace_exports_purge(*, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.WORKSPACE_EXPORT_KEEP_DAYS)
    purged = 0
    for workspace_id in _workspace_ids():
        with workspace_scope(workspace_id):
            purged += WorkspaceExport.objects.filter(created_at__lt=cutoff).delete()[0]
    return purged


def audit_events_purge(*, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.AUDIT_LOG_KEEP_DAYS)
    purged = 0
    for workspace_id in _workspace_ids():
        with workspace_scope(workspace_id):
            purged += AuditEvent.objects.filter(created_at__lt=cutoff).delete()[0]
    return purged


def deleted_workspace_records_purge(*, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.AUDIT_LOG_KEEP_DAYS)
    return DeletedWorkspaceRecord.objects.filter(requested_at__lt=cutoff).delete()[0]


def expired_data_purge(*, now: datetime) -> Purged:
    # Expired sessions stay in the database until someone clears them (`clearsessions`).
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return Purged(
        import_files=import_files_purge(now=now),
        workspace_exports=workspace_exports_purge(now=now),
        audit_events=audit_events_purge(now=now),
        deleted_workspace_records=deleted_workspace_records_purge(now=now),
    )


def _workspace_ids() -> list[int]:
    return list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
