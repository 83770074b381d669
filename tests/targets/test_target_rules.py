"""Golden tests for what a target means (KPIS.md, "Targets"): what it is measured on, how it
reads, its month milestones and which values it may take."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils import translation

import pytest

from kpiapp.kpis import target_rules as r


@pytest.mark.parametrize(
    ("kind", "basis", "expected"),
    [
        ("state", "monthly_mean", "quarter_end"),
        ("flow", "quarter_value", "quarter_sum"),
        ("rate", "monthly_mean", "monthly_mean"),
        ("rate", "quarter_value", "quarter_value"),
        ("ratio", "", "monthly_mean"),  # unknown basis: the default
        ("mean", "quarter_value", "quarter_value"),
    ],
)
def test_what_a_target_is_measured_on(kind, basis, expected):
    assert r.measured_on(kind, basis) == expected


@pytest.mark.parametrize(
    ("language", "kind", "direction", "basis", "name", "value", "expected"),
    [
        ("de", "state", "up", "monthly_mean", "MRR", "280.000\u00a0€",
         "MRR am Quartalsende ≥ 280.000\u00a0€"),
        ("de", "flow", "up", "monthly_mean", "Neukunden", "60",
         "Neukunden im Quartal (Summe) ≥ 60"),
        ("de", "rate", "down", "quarter_value", "Kundenabwanderungsrate", "2,5\u00a0%",
         "Kundenabwanderungsrate im Quartal ≤ 2,5\u00a0%"),
        ("de", "rate", "down", "monthly_mean", "Kundenabwanderungsrate", "2,5\u00a0%",
         "Kundenabwanderungsrate im Monatsmittel des Quartals ≤ 2,5\u00a0%"),
        ("en", "state", "up", "monthly_mean", "MRR", "€280,000",
         "MRR at the quarter's end ≥ €280,000"),
        ("en", "flow", "down", "monthly_mean", "Churned customers", "4",
         "Churned customers in the quarter (sum) ≤ 4"),
        ("en", "rate", "up", "monthly_mean", "NRR", "105 %",
         "NRR, mean of the quarter's months ≥ 105 %"),
        ("en", "flow", "neutral", "monthly_mean", "FX impact", "0",
         "FX impact in the quarter (sum) → 0"),
    ],
)  # fmt: skip
def test_a_target_says_how_it_is_judged(language, kind, direction, basis, name, value, expected):
    with translation.override(language):
        got = r.statement(name=name, kind=kind, direction=direction, rate_basis=basis,
                          shown_value=value)  # fmt: skip
    assert got == expected


def test_stock_milestones_run_linearly_from_the_quarter_start():
    # 241,849 at the start, 280,000 the target: a third of the way each month.
    got = [r.milestone(kind="state", target=280000, start=241849, months_ended=m) for m in range(4)]
    assert got == [Fraction(241849), Fraction(254566), Fraction(267283), Fraction(280000)]


def test_flow_milestones_are_cumulative_and_a_month_alone_is_a_third():
    got = [r.milestone(kind="flow", target=60, start=None, months_ended=m) for m in range(4)]
    assert got == [0, 20, 40, 60]
    assert r.month_milestone(kind="flow", target=60, start=None, position=2) == 20
    assert r.month_milestone(kind="state", target=300, start=0, position=2) == 200


@pytest.mark.parametrize("kind", ["rate", "ratio", "mean"])
def test_a_rate_milestone_is_the_target_itself(kind):
    for m in range(4):
        got = r.milestone(kind=kind, target=Decimal("0.025"), start=1, months_ended=m)
        assert got == Fraction(1, 40)


def test_monthly_mean_leaves_undefined_months_out():
    assert r.monthly_mean([Decimal("0.02"), None, Decimal("0.03")]) == (Fraction(1, 40), 2)
    assert r.monthly_mean([None, None]) == (None, 0)


@pytest.mark.parametrize(
    ("key", "unit", "value", "code"),
    [
        ("mrr", "money", "-5000", "negative"),
        ("mrr", "money", "280000", None),
        ("mrr_net_new", "money", "-2000", None),  # negative by nature
        ("mrr_fx_impact", "money", "-10", None),
        ("customer_churn_rate", "rate", "2.5", "range"),  # 250 %
        ("customer_churn_rate", "rate", "0.025", None),
        ("win_rate", "rate", "-0.01", "range"),
        ("mrr_growth_rate", "rate", "-1", None),
        ("mrr_growth_rate", "rate", "-1.01", "range"),
        ("mrr_growth_rate", "rate", "10", None),
        ("mrr_growth_rate", "rate", "10.5", "range"),
        ("campaign_roi", "ratio", "-1.5", "range"),
        ("campaign_roi", "ratio", "-0.5", None),
        ("campaign_roi", "ratio", "12", "range"),
        ("customers_new", "count", "60.5", "whole"),
        ("customers_new", "count", "-3", "negative"),
        ("customers_new", "count", "60", None),
        ("nps", "score", "101", "range"),
        ("nps", "score", "-100", None),
        ("clv_cac_ratio", "ratio", "-0.5", "negative"),
    ],
)
def test_values_a_target_may_take(key, unit, value, code):
    problem = r.value_problem(key, unit, Decimal(value))
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("kind", "direction", "target", "reference", "expected"),
    [
        ("state", "up", 250000, 256849, ["met_on_day_one"]),
        ("state", "up", 280000, 256849, []),
        ("state", "down", 5000, 4000, ["met_on_day_one"]),
        ("state", "up", 3000000, 256849, ["ten_times"]),
        ("flow", "up", 0, 50, ["met_on_day_one"]),
        ("flow", "up", 600, 50, ["ten_times"]),
        ("flow", "up", 4, 50, ["ten_times"]),  # less than a tenth: a slip of a digit
        ("flow", "up", 60, 50, []),
        ("rate", "down", Decimal("0.025"), Decimal("0.028"), []),
        ("rate", "down", Decimal("0.25"), Decimal("0.02"), ["ten_times"]),
        ("state", "up", 100, None, []),
        ("flow", "neutral", 0, 50, []),
    ],
)
def test_doubts_to_confirm(kind, direction, target, reference, expected):
    assert r.doubts(kind=kind, direction=direction, target=target, reference=reference) == expected
