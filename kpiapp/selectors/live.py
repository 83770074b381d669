"""What a page that updates itself asks every second: has anything it shows changed (the
workspace's page version), when were its numbers computed, and is a recompute pending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from kpiapp.models import KpiSnapshot, RecomputeState
from kpiapp.pagecache.versions import page_version


@dataclass(frozen=True)
class LiveState:
    version: int  # the workspace's page version (pagecache.versions)
    computed_at: datetime | None  # when the last recompute finished; None before any
    pending: bool  # a change waits for its recompute, or one is running

    def as_json(self) -> dict[str, object]:
        return {
            "version": str(self.version),  # beyond JavaScript's exact integers
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "pending": self.pending,
        }


def live_state(workspace_id: int) -> LiveState:
    """The state of the workspace in scope. The version is read first: a page that shows
    numbers read after it can only be newer than what the version claims, never older."""
    version = page_version(workspace_id)
    state = (
        RecomputeState.objects.values("dirty_since", "started_at", "finished_at").order_by().first()
    )
    pending = bool(state and (state["dirty_since"] or state["started_at"]))
    computed_at = state["finished_at"] if state else None
    if computed_at is None:  # rebuilt directly (the demo, a test), not by a task
        # One KPI's rows (an index range), not the workspace's 100,000s: a full rebuild
        # stamps every row alike.
        computed_at = KpiSnapshot.objects.filter(kpi_key="mrr").aggregate(at=Max("computed_at"))[
            "at"
        ]
    return LiveState(version=version, computed_at=computed_at, pending=pending)
