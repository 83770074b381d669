"""A recompute that fails is marked visibly, and the mark goes with the next success.

`recompute_failed` records the time and the cause (for operators; people see a fixed sentence,
never the exception's text), counts the failure (`RecomputeState.failure_count`, the metric),
logs the traceback under a stable event name and bumps the workspace's pages so admins see the
banner (`kpiapp/templatetags/recompute.py`). A successful run clears `failed_at`
(`kpiapp.services.snapshots.recompute_run`); a data change after a failure queues a new run
(`needs_enqueue_after_failure`), so a fixed record is recomputed without waiting for the night.
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone

from kpiapp.models import RecomputeState
from kpiapp.pagecache.versions import pages_changed

log = logging.getLogger(__name__)

FAILURE_EVENT = "kpi_recompute_failed"


def recompute_failed(*, state: RecomputeState, error: BaseException) -> None:
    """Mark the workspace's recompute as failed and release its claim."""
    log.error(
        "%s workspace=%s error=%s",
        FAILURE_EVENT,
        state.workspace_id,
        type(error).__name__,
        exc_info=error,
        extra={"event": FAILURE_EVENT, "workspace_id": state.workspace_id},
    )
    RecomputeState.objects.filter(pk=state.pk).update(
        started_at=None,
        failed_at=timezone.now(),
        error=f"{type(error).__name__}: {error}"[:500],
        failure_count=F("failure_count") + 1,
    )
    pages_changed(state.workspace_id)


def needs_enqueue_after_failure(state: RecomputeState) -> bool:
    """After a failed run nothing is queued any more (the state stays dirty): a change, which
    may be the fix, queues the next run."""
    return state.failed_at is not None and state.started_at is None
