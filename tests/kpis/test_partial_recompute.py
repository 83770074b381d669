"""A recompute after one change rewrites only what the change touches, and ends with exactly
the snapshots a full recompute gives."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.forms.records import DealForm, LeadForm, SpendForm, SubscriptionForm
from kpiapp.kpis.dependencies import (
    READS_ONLY_WHO_PAYS,
    SUBSCRIPTION_AMOUNTS,
    AccountGroups,
    affected_keys,
)
from kpiapp.kpis.engine import compute_workspace, customers_before
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.registry import COHORT_KEYS, DEFINITION_VERSION, KPI_BY_KEY
from kpiapp.models import (
    Account,
    Channel,
    Deal,
    KpiSnapshot,
    Lead,
    RecomputeState,
    Spend,
    Subscription,
)
from kpiapp.services import snapshots
from kpiapp.services.records import record_delete, record_save
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


def _subscription_form(row: Subscription, workspace, **changes: str) -> SubscriptionForm:
    data = {
        "external_id": row.external_id, "account": row.account_id, "plan": row.plan,
        "amount": f"{row.amount_cents / 100:.2f}", "currency": row.currency,
        "interval": row.interval, "interval_count": 1, "quantity": 1, "discount_percent": "0",
        "started_at": row.started_at.isoformat(),
    }  # fmt: skip
    form = SubscriptionForm(data={**data, **changes}, instance=row, workspace=workspace)
    assert form.is_valid(), form.errors
    return form


def test_a_subscription_change_recomputes_only_its_accounts_channel_campaign_and_country(
    company, alice
):
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        row = Subscription.objects.filter(ended_at__isnull=True, currency="EUR").first()
        account = Account.objects.get(pk=row.account_id)
        other_channel = Channel.objects.exclude(pk=account.channel_id).get()

    def upgrade():
        record_save(membership=member, form=_subscription_form(row, company, amount="999.00"))
        state = RecomputeState.objects.get()
        # a new price of a paid subscription: only what reads amounts (the kind it narrows to)
        assert state.dirty_kinds == [SUBSCRIPTION_AMOUNTS]
        assert state.dirty_accounts == [account.pk]
        assert state.dirty_plans == [row.plan]  # the plan it had: its group moves too

    before, after, _ = _partial_then_full(company, upgrade)
    changed = before ^ after
    assert ("mrr", "month", TODAY.replace(day=1), "channel", account.channel.name) in {
        row[:5] for row in changed
    }
    assert not {row for row in changed if row[4] == other_channel.name}
    # The same change without its account: every channel, campaign and country again.
    with workspace_scope(company.id), freeze_time(TODAY):
        kinds = frozenset({"subscriptions"})
        wide = snapshots.snapshot_rebuild(
            workspace_id=company.id, scope=snapshots.Scope(kinds, TODAY)
        )
        narrow = snapshots.snapshot_rebuild(
            workspace_id=company.id, scope=snapshots.Scope(kinds, TODAY, frozenset({account.pk}))
        )
    assert narrow.snapshot_count < wide.snapshot_count
    assert narrow.written_count == wide.written_count == 0  # both left what they found


def test_a_subscription_moved_to_an_account_of_another_channel_recomputes_both(company, alice):
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        row = Subscription.objects.filter(ended_at__isnull=True).first()
        old = Account.objects.get(pk=row.account_id)
        new = Account.objects.exclude(channel=old.channel_id).first()

    def move():
        record_save(membership=member, form=_subscription_form(row, company, account=str(new.pk)))
        assert RecomputeState.objects.get().dirty_accounts == sorted([old.pk, new.pk])

    before, after, _ = _partial_then_full(company, move)  # the partial equals the full one
    moved = {row[4] for row in before ^ after if row[3] == "channel"}
    assert {old.channel.name, new.channel.name} <= moved


def test_the_last_subscription_of_a_country_deleted_removes_the_country_everywhere(company, alice):
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        lone = Account.objects.create(external_id="FR1", name="Seul", country="FR")
        Subscription.objects.create(
            external_id="S-FR1", account=lone, plan="pro", amount_cents=12_300, currency="EUR",
            interval="month", started_at=date(2024, 9, 1),
        )  # fmt: skip
        snapshots.snapshot_rebuild(workspace_id=company.id)
        assert KpiSnapshot.objects.filter(dimension="country", dimension_value="FR").exists()

    def delete():
        record_delete(membership=member, record=Subscription.objects.get(external_id="S-FR1"))
        assert RecomputeState.objects.get().dirty_accounts == [lone.pk]

    _before, after, _ = _partial_then_full(company, delete)
    assert not {row for row in after if row[3:5] == ("country", "FR")}


def test_an_account_deleted_recomputes_what_its_subscriptions_usage_and_answers_fed(company, alice):
    """Its subscriptions, usage, NPS answers and touchpoints are deleted with it: their KPIs
    (the cohort cells read subscriptions alone) are recomputed too."""
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        gone = Account.objects.create(external_id="GONE", name="Weg", country="DE")
        Subscription.objects.create(
            external_id="S-GONE", account=gone, plan="pro", amount_cents=45_600, currency="EUR",
            interval="month", started_at=date(2024, 5, 1), ended_at=date(2024, 9, 1),
        )  # fmt: skip
        snapshots.snapshot_rebuild(workspace_id=company.id)

    def delete():
        record_delete(membership=member, record=gone)
        assert {"accounts", "subscriptions", "usage", "nps", "touchpoints"} <= set(
            RecomputeState.objects.get().dirty_kinds
        )

    before, after, _ = _partial_then_full(company, delete)
    moved_cells = {row for row in before ^ after if row[0] in COHORT_KEYS}
    assert moved_cells  # its cohort (May 2024) lost a customer who left in September


def test_a_narrowed_scope_widens_when_other_data_or_many_accounts_change():
    Scope = snapshots.Scope
    subscriptions = frozenset({"subscriptions"})
    one = Scope(subscriptions, date(2025, 1, 1), frozenset({1}))
    two = Scope(subscriptions, date(2025, 3, 1), frozenset({2}))
    assert one.merge(two) == Scope(subscriptions, date(2025, 1, 1), frozenset({1, 2}))
    plans = Scope(subscriptions, None, frozenset({3}), frozenset({"pro"}))
    assert one.merge(plans).plans == {"pro"}
    assert one.merge(plans).merge(Scope(frozenset({"deals"}))).plans == frozenset()
    deals = Scope(frozenset({"deals"}), date(2025, 2, 1))
    assert one.merge(deals).accounts is None
    assert one.merge(snapshots.FULL) == snapshots.FULL
    assert (
        Scope(frozenset({"subscriptions", "deals"}), None, frozenset({1})).bounded().accounts
        is None
    )
    many = frozenset(range(snapshots.MAX_NARROWED_ACCOUNTS + 1))
    assert one.merge(Scope(subscriptions, None, many)).accounts is None


def test_account_groups_cover_the_accounts_own_values_and_what_their_journeys_credit():
    groups = AccountGroups(
        values=frozenset({("channel", "Paid ads"), ("campaign", ""), ("country", "DE")}),
        touched=frozenset({("channel", "Paid ads"), ("channel", "Webinar"), ("campaign", "")}),
    )
    assert groups.covers("mrr", "", "") and groups.covers("mrr", "plan", "pro")
    with_plans = AccountGroups(groups.values, groups.touched, plans=frozenset({"pro"}))
    assert with_plans.covers("mrr", "plan", "pro") and not with_plans.covers("arr", "plan", "x")
    assert groups.covers("mrr", "country", "DE") and not groups.covers("mrr", "country", "AT")
    assert not groups.covers("mrr", "channel", "Webinar")  # a journey's, not the account's own
    assert groups.covers("mrr_new_attributed", "channel:first_touch", "Webinar")
    assert groups.covers("customers_new_attributed", "", "")
    assert not groups.covers("customers_new_attributed", "channel", "Referral")
    assert groups.covers("deals_won", "channel", "Referral")  # not moved by subscriptions
    assert groups.covers("cohort_logo_retention", "age", "3")


def test_a_change_from_this_month_on_recomputes_only_the_cohort_cells_that_read_it(company):
    with workspace_scope(company.id), freeze_time(TODAY):
        workspace = Workspace.objects.get(pk=company.id)
        month = month_index(TODAY)
        keys = affected_keys({"subscriptions"}, [])
        cells = [
            p for p in compute_workspace(workspace, keys=keys, since_month=month)
            if p.key in COHORT_KEYS
        ]  # fmt: skip
        everything = [p for p in compute_workspace(workspace) if p.key in COHORT_KEYS]
    assert cells and {p.first_month + int(p.dimension_value) for p in cells} == {month}
    # one cell per cohort and key: the one at this month's end
    assert len(cells) == len({(p.key, p.first_month) for p in everything})
    assert set(cells) <= set(everything)


def test_a_new_price_that_moves_a_customer_to_its_other_plan_moves_the_plans_counts(company, alice):
    """A customer counts under its plan with the highest MRR: of an account on two plans, a
    new price can move it to the other plan, so the narrower kind `subscription_amounts`
    recomputes the customer counts (by plan) too."""
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        two_plans = Account.objects.create(name="Zwei Pläne GmbH", external_id="two-plans")
        Subscription.objects.create(
            external_id="two-basic", account=two_plans, plan="Basic", amount_cents=5_000,
            currency="EUR", interval="month", started_at=date(2025, 1, 10),
        )  # fmt: skip
        pro = Subscription.objects.create(
            external_id="two-pro", account=two_plans, plan="Pro", amount_cents=4_000,
            currency="EUR", interval="month", started_at=date(2025, 1, 10),
        )  # fmt: skip
        snapshots.snapshot_rebuild(workspace_id=company.id)
        customers_of = {"kpi_key": "customers_active", "grain": "month", "dimension": "plan"}
        pro_customers = KpiSnapshot.objects.filter(**customers_of, dimension_value="Pro")
        pro_before = {r.period_start: r.value for r in pro_customers}

    def reprice():
        record_save(membership=member, form=_subscription_form(pro, company, amount="60.00"))
        assert RecomputeState.objects.get().dirty_kinds == [SUBSCRIPTION_AMOUNTS]

    _partial_then_full(company, reprice)  # the partial run equals the full one
    with workspace_scope(company.id):
        pro_after = {r.period_start: r.value for r in pro_customers.all()}
    march = date(2025, 3, 1)
    assert pro_after[march] == pro_before.get(march, 0) + 1  # it counts under Pro now


@pytest.mark.parametrize(
    "changes",
    [{"amount": "0.00"}, {"amount": "77.00", "started_at": "2025-02-01"}, {"plan": "Other"}],
    ids=["free-now", "price-and-start", "plan"],
)
def test_a_change_beyond_a_new_price_of_a_paid_subscription_reads_every_kpi(
    company, alice, changes
):
    member = membership_of(alice, company)
    with workspace_scope(company.id), freeze_time(TODAY):
        row = Subscription.objects.filter(ended_at__isnull=True, amount_cents__gt=0).first()

    def change():
        record_save(membership=member, form=_subscription_form(row, company, **changes))
        assert RecomputeState.objects.get().dirty_kinds == ["subscriptions"]

    _partial_then_full(company, change)


def test_a_new_price_computes_only_the_kpis_that_read_amounts(company):
    with workspace_scope(company.id), freeze_time(TODAY):
        account = Subscription.objects.filter(amount_cents__gt=0).first().account_id
        runs = {
            kind: snapshots.snapshot_rebuild(
                workspace_id=company.id,
                scope=snapshots.Scope(frozenset({kind}), date(2025, 1, 1), frozenset({account})),
            )
            for kind in ("subscriptions", SUBSCRIPTION_AMOUNTS)
        }
    assert runs[SUBSCRIPTION_AMOUNTS].snapshot_count < runs["subscriptions"].snapshot_count
    assert runs[SUBSCRIPTION_AMOUNTS].written_count == 0  # what it left was what it found


def test_the_kpis_that_read_only_who_pays_are_kpis_that_read_subscriptions():
    reading = affected_keys({"subscriptions"}, [])
    assert READS_ONLY_WHO_PAYS.issubset(reading)  # no misspelt key escapes the narrower kind
    amounts = affected_keys({SUBSCRIPTION_AMOUNTS}, [])
    assert amounts == reading - READS_ONLY_WHO_PAYS
    assert {"mrr", "arpa", "clv", "mrr_new_attributed", "cohort_revenue_retention"} <= amounts
    # a new price can move a customer to another plan: nothing left out may break down by plan
    assert not [k for k in READS_ONLY_WHO_PAYS if "plan" in _dimensions(k)]


def _dimensions(key: str) -> tuple[str, ...]:
    return () if key in COHORT_KEYS else KPI_BY_KEY[key].dimensions


def _new_customer(company, name: str, *starts: date) -> list[Subscription]:
    """An account paying 50 € a month from each of `starts` on (one plan), snapshots rebuilt."""
    with workspace_scope(company.id), freeze_time(TODAY):
        account = Account.objects.create(name=name, external_id=name)
        rows = [
            Subscription.objects.create(
                external_id=f"{name}-{n}", account=account, plan="Basic", amount_cents=5_000,
                currency="EUR", interval="month", started_at=start,
            )
            for n, start in enumerate(starts)
        ]  # fmt: skip
        snapshots.snapshot_rebuild(workspace_id=company.id)
    return rows


def test_a_new_price_of_a_customers_first_month_moves_its_journey_kpis(company, alice):
    (first,) = _new_customer(company, "new-in-may", date(2025, 5, 10))
    may = month_index(date(2025, 5, 1))
    with workspace_scope(company.id):
        assert not customers_before(workspace_id=company.id, accounts=frozenset({first.account_id}),
                                    month=may)  # fmt: skip
        attributed = KpiSnapshot.objects.filter(
            kpi_key="mrr_new_attributed", grain="month", period_start=date(2025, 5, 1),
            dimension="",
        )  # fmt: skip
        before = attributed.get().value

    def reprice():
        record_save(membership=membership_of(alice, company),
                    form=_subscription_form(first, company, amount="80.00"))  # fmt: skip
        assert RecomputeState.objects.get().dirty_kinds == [SUBSCRIPTION_AMOUNTS]

    _partial_then_full(company, reprice)  # the partial run equals the full one
    with workspace_scope(company.id):
        assert attributed.get().value == before + 30  # its new MRR, 80 € instead of 50 €


def test_a_new_price_of_an_older_customer_leaves_its_journey_kpis(company, alice):
    _won, later = _new_customer(company, "since-january", date(2025, 1, 10), date(2025, 4, 1))
    april = month_index(date(2025, 4, 1))
    with workspace_scope(company.id):
        assert customers_before(workspace_id=company.id, accounts=frozenset({later.account_id}),
                                month=april)  # fmt: skip

    def reprice():
        record_save(membership=membership_of(alice, company),
                    form=_subscription_form(later, company, amount="80.00"))  # fmt: skip

    before, after, count = _partial_then_full(company, reprice)
    assert "mrr" in {row[0] for row in before ^ after}
    scope = snapshots.Scope(
        frozenset({SUBSCRIPTION_AMOUNTS}), later.started_at, frozenset({later.account_id})
    )
    assert count < _computed_with_journeys(company, scope)  # the journey KPIs were left


def test_a_customer_ending_its_subscription_today_leaves_its_journey_kpis(company, alice):
    (row,) = _new_customer(company, "ends-today", date(2025, 1, 10))

    def end():
        form = _subscription_form(row, company, ended_at=TODAY.isoformat())
        record_save(membership=membership_of(alice, company), form=form)
        assert RecomputeState.objects.get().dirty_kinds == ["subscriptions"]

    before, after, count = _partial_then_full(company, end)
    assert "customers_churned" in {r[0] for r in before ^ after}
    scope = snapshots.Scope(frozenset({"subscriptions"}), TODAY, frozenset({row.account_id}))
    assert count < _computed_with_journeys(company, scope)  # the journey KPIs were left


def _computed_with_journeys(company, scope: snapshots.Scope) -> int:
    """The snapshots the same run computes had its accounts been new customers since then."""
    with (
        workspace_scope(company.id),
        freeze_time(TODAY),
        mock.patch.object(snapshots, "customers_before", return_value=False),
    ):
        return snapshots.snapshot_rebuild(workspace_id=company.id, scope=scope).snapshot_count
