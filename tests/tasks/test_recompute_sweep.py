"""Beat's sweep queues again a recompute whose worker died (its claim lapsed), once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import KpiSnapshot, RecomputeState
from kpiapp.services import snapshots
from kpiapp.services.recompute_sweeper import recompute_recover_lapsed
from kpiapp.tasks import recover_recomputes


@pytest.mark.django_db
def test_a_lapsed_claim_is_queued_again_once_and_a_live_one_is_left(
    workspace, other_workspace, django_capture_on_commit_callbacks
):
    now = timezone.now()
    dead = now - snapshots.LEASE - timedelta(seconds=1)
    with workspace_scope(workspace.id):
        RecomputeState.objects.create(dirty_since=dead, changed_at=dead, started_at=dead)
    with workspace_scope(other_workspace.id):
        RecomputeState.objects.create(dirty_since=now, changed_at=now, started_at=now)

    with django_capture_on_commit_callbacks(execute=True):  # eager: the task runs here
        assert recover_recomputes.delay().get() == [workspace.id]
    with workspace_scope(workspace.id):
        state = RecomputeState.objects.get()
        assert state.dirty_since is None and state.started_at is None
        assert state.run_count == 1 and KpiSnapshot.objects.exists()
    with workspace_scope(other_workspace.id):
        assert RecomputeState.objects.get().started_at == now  # a live claim stays
    assert recompute_recover_lapsed() == []  # nothing left to recover
