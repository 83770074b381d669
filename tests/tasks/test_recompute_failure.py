"""A recompute that fails is marked visibly (state, log, counter, a banner for admins and
owners), does not leak its exception to people, and does not block the next recompute once
the data is fixed."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Deal, KpiSnapshot, RecomputeState, Subscription
from kpiapp.services import snapshots
from kpiapp.services.recompute_failures import FAILURE_EVENT

pytestmark = pytest.mark.django_db
BANNER_EN = "The KPIs could not be recomputed last time"
BANNER_DE = "Die Kennzahlen konnten zuletzt nicht neu berechnet werden"


@pytest.fixture
def engine_refusing_ancient_deals(monkeypatch):
    """The engine as it was before it bounded its dates: a deal of year 1 overflows it. (The
    real engine no longer fails on such data, so the test brings the failure back.)"""
    real = snapshots.run_engine

    def compute(workspace, **kwargs):
        if Deal.objects.filter(created_at__lt=date(1970, 1, 1)).exists():
            raise OverflowError("date value out of range")
        return real(workspace, **kwargs)

    monkeypatch.setattr(snapshots, "run_engine", compute)


def _state(workspace) -> RecomputeState:
    with workspace_scope(workspace.id):
        return RecomputeState.objects.get()


def test_a_failure_is_marked_shown_to_admins_and_the_fix_recomputes(
    client_as,
    alice,
    adam,
    erik,
    workspace,
    engine_refusing_ancient_deals,
    django_capture_on_commit_callbacks,
    caplog,
):
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="K", name="Kunde")
        Subscription.objects.create(
            external_id="S",
            account=account,
            amount_cents=10_000,
            currency="EUR",
            interval="month",
            started_at=date(2025, 1, 1),
        )
        # Written past every check, as a bad migration or a script might.
        Deal.all_workspaces.bulk_create(
            [
                Deal(
                    workspace_id=workspace.id,
                    external_id="OLD",
                    stage="won",
                    currency="EUR",
                    created_at=date(1, 1, 1),
                    closed_at=date(1, 1, 1),
                )
            ]
        )
    editor = client_as(erik)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            f"/w/{workspace.slug}/data/accounts/{account.pk}/edit/",
            {"name": "Kunde GmbH", "external_id": "K"},
        )
    assert response.status_code == 302  # the change is saved; the request does not fail
    state = _state(workspace)
    assert state.failed_at is not None and state.failure_count == 1
    assert state.started_at is None  # the claim is released
    assert "OverflowError" in state.error  # for operators
    logged = [r for r in caplog.records if r.getMessage().startswith(FAILURE_EVENT)]
    assert logged and logged[0].exc_info is not None  # with the traceback

    page = client_as(adam).get(f"/w/{workspace.slug}/").content.decode()
    assert BANNER_EN in page and "OverflowError" not in page
    alice.language = "de"
    alice.save(update_fields=["language"])
    assert BANNER_DE in client_as(alice).get(f"/w/{workspace.slug}/data/").content.decode()
    assert BANNER_EN not in editor.get(f"/w/{workspace.slug}/").content.decode()  # admins only

    # The fix: the bad deal gets its real dates. The failed state queues the next run.
    with workspace_scope(workspace.id):
        deal = Deal.objects.get(external_id="OLD")
    fixed = {
        "external_id": "OLD",
        "stage": "won",
        "kind": "new",
        "currency": "EUR",
        "created_at": "2024-01-01",
        "closed_at": "2024-02-01",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/w/{workspace.slug}/data/deals/{deal.pk}/edit/", fixed)
    assert response.status_code == 302
    state = _state(workspace)
    assert state.failed_at is None and state.error == "" and state.dirty_since is None
    assert state.failure_count == 1  # the counter keeps the history
    with workspace_scope(workspace.id):
        assert KpiSnapshot.objects.filter(kpi_key="mrr").exists()
    assert BANNER_EN not in client_as(adam).get(f"/w/{workspace.slug}/").content.decode()


def test_an_editor_cannot_save_such_a_deal_in_the_first_place(client_as, erik, workspace):
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/deals/new/",
        {
            "external_id": "OLD",
            "stage": "won",
            "kind": "new",
            "currency": "EUR",
            "created_at": "0001-01-01",
            "closed_at": "0001-01-01",
        },
    )
    assert response.status_code == 400
    with workspace_scope(workspace.id):
        assert not Deal.objects.exists()


def test_the_api_answers_201_not_500_when_the_recompute_after_it_fails(
    erik, workspace, engine_refusing_ancient_deals, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    with workspace_scope(workspace.id):
        Deal.all_workspaces.bulk_create(
            [
                Deal(
                    workspace_id=workspace.id,
                    external_id="OLD",
                    stage="lead",
                    currency="EUR",
                    created_at=date(1, 1, 1),
                )
            ]
        )
    api = APIClient()
    api.force_authenticate(erik)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/workspaces/acme/accounts/", {"name": "Neu", "external_id": "N"}, format="json"
        )
    assert response.status_code == 201  # the recompute runs eagerly here, and fails
    assert _state(workspace).failed_at is not None
