"""Saving a plan sets its targets (linked, with history), changing it moves them, an incomplete
plan changes nothing, and the saved plan's pacing names the bottleneck."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period
from kpiapp.models import Plan, Target, TargetChange
from kpiapp.selectors.plans import basis_month_for, plan_basis, plan_pacing, plan_result
from kpiapp.services.plans import plan_check, plan_save
from tests.conftest import membership_of
from tests.plans.helpers import write_quarter_so_far, write_trailing_figures

pytestmark = pytest.mark.django_db
Q4 = Period("quarter", 2026 * 12 + 9)
TODAY = date(2026, 11, 15)


@pytest.fixture(autouse=True)
def _mid_november():
    with freeze_time("2026-11-15 12:00"):
        yield


def _save(membership, plan=None, **given):
    checked, errors = plan_check(**{"goal_kind": "mrr_new", "goal_value": "10000",
                                    "shares": {}, "overrides": {}, **given})  # fmt: skip
    assert errors == {}
    return plan_save(membership=membership, quarter=Q4, checked=checked, today=TODAY, plan=plan)


def _targets() -> dict[tuple[str, str], Decimal]:
    return {(t.kpi_key, t.dimension_value): t.value for t in Target.objects.all()}


def test_the_trailing_inputs_are_the_snapshots_pooled_over_six_closed_months(scoped):
    write_trailing_figures()
    assert basis_month_for(Q4, TODAY) == 2026 * 12 + 9  # October: the last closed month
    assert basis_month_for(Period("quarter", 2026 * 12), TODAY) == 2025 * 12 + 11  # past: Dec
    basis = plan_basis(Q4, 2026 * 12 + 9)
    assert [c.name for c in basis.channels] == ["Paid Ads", "Partner"]  # by new MRR
    paid = basis.channels[0]
    assert paid.inputs["win_rate"].value == Fraction(1, 4)
    assert paid.inputs["mrr_per_deal"].value == 500
    assert basis.mrr_start == 100000 and basis.months_to_end == 3
    assert "visitor_to_lead_rate" not in basis.channels[1].inputs  # Partner has no visits
    # A window that ends in September leaves October's figures out.
    assert "win_rate" not in plan_basis(Q4, 2026 * 12 + 8).channels[0].inputs


def test_saving_sets_each_steps_target_linked_to_the_plan(scoped, alice):
    write_trailing_figures()
    plan = _save(membership_of(alice, scoped))
    assert _targets() == {
        ("mrr_new", ""): Decimal("10000.000000"),
        ("mrr_new", "Paid Ads"): Decimal("6000.000000"),
        ("customers_new", "Paid Ads"): Decimal("12.000000"),
        ("opportunities", "Paid Ads"): Decimal("48.000000"),
        ("sqls", "Paid Ads"): Decimal("96.000000"),
        ("leads", "Paid Ads"): Decimal("480.000000"),
        ("marketing_spend", "Paid Ads"): Decimal("24000.000000"),
        ("mrr_new", "Partner"): Decimal("4000.000000"),
        ("customers_new", "Partner"): Decimal("4.000000"),
        ("opportunities", "Partner"): Decimal("8.000000"),
        ("sqls", "Partner"): Decimal("10.000000"),
        ("leads", "Partner"): Decimal("20.000000"),
        ("marketing_spend", "Partner"): Decimal("0.000000"),
    }
    assert set(Target.objects.values_list("plan", flat=True)) == {plan.pk}
    assert TargetChange.objects.filter(action="set").count() == 13


def test_changing_the_mix_moves_the_targets_and_drops_those_no_longer_needed(scoped, alice):
    write_trailing_figures()
    membership = membership_of(alice, scoped)
    plan = _save(membership)
    _save(membership, plan, shares={"Partner": "0.3"})
    targets = _targets()
    assert targets[("leads", "Paid Ads")] == 560 and targets[("leads", "Partner")] == 16
    _save(membership, plan, shares={"Partner": "0"})
    assert ("leads", "Partner") not in _targets()
    assert _targets()[("leads", "Paid Ads")] == 800  # 10.000 € → 20 deals → 80 → 160 → 800
    removed = TargetChange.objects.filter(action="removed").values_list("kpi_key", flat=True)
    assert sorted(removed) == sorted(
        ["mrr_new", "customers_new", "opportunities", "sqls", "leads", "marketing_spend"]
    )


def test_a_plan_that_divides_by_zero_is_refused_and_changes_nothing(scoped, alice):
    write_trailing_figures()
    with pytest.raises(ValidationError) as refused:
        _save(membership_of(alice, scoped), overrides={"Partner": {"win_rate": "0"}})
    assert "Partner" in " ".join(refused.value.message_dict["plan"])
    assert not Plan.objects.exists() and not Target.objects.exists()


def test_bad_assumptions_get_a_message_per_field(scoped):
    write_trailing_figures()
    checked, errors = plan_check(
        goal_kind="mrr_new", goal_value="-5",
        shares={"Paid Ads": "1.5", "Nowhere": "0.1"},
        overrides={"Partner": {"win_rate": "abc", "lead_to_sql_rate": "2", "magic": "1"}},
    )  # fmt: skip
    assert checked is None
    assert set(errors) == {
        "goal_value", "shares.Paid Ads", "shares.Nowhere", "overrides.Partner.win_rate",
        "overrides.Partner.lead_to_sql_rate", "overrides.Partner.magic",
    }  # fmt: skip


def test_the_saved_plan_names_the_step_furthest_behind(scoped, alice):
    write_trailing_figures()
    plan = _save(membership_of(alice, scoped))
    # 15 Nov: 46 of 92 days passed, half of each target is due.
    write_quarter_so_far({
        ("leads", "Paid Ads"): 240,  # 240 of 480: on schedule
        ("sqls", "Paid Ads"): 20,  # 20 of 96 = 20.8 %, of the 50 % due: 41.7 %
        ("opportunities", "Paid Ads"): 24,
        ("leads", "Partner"): 5,  # 5 of 20 = 25 %: 50 % of what is due
        ("marketing_spend", "Paid Ads"): 1000,  # far under budget: never a bottleneck
    })  # fmt: skip
    pacing = plan_pacing(plan, TODAY)
    step, channel, of_due = pacing.bottleneck
    assert (step, channel) == ("sqls", "Paid Ads")
    assert of_due == Fraction(20, 96) / Fraction(46, 92)
    assert pacing.by_step[("leads", "Paid Ads")].of_due == 1


def test_a_plan_is_its_workspaces_own(scoped, alice, other_workspace, charlie):
    write_trailing_figures()
    _save(membership_of(alice, scoped))
    with workspace_scope(other_workspace.id):
        assert not Plan.objects.exists() and not Target.objects.exists()
    assert plan_result(Plan.objects.get()).totals["leads"] == 500
