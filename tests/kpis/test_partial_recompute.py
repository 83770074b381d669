"""A recompute after one change rewrites only what the change touches, and ends with exactly
the snapshots a full recompute gives."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.forms.records import DealForm, LeadForm, SpendForm, SubscriptionForm
from kpiapp.kpis.registry import COHORT_KEYS, DEFINITION_VERSION
from kpiapp.models import (
    Channel,
    Deal,
    KpiSnapshot,
    Lead,
    RecomputeState,
    Spend,
    Subscription,
)
from kpiapp.services import snapshots
from kpiapp.services.records import record_save
from tests.conftest import membership_of
from tests.kpis.company import TODAY, small_company

pytestmark = pytest.mark.slow  # each test builds and recomputes a company
FIELDS = ("kpi_key", "grain", "period_start", "dimension", "dimension_value", "value", "reason")


def _snapshot_set() -> set[tuple]:
    return set(KpiSnapshot.objects.values_list(*FIELDS))


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id), freeze_time(TODAY):
        small_company()
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
        RecomputeState.objects.update_or_create(defaults={"definition_version": DEFINITION_VERSION})
        yield workspace


def _partial_then_full(workspace, change) -> tuple[set, set, int]:
    with workspace_scope(workspace.id), freeze_time(TODAY):
        before = _snapshot_set()
        change()
        state = RecomputeState.objects.get()
        assert state.dirty_since is not None and not state.dirty_full
        summary = snapshots.recompute_run()
        assert summary is not None
        partial = _snapshot_set()
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
        assert _snapshot_set() == partial
    return before, partial, summary.snapshot_count


def test_an_upgrade_today_rewrites_only_the_periods_from_today_on(company, alice):
    member = membership_of(alice, company)

    def upgrade():
        row = Subscription.objects.filter(ended_at__isnull=True, currency="EUR").first()
        form = SubscriptionForm(
            data={
                "external_id": row.external_id,
                "account": row.account_id,
                "plan": row.plan,
                "amount": "999.00",
                "currency": "EUR",
                "interval": row.interval,
                "interval_count": 1,
                "quantity": 1,
                "discount_percent": "0",
                "started_at": row.started_at.isoformat(),
            },
            instance=row,
            workspace=company,
        )
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)

    before, after, written = _partial_then_full(company, upgrade)
    state = RecomputeState.objects.get()
    assert state.dirty_kinds == [] and state.dirty_since is None
    changed = {row[0] for row in before ^ after}
    assert "mrr" in changed and "deals_won" not in changed
    # only the account-level and journey KPIs (KPIS.md 1, 2 and 7) of the later periods
    assert written < len(after) * 0.4


def test_a_deal_won_rewrites_the_deal_kpis(company, alice):
    member = membership_of(alice, company)

    def win():
        deal = Deal.objects.filter(stage="demo").first()
        form = DealForm(
            data={
                "external_id": deal.external_id,
                "account": deal.account_id,
                "stage": "won",
                "kind": "new",
                "amount": "1234.56",
                "currency": "EUR",
                "owner": deal.owner,
                "created_at": deal.created_at.isoformat(),
                "closed_at": "2025-06-10",
            },
            instance=deal,
            workspace=company,
        )
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)

    before, after, _ = _partial_then_full(company, win)
    assert "win_rate" in {row[0] for row in before ^ after}


def test_spend_of_an_earlier_month_rewrites_the_cost_kpis_from_then_on(company, alice):
    member = membership_of(alice, company)

    def more_spend():
        spend = Spend.objects.order_by("month").first()
        form = SpendForm(
            data={
                "month": spend.month.isoformat(),
                "channel": spend.channel_id,
                "category": "marketing",
                "amount": "5000.00",
                "currency": "EUR",
            },
            instance=spend,
            workspace=company,
        )
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)

    before, after, _ = _partial_then_full(company, more_spend)
    assert {row[0] for row in before ^ after} <= {
        "cac", "clv_cac_ratio", "cac_payback_months", "cost_per_lead", "cost_per_order",
        "campaign_roi", "marketing_spend",
    }  # fmt: skip


def test_ending_a_subscription_today_rewrites_from_this_month_on(company, alice):
    member = membership_of(alice, company)

    def cancel():
        row = Subscription.objects.filter(ended_at__isnull=True).first()
        form = SubscriptionForm(
            data={
                "external_id": row.external_id,
                "account": row.account_id,
                "plan": row.plan,
                "amount": f"{row.amount_cents / 100:.2f}",
                "currency": row.currency,
                "interval": row.interval,
                "interval_count": 1,
                "quantity": 1,
                "discount_percent": "0",
                "started_at": row.started_at.isoformat(),
                "ended_at": TODAY.isoformat(),
            },
            instance=row,
            workspace=company,
        )
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)

    before, after, written = _partial_then_full(company, cancel)
    assert RecomputeState.objects.get().dirty_from is None  # done
    assert written < len(after) / 10  # this month, quarter and year, and the cohorts
    assert ("mrr", "month", TODAY.replace(day=1)) in {row[:3] for row in before ^ after}


def test_a_recompute_writes_only_the_snapshots_whose_values_changed(company, alice):
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        ids = dict(KpiSnapshot.objects.values_list("id", "kpi_key"))
        again = snapshots.snapshot_rebuild(workspace_id=company.id)  # nothing changed
        assert again.written_count == 0 and again.deleted_count == 0
        assert dict(KpiSnapshot.objects.values_list("id", "kpi_key")) == ids

        row = Subscription.objects.filter(ended_at__isnull=True, currency="EUR").first()
        form = SubscriptionForm(
            data={
                "external_id": row.external_id, "account": row.account_id, "plan": row.plan,
                "amount": "999.00", "currency": "EUR", "interval": row.interval,
                "interval_count": 1, "quantity": 1, "discount_percent": "0",
                "started_at": row.started_at.isoformat(),
            },
            instance=row, workspace=company,
        )  # fmt: skip
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)
        summary = snapshots.recompute_run()
        kept = set(KpiSnapshot.objects.values_list("id", flat=True)) & set(ids)
        assert 0 < summary.written_count < summary.snapshot_count
        assert len(ids) - len(kept) == summary.deleted_count  # changed rows were replaced
        changed = set(KpiSnapshot.objects.exclude(id__in=kept).values_list("kpi_key", flat=True))
        assert "mrr" in changed and "deals_won" not in changed


def test_a_lead_that_is_no_customer_moves_only_the_funnel_from_its_month_on(company, alice):
    member = membership_of(alice, company)
    with workspace_scope(company.id):
        paid, referral = Channel.objects.order_by("id")
        lead = Lead.objects.create(external_id="L-new", created_at=date(2025, 3, 3), channel=paid)

    def move():
        form = LeadForm(
            data={"external_id": "L-new", "channel": referral.pk, "created_at": "2025-03-03"},
            instance=Lead.objects.get(pk=lead.pk), workspace=company,
        )  # fmt: skip
        assert form.is_valid(), form.errors
        record_save(membership=member, form=form)
        state = RecomputeState.objects.get()
        assert (state.dirty_kinds, state.dirty_from) == (["lead_funnel"], date(2025, 3, 3))

    before, after, _ = _partial_then_full(company, move)
    changed = {row[0] for row in before ^ after}
    assert "leads" in changed and not changed & {"mrr", "customers_new", "deals_won", "nps"}


def test_a_change_dated_after_this_year_recomputes_nothing_and_fails_nothing(company, alice):
    """A scope that starts after the current year emits no period (cohorts aside): every
    family, the deals' stage history among them, gives no point and raises nothing."""
    from kpiapp.kpis.dependencies import affected_keys
    from kpiapp.kpis.engine import compute_workspace
    from kpiapp.kpis.periods import month_index

    every_kind = {"subscriptions", "deals", "leads", "touchpoints", "usage", "spend", "traffic"}
    with workspace_scope(company.id), freeze_time(TODAY):
        later = month_index(date(TODAY.year + 1, 1, 1))
        points = compute_workspace(company, keys=affected_keys(every_kind, []), since_month=later)
    assert [p for p in points if p.key not in COHORT_KEYS] == []
