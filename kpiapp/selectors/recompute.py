"""Reads of a workspace's recompute state for pages."""

from __future__ import annotations

from datetime import datetime

from kpiapp.models import RecomputeState


def recompute_failed_at() -> datetime | None:
    """When the last recompute of the workspace in scope failed, if it did (a later success
    clears it)."""
    return (
        RecomputeState.objects.filter(failed_at__isnull=False)
        .values_list("failed_at", flat=True)
        .first()
    )
