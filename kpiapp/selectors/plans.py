"""Reads for a quarter's plan: the team's trailing figures per channel (from the KPI snapshots,
so every input is the KPI of KPIS.md pooled over the window), the plan's steps, and how the
targets it set are pacing. Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, get_args

from kpiapp.kpis.periods import Period, month_index, month_start
from kpiapp.kpis.plan import (
    INPUTS,
    Assumptions,
    Basis,
    ChannelBasis,
    GoalKind,
    PlanResult,
    Ratio,
    compute_plan,
)
from kpiapp.kpis.targets import Pacing, quarter_elapsed
from kpiapp.models import Channel, KpiSnapshot, Plan, Target
from kpiapp.selectors.targets import TargetRow, kpi_facts, targets_of_quarter

WINDOW = 6  # closed months the plan learns from

# The KPI behind each input: pooled as Σ numerator ÷ Σ denominator over the window.
INPUT_KPIS = {
    "win_rate": "win_rate",
    "sql_to_opportunity_rate": "sql_to_opportunity_rate",
    "lead_to_sql_rate": "lead_to_sql_rate",
    "visitor_to_lead_rate": "visitor_to_lead_rate",
    "cost_per_lead": "cost_per_lead",
    "sales_cycle_days": "sales_cycle_days",
}
FLOW_KPIS = ("mrr_new", "customers_new")
# The KPI each step's quarterly target is set on (by channel).
STEP_KPIS = {
    "new_mrr": "mrr_new",
    "won": "customers_new",
    "opportunities": "opportunities",
    "sqls": "sqls",
    "leads": "leads",
    "spend": "marketing_spend",
}
# The steps that can be a bottleneck: the funnel's (new MRR is their result, spend a budget).
FUNNEL_STEPS = ("won", "opportunities", "sqls", "leads")
# The goal's own target (no breakdown).
GOAL_KPIS = {"mrr_new": "mrr_new", "customers_new": "customers_new", "arr": "arr"}


def basis_month_for(quarter: Period, today: date) -> int:
    """The window's last month: the last closed month; for a quarter that has ended, the
    month before it (planning a past quarter learns from what was known then)."""
    if quarter.last_month < month_index(today):
        return quarter.first_month - 1
    return month_index(today) - 1


def _fraction(value: Decimal | None) -> Fraction:
    return Fraction(value) if value is not None else Fraction(0)


def plan_basis(quarter: Period, basis_month: int) -> Basis:
    first = basis_month - WINDOW + 1
    keys = [*FLOW_KPIS, *INPUT_KPIS.values()]
    rows = KpiSnapshot.objects.filter(
        kpi_key__in=keys,
        grain="month",
        dimension="channel",
        period_start__gte=month_start(first),
        period_start__lte=month_start(basis_month),
    ).values_list("kpi_key", "dimension_value", "value", "numerator", "denominator")
    sums: dict[tuple[str, str], list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for key, channel, value, numerator, denominator in rows:
        if not channel:
            continue  # leads, deals and customers without a channel are not planned by channel
        pair = sums[(key, channel)]
        pair[0] += _fraction(numerator if numerator is not None else value)
        pair[1] += _fraction(denominator)
    names = list(Channel.objects.order_by("name").values_list("name", flat=True))
    channels = []
    for name in names:
        mrr = sums[("mrr_new", name)][0] if ("mrr_new", name) in sums else Fraction(0)
        customers = sums[("customers_new", name)][0] if ("customers_new", name) in sums else 0
        inputs = {"mrr_per_deal": Ratio(mrr, Fraction(customers))}
        for input_key, kpi in INPUT_KPIS.items():
            if (kpi, name) in sums:
                inputs[input_key] = Ratio(*sums[(kpi, name)])
        channels.append(ChannelBasis(name, mrr, Fraction(customers), inputs))
    channels.sort(key=lambda c: (-c.new_mrr, c.name))
    start_month = min(quarter.first_month - 1, basis_month)
    totals = dict(
        KpiSnapshot.objects.filter(
            kpi_key="mrr", grain="month", dimension="", period_start=month_start(start_month)
        ).values_list("kpi_key", "value")
    )
    net = KpiSnapshot.objects.filter(
        kpi_key__in=["mrr_net_new", "mrr_new"], grain="month", dimension="",
        period_start__gte=month_start(first), period_start__lte=month_start(basis_month),
    ).values_list("kpi_key", "value")  # fmt: skip
    existing = sum((_fraction(v) * (1 if k == "mrr_net_new" else -1) for k, v in net), Fraction(0))
    mrr_start = totals.get("mrr")
    return Basis(
        first_month=first,
        last_month=basis_month,
        quarter_end=quarter.end,
        channels=channels,
        mrr_start=Fraction(mrr_start) if mrr_start is not None else None,
        existing_net=existing,
        months_to_end=quarter.last_month - start_month,
    )


def _parse(text: Any) -> Fraction | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return Fraction(value) if value.is_finite() else None


def assumptions_from(
    goal_kind: str, goal_value: Decimal, shares: dict[str, Any], overrides: dict[str, Any]
) -> Assumptions:
    """Assumptions from stored (already validated) values: fractions as decimal strings."""
    parsed_shares = {n: v for n, v in ((n, _parse(t)) for n, t in shares.items()) if v is not None}
    parsed = {
        channel: {k: v for k, v in ((k, _parse(t)) for k, t in given.items())
                  if v is not None and k in INPUTS}
        for channel, given in overrides.items()
    }  # fmt: skip
    return Assumptions(_goal_kind(goal_kind), Fraction(goal_value), parsed_shares, parsed)


def _goal_kind(value: str) -> GoalKind:
    """The stored goal kind (the model's choices hold only these)."""
    for kind in get_args(GoalKind):
        if value == kind:
            return kind
    raise ValueError(f"Unknown goal kind {value!r}")


def plan_result(plan: Plan) -> PlanResult:
    quarter = Period.of_start("quarter", plan.quarter_start)
    return compute_plan(
        plan_basis(quarter, plan.basis_month),
        assumptions_from(plan.goal_kind, plan.goal_value, plan.shares, plan.overrides),
    )


@dataclass(frozen=True)
class StepPacing:
    """How one linked target is doing: `of_due` is the share of what is due by today that has
    been reached (progress ÷ elapsed; after the quarter, progress)."""

    row: TargetRow
    of_due: Fraction | None


@dataclass(frozen=True)
class PlanPacing:
    by_step: dict[tuple[str, str], StepPacing]  # (step, channel or "") -> pacing
    bottleneck: tuple[str, str, Fraction] | None  # (step, channel, of_due)
    started: bool


def _of_due(pacing: Pacing | None) -> Fraction | None:
    if pacing is None or pacing.progress is None or not pacing.elapsed:
        return None
    return pacing.progress / pacing.elapsed


def plan_pacing(plan: Plan, today: date) -> PlanPacing:
    """The plan's linked targets with their pacing, and the bottleneck: among the funnel's
    steps per channel (won deals, opportunities, SQLs, leads), the one furthest behind what is
    due by today (ties: the earlier step); a step at or past its due share is never one."""
    quarter = Period.of_start("quarter", plan.quarter_start)
    kpi_by_step = {kpi: step for step, kpi in STEP_KPIS.items()}
    rows = targets_of_quarter(
        quarter=quarter, today=today, facts=kpi_facts(),
        kpi_keys=list({*STEP_KPIS.values(), *GOAL_KPIS.values()}),
    )  # fmt: skip
    by_step: dict[tuple[str, str], StepPacing] = {}
    for row in rows:
        if row.target.plan_id != plan.pk:
            continue
        step = kpi_by_step.get(row.target.kpi_key, "goal")
        if not row.target.dimension:
            step = "goal" if row.target.kpi_key == GOAL_KPIS[plan.goal_kind] else step
        by_step[(step, row.target.dimension_value)] = StepPacing(row, _of_due(row.pacing))
    behind = [
        (pacing.of_due, step, channel)
        for (step, channel), pacing in by_step.items()
        if channel and step in FUNNEL_STEPS and pacing.of_due is not None and pacing.of_due < 1
    ]
    bottleneck = None
    if behind:
        order = list(FUNNEL_STEPS)
        of_due, step, channel = min(behind, key=lambda b: (b[0], order.index(b[1]), b[2]))
        bottleneck = (step, channel, of_due)
    return PlanPacing(by_step, bottleneck, quarter_elapsed(quarter, today) > 0)


def plan_of_quarter(quarter: Period) -> Plan | None:
    return Plan.objects.filter(quarter_start=quarter.start).first()


def linked_targets(plan: Plan) -> list[Target]:
    return list(Target.objects.filter(plan=plan).order_by("kpi_key", "dimension_value"))
