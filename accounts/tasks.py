"""Background jobs of `accounts`: ids in, one service call (see kpiapp/tasks.py)."""

from celery import shared_task

from accounts.tenancy import workspace_scope


@shared_task(name="accounts.tasks.delete_workspace", acks_late=True, reject_on_worker_lost=True)
def delete_workspace(workspace_id: int) -> dict[str, int]:
    """Delete a workspace marked as being deleted, with its data. Idempotent: a repeated
    delivery finds nothing left to delete."""
    from accounts.deletion import workspace_data_delete

    with workspace_scope(workspace_id):
        return workspace_data_delete(workspace_id)
