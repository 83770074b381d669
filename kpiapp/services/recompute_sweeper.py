"""The recompute sweep: a worker killed mid-recompute leaves its claim behind, and nothing
queues the work again until the next change or the nightly run. Beat runs this every
`RECOMPUTE_SWEEP_SECONDS`: every claim older than the lease (its heartbeat stopped) is
released and the recompute queued again, so the numbers are stale for under a minute."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.tenancy import workspace_scope
from kpiapp.models import RecomputeState
from kpiapp.services import snapshots

log = logging.getLogger(__name__)


def recompute_recover_lapsed(*, now: datetime | None = None) -> list[int]:
    """Queue again the recomputes whose claim lapsed; returns their workspace ids. Each claim
    is released with a compare-and-set, so two sweeps at once queue it once."""
    now = now or timezone.now()
    lapsed = RecomputeState.all_workspaces.filter(
        dirty_since__isnull=False, started_at__lt=now - snapshots.LEASE
    ).values_list("workspace_id", "started_at")
    recovered = []
    for workspace_id, started_at in lapsed:
        with workspace_scope(workspace_id), transaction.atomic():
            released = RecomputeState.objects.filter(started_at=started_at).update(started_at=None)
            if released:
                snapshots._enqueue(workspace_id, 0)
        if released:
            log.warning("recompute of workspace %s: claim lapsed, queued again", workspace_id)
            recovered.append(workspace_id)
    return recovered
