"""The embedded default (eager tasks): a save answers before its recompute, which runs on the
in-process worker thread right after the commit, claimed like a Celery task."""

from __future__ import annotations

import threading
from datetime import date

from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, KpiSnapshot, RecomputeState, Subscription
from kpiapp.services import snapshots

URL = "/api/v1/workspaces/acme/"


def _mrr_now(workspace) -> str | None:
    month = timezone.now().date().replace(day=1)
    with workspace_scope(workspace.id):
        row = KpiSnapshot.objects.filter(
            kpi_key="mrr", grain="month", period_start=month, dimension=""
        ).first()
    return None if row is None else f"{row.value:.2f}"


@pytest.fixture
def paying(workspace):
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="Nordwind GmbH")
        row = Subscription.objects.create(
            external_id="S", account=account, amount_cents=10_000, currency="EUR",
            interval="month", started_at=date(2025, 1, 1),
        )  # fmt: skip
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
    return row


def test_an_api_change_answers_before_its_recompute_which_follows_on_the_thread(
    background_recompute, paying, workspace, erik, monkeypatch
):
    release, ran_on = threading.Event(), []
    rebuild = snapshots.snapshot_rebuild

    def held_rebuild(**kwargs):
        ran_on.append(threading.current_thread().name)
        assert release.wait(20)
        return rebuild(**kwargs)

    monkeypatch.setattr(snapshots, "snapshot_rebuild", held_rebuild)
    api = APIClient()
    api.force_authenticate(erik)
    assert _mrr_now(workspace) == "100.00"
    response = api.patch(f"{URL}subscriptions/{paying.pk}/", {"amount": "250.00"}, format="json")
    assert response.status_code == 200  # answered while the recompute waits on its thread
    assert _mrr_now(workspace) == "100.00"
    release.set()
    background_recompute()
    assert _mrr_now(workspace) == "250.00"
    assert ran_on and ran_on[0].startswith("recompute")  # not the request's thread
    with workspace_scope(workspace.id):
        state = RecomputeState.objects.get()
    assert state.dirty_since is None and state.started_at is None and state.run_count >= 1


def test_a_burst_during_a_run_lands_in_one_further_run(
    background_recompute, paying, workspace, erik, monkeypatch
):
    started, release = threading.Event(), threading.Event()
    rebuild = snapshots.snapshot_rebuild

    def held_rebuild(**kwargs):
        started.set()
        assert release.wait(20)
        return rebuild(**kwargs)

    monkeypatch.setattr(snapshots, "snapshot_rebuild", held_rebuild)
    api = APIClient()
    api.force_authenticate(erik)
    for n, amount in enumerate(("120.00", "130.00", "140.00")):
        response = api.patch(f"{URL}subscriptions/{paying.pk}/", {"amount": amount},
                             format="json")  # fmt: skip
        assert response.status_code == 200
        if n == 0:  # the first starts a run at once; the others come while it runs
            assert started.wait(20)
    release.set()
    background_recompute()
    assert _mrr_now(workspace) == "140.00"
    with workspace_scope(workspace.id):
        state = RecomputeState.objects.get()
    assert state.dirty_since is None and state.run_count == 2  # the run, then one for the rest
