"""Thin Celery entry points: ids in, one service call, retry policy here.

Tasks that work on one workspace take `workspace_id` as their first argument and run inside
`workspace_scope(workspace_id)`; `tests/tenancy/test_task_signatures.py` holds the short list of
tasks that do not.
"""

from django.db import connection
from django.utils import timezone

from celery import shared_task

from accounts.tenancy import workspace_scope


@shared_task(name="kpiapp.tasks.health_check")
def health_check() -> dict[str, str]:
    """Proves that a worker runs, reaches the database and sees the same clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"status": "ok" if one == 1 else "db-error", "at": timezone.now().isoformat()}


@shared_task(name="kpiapp.tasks.run_import", acks_late=True)
def run_import(workspace_id: int, import_id: int, check_only: bool) -> None:
    """Check (dry run) or import an uploaded file; idempotent through the job's status."""
    from kpiapp.services.imports import import_job_run

    with workspace_scope(workspace_id):
        import_job_run(job_id=import_id, check_only=check_only)
