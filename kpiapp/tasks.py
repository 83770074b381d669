"""Thin Celery entry points: ids in, one service call, retry policy here.

Tasks that work on one workspace take `workspace_id` as their first argument and run inside
`workspace_scope(workspace_id)`; `tests/tenancy/test_task_signatures.py` holds the short list of
tasks that do not.
"""

import smtplib
from dataclasses import asdict

from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from celery import Task, shared_task

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.ops.once import first_delivery
from kpiapp.services.alerts import DeliveryFailed, alert_deliver, alerts_evaluate
from kpiapp.services.digests import digests_due, report_digest_send
from kpiapp.services.import_sweeper import stale_imports_fail
from kpiapp.services.imports import import_job_run
from kpiapp.services.recompute_sweeper import recompute_recover_lapsed
from kpiapp.services.retention import expired_data_purge
from kpiapp.services.snapshots import recompute_request_all, recompute_run
from kpiapp.services.workspace_export import workspace_export_run


@shared_task(name="kpiapp.tasks.health_check")
def health_check() -> dict[str, str]:
    """Proves that a worker runs, reaches the database and sees the same clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"status": "ok" if one == 1 else "db-error", "at": timezone.now().isoformat()}


@shared_task(name="kpiapp.tasks.run_import", acks_late=True, reject_on_worker_lost=True)
def run_import(workspace_id: int, import_id: int, check_only: bool) -> None:
    """Check (dry run) or import an uploaded file. Idempotent (the job's status guards it, and
    an import writes all or nothing), so a task whose worker died is delivered again; the job
    counts its attempts and fails after a few."""
    with workspace_scope(workspace_id):
        import_job_run(job_id=import_id, check_only=check_only)


@shared_task(name="kpiapp.tasks.fail_stale_imports")
def fail_stale_imports() -> int:
    """Beat: fail checks and imports whose worker stopped beating (see import_sweeper)."""
    return stale_imports_fail()


@shared_task(
    name="kpiapp.tasks.recompute_workspace",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def recompute_workspace(workspace_id: int) -> int | None:
    """Recompute a workspace's KPI snapshots if it has pending changes. Idempotent: a
    duplicate or late delivery finds nothing to claim and returns at once."""
    with workspace_scope(workspace_id):
        summary = recompute_run()
    return summary.snapshot_count if summary else None


@shared_task(name="kpiapp.tasks.recompute_all_workspaces", bind=True)
def recompute_all_workspaces(self: Task) -> int:
    """Nightly: the current month moves with the calendar, so every workspace is recomputed.
    Only enqueues, one task per workspace; a duplicate delivery enqueues nothing."""

    if not first_delivery(self.request.id):
        return 0
    return recompute_request_all()


@shared_task(name="kpiapp.tasks.recover_recomputes")
def recover_recomputes() -> list[int]:
    """Beat, every RECOMPUTE_SWEEP_SECONDS: queue again the recomputes whose worker died."""

    return recompute_recover_lapsed()


@shared_task(
    name="kpiapp.tasks.send_report_digest",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=20 * 60,  # below the broker's visibility timeout (settings.py)
    max_retries=6,
)
def send_report_digest(workspace_id: int, report_id: int, cadence: str, period_key: str) -> int:
    """Email one report's digest for one period to its subscribers of `cadence`. Idempotent:
    each email is claimed once per period, so a retry or duplicate delivery sends nothing
    twice. Values are those of the workspace's today."""
    with workspace_scope(workspace_id):
        workspace = Workspace.objects.filter(pk=workspace_id).first()
        if workspace is None:
            return 0
        today = today_in(workspace.time_zone)
        return report_digest_send(
            report_id=report_id, cadence=cadence, period_key=period_key, today=today
        )


@shared_task(name="kpiapp.tasks.send_due_digests", bind=True)
def send_due_digests(self: Task, cadence: str) -> int:
    """Beat: weekly, monthly or quarterly. Only enqueues, one task per subscribed report; a
    duplicate delivery enqueues nothing (and each email is claimed once per period anyway)."""

    if not first_delivery(self.request.id):
        return 0
    return digests_due(cadence, timezone.now().date())


@shared_task(name="kpiapp.tasks.export_workspace", acks_late=True, reject_on_worker_lost=True)
def export_workspace(workspace_id: int, export_id: int) -> None:
    """Write a workspace export's ZIP file; idempotent: the export is claimed once."""
    with workspace_scope(workspace_id):
        workspace_export_run(export_id=export_id)


@shared_task(name="kpiapp.tasks.purge_expired_data")
def purge_expired_data() -> dict[str, int]:
    """Nightly: delete old import files, workspace exports and audit events (README,
    "Privacy / Datenschutz"). Works through the workspaces one scope at a time."""
    return asdict(expired_data_purge(now=timezone.now()))


@shared_task(name="kpiapp.tasks.evaluate_alerts", acks_late=True, reject_on_worker_lost=True)
def evaluate_alerts(workspace_id: int) -> int:
    """After a recompute: fire the workspace's alerts whose condition holds. Idempotent: an
    alert fires once per period and condition, so a duplicate delivery fires nothing."""
    with workspace_scope(workspace_id):
        workspace = Workspace.objects.filter(pk=workspace_id).first()
        if workspace is None:
            return 0
        return len(alerts_evaluate(today=today_in(workspace.time_zone)))


@shared_task(
    name="kpiapp.tasks.deliver_alert",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def deliver_alert(workspace_id: int, delivery_id: int) -> bool:
    """Send one email or webhook call of a fired alert; a delivery is sent at most once."""
    with workspace_scope(workspace_id):
        return alert_deliver(delivery_id=delivery_id)
