"""The quarter's plan backwards from a goal (issue 18, section 3). Pure arithmetic over exact
numbers; the trailing inputs come from the KPI snapshots (`kpiapp.selectors.plans`), the words
from `kpiapp.kpis.plan_words`.

Per channel, from the goal's share of new MRR:
    won deals      = ⌈new MRR ÷ new MRR per won deal⌉   (a won deal is a new customer)
    opportunities  = ⌈won deals ÷ win rate⌉
    SQLs           = ⌈opportunities ÷ SQL→opportunity rate⌉
    leads          = ⌈SQLs ÷ lead→SQL rate⌉
    visits         = ⌈leads ÷ visitor→lead rate⌉
    spend          = leads × cost per lead (cents, half-up)
    leads due by   = the quarter's last day − ⌈sales cycle⌉ days
Every count is rounded up before the next step: a plan of 4.2 deals needs 5. An input that is
undefined (no won deal, a rate of 0) makes its step and every later one undefined, with the
reason; nothing is divided by zero. A channel with no share needs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal, cast

GoalKind = Literal["mrr_new", "customers_new", "arr"]
GOAL_KINDS: tuple[GoalKind, ...] = ("mrr_new", "customers_new", "arr")

# The inputs a person may override, in funnel order (all per channel).
INPUTS = (
    "mrr_per_deal",
    "win_rate",
    "sql_to_opportunity_rate",
    "lead_to_sql_rate",
    "visitor_to_lead_rate",
    "cost_per_lead",
    "sales_cycle_days",
)
RATE_INPUTS = frozenset(
    {"win_rate", "sql_to_opportunity_rate", "lead_to_sql_rate", "visitor_to_lead_rate"}
)
# The count steps: (step, the step it divides, the input it divides by).
COUNT_STEPS = (
    ("won", "new_mrr", "mrr_per_deal"),
    ("opportunities", "won", "win_rate"),
    ("sqls", "opportunities", "sql_to_opportunity_rate"),
    ("leads", "sqls", "lead_to_sql_rate"),
    ("visits", "leads", "visitor_to_lead_rate"),
)
STEPS = ("new_mrr", "won", "opportunities", "sqls", "leads", "visits", "spend", "leads_due")

# Reasons (codes; `plan_words` says them in words).
NO_SOURCE = "no_source"  # the trailing months have nothing to divide by (no won deal, ...)
ZERO_INPUT = "zero_input"  # the input is 0: dividing by it is refused
EARLIER = "earlier_step"  # an earlier step is undefined
MIX_OVER = "mix_over"  # the overridden shares add up to more than 100 %
MIX_SHORT = "mix_short"  # the shares add up to less than 100 % and nothing takes the rest
NO_MRR_START = "no_mrr_start"  # the ARR goal needs the MRR at the start


@dataclass(frozen=True)
class Ratio:
    """A trailing input as the team's own figures: numerator ÷ denominator over the window."""

    numerator: Fraction
    denominator: Fraction

    @property
    def value(self) -> Fraction | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


@dataclass(frozen=True)
class ChannelBasis:
    """What a channel did in the trailing window: its new MRR and new customers (the default
    mix) and a `Ratio` per input (missing: no figures at all)."""

    name: str
    new_mrr: Fraction = Fraction(0)
    new_customers: Fraction = Fraction(0)
    inputs: Mapping[str, Ratio] = field(default_factory=dict)


@dataclass(frozen=True)
class Basis:
    """The trailing window (first and last month index) and, for an ARR goal, the MRR at the
    start and the monthly net movement of existing customers (expansion + reactivation −
    contraction − churn) over the window, with the months from that start to the quarter's end."""

    first_month: int
    last_month: int
    quarter_end: date
    channels: Sequence[ChannelBasis]
    mrr_start: Fraction | None = None
    existing_net: Fraction = Fraction(0)  # summed over the window's months
    months_to_end: int = 3

    @property
    def window_months(self) -> int:
        return self.last_month - self.first_month + 1


@dataclass(frozen=True)
class Assumptions:
    goal_kind: GoalKind
    goal_value: Fraction
    shares: Mapping[str, Fraction] = field(default_factory=dict)  # overridden, 0..1
    overrides: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)


@dataclass(frozen=True)
class Input:
    key: str
    value: Fraction | None
    source: Ratio | None  # the trailing figures (None: the channel has none)
    overridden: bool
    reason: str  # "" when usable


@dataclass(frozen=True)
class Step:
    key: str
    value: Fraction | int | date | None
    divides: str = ""  # the step it derives from
    by: str = ""  # the input it uses
    reason: str = ""


@dataclass(frozen=True)
class ChannelPlan:
    name: str
    share: Fraction
    share_overridden: bool
    trailing_share: Fraction
    inputs: dict[str, Input]
    steps: dict[str, Step]

    @property
    def planned(self) -> bool:
        return self.share > 0


@dataclass(frozen=True)
class Goal:
    """The goal turned into the quarter's new MRR (or new customers) to plan with."""

    kind: GoalKind
    value: Fraction
    new_mrr: Fraction | None  # the new MRR the quarter needs (None for a customers goal)
    customers: int | None  # the new customers asked for (customers goal only)
    reason: str = ""
    existing: Fraction | None = None  # ARR goal: what existing customers add until the end


@dataclass(frozen=True)
class PlanResult:
    goal: Goal
    basis: Basis
    channels: list[ChannelPlan]
    mix_reason: str
    mix_total: Fraction
    totals: dict[str, Fraction | int | None]

    @property
    def complete(self) -> bool:
        """Whether every step a target is made of is defined for every planned channel."""
        return (
            not self.mix_reason
            and not self.goal.reason
            and all(
                c.steps[s].value is not None
                for c in self.channels
                if c.planned
                for s in TARGET_STEPS
            )
        )


# The steps that become quarterly targets on saving (visits and the date do not).
TARGET_STEPS = ("new_mrr", "won", "opportunities", "sqls", "leads", "spend")


def ceil(value: Fraction) -> int:
    return math.ceil(value)


def cents(value: Fraction) -> Fraction:
    """Money rounded half-up to cents (kaufmännisch)."""
    rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return Fraction(rounded)


def goal_of(assumptions: Assumptions, basis: Basis) -> Goal:
    kind, value = assumptions.goal_kind, assumptions.goal_value
    if kind == "mrr_new":
        return Goal(kind, value, value, None)
    if kind == "customers_new":
        return Goal(kind, value, None, ceil(value))
    # ARR at the quarter's end: what the existing customers leave, new MRR has to add.
    if basis.mrr_start is None:
        return Goal(kind, value, None, None, NO_MRR_START)
    existing = basis.existing_net / basis.window_months * basis.months_to_end
    needed = cents(value / 12 - basis.mrr_start - existing)
    return Goal(kind, value, max(needed, Fraction(0)), None, existing=cents(existing))


def resolve_mix(
    channels: Sequence[ChannelBasis], shares: Mapping[str, Fraction], weight_of: str
) -> tuple[dict[str, Fraction], dict[str, Fraction], str, Fraction]:
    """(shares, trailing shares, reason, total): overridden shares stay as given; the other
    channels share the rest in proportion to their trailing weight (new MRR, or new customers
    for a customers goal)."""
    weights = {c.name: max(getattr(c, weight_of), Fraction(0)) for c in channels}
    all_weight = sum(weights.values(), Fraction(0))
    trailing = {n: (w / all_weight if all_weight else Fraction(0)) for n, w in weights.items()}
    fixed = {n: s for n, s in shares.items() if n in weights}
    rest = 1 - sum(fixed.values(), Fraction(0))
    free = {n: w for n, w in weights.items() if n not in fixed}
    free_weight = sum(free.values(), Fraction(0))
    resolved = dict(fixed)
    for name, weight in free.items():
        resolved[name] = rest * weight / free_weight if free_weight and rest > 0 else Fraction(0)
    total = sum(resolved.values(), Fraction(0))
    reason = MIX_OVER if rest < 0 else MIX_SHORT if total < 1 else ""
    return resolved, trailing, reason, total


def _inputs(basis: ChannelBasis, overrides: Mapping[str, Fraction]) -> dict[str, Input]:
    inputs = {}
    for key in INPUTS:
        source = basis.inputs.get(key)
        if key in overrides:
            value: Fraction | None = overrides[key]
            overridden = True
        else:
            value = source.value if source else None
            overridden = False
        reason = NO_SOURCE if value is None else ""
        if value == 0 and key not in ("cost_per_lead", "sales_cycle_days"):
            reason = ZERO_INPUT
        inputs[key] = Input(key, value, source, overridden, reason)
    return inputs


def _channel(
    basis: ChannelBasis,
    share: Fraction,
    overridden: bool,
    trailing: Fraction,
    goal: Goal,
    overrides: Mapping[str, Fraction],
    quarter_end: date,
) -> ChannelPlan:
    inputs = _inputs(basis, overrides)
    steps: dict[str, Step] = {}
    if share == 0:
        steps = {k: Step(k, 0) for k in STEPS if k != "leads_due"}
        steps["leads_due"] = Step("leads_due", None)
        return ChannelPlan(basis.name, share, overridden, trailing, inputs, steps)
    per_deal = inputs["mrr_per_deal"]
    if goal.customers is not None:  # a customers goal: won deals first, new MRR from them
        won = ceil(goal.customers * share)
        steps["won"] = Step("won", won)
        steps["new_mrr"] = (
            Step("new_mrr", cents(won * per_deal.value), "won", "mrr_per_deal")
            if not per_deal.reason and per_deal.value is not None
            else Step("new_mrr", None, "won", "mrr_per_deal", per_deal.reason)
        )
    else:
        steps["new_mrr"] = (
            Step("new_mrr", cents(goal.new_mrr * share))
            if goal.new_mrr is not None
            else Step("new_mrr", None, reason=EARLIER)
        )
    _count_steps(steps, inputs)
    steps["spend"] = _spend(steps["leads"], inputs["cost_per_lead"])
    cycle = inputs["sales_cycle_days"]
    if cycle.value is None:
        steps["leads_due"] = Step("leads_due", None, "", "sales_cycle_days", NO_SOURCE)
    else:
        due = quarter_end - timedelta(days=ceil(cycle.value))
        steps["leads_due"] = Step("leads_due", due, "", "sales_cycle_days")
    return ChannelPlan(basis.name, share, overridden, trailing, inputs, steps)


def _count_steps(steps: dict[str, Step], inputs: dict[str, Input]) -> None:
    for key, divides, by in COUNT_STEPS:
        if key in steps:
            continue
        before, used = steps[divides], inputs[by]
        if before.value is None:
            steps[key] = Step(key, None, divides, by, EARLIER)
        elif before.value == 0:
            steps[key] = Step(key, 0, divides, by)
        elif used.reason or used.value is None:
            steps[key] = Step(key, None, divides, by, used.reason or NO_SOURCE)
        else:
            steps[key] = Step(
                key, ceil(Fraction(cast(Fraction | int, before.value)) / used.value), divides, by
            )


def _spend(leads: Step, per_lead: Input) -> Step:
    if leads.value is None:
        return Step("spend", None, "leads", "cost_per_lead", EARLIER)
    if per_lead.value is None:
        return Step("spend", None, "leads", "cost_per_lead", NO_SOURCE)
    return Step(
        "spend",
        cents(Fraction(cast(Fraction | int, leads.value)) * per_lead.value),
        "leads",
        "cost_per_lead",
    )


def compute_plan(basis: Basis, assumptions: Assumptions) -> PlanResult:
    goal = goal_of(assumptions, basis)
    weight_of = "new_customers" if goal.kind == "customers_new" else "new_mrr"
    shares, trailing, mix_reason, mix_total = resolve_mix(
        basis.channels, assumptions.shares, weight_of
    )
    channels = [
        _channel(
            c,
            shares[c.name],
            c.name in assumptions.shares,
            trailing[c.name],
            goal,
            assumptions.overrides.get(c.name, {}),
            basis.quarter_end,
        )
        for c in basis.channels
    ]
    totals: dict[str, Fraction | int | None] = {}
    for key in STEPS[:-1]:
        totals[key] = _summed([c.steps[key].value for c in channels if c.planned])
    if goal.new_mrr is not None and totals["new_mrr"] is not None:
        totals["new_mrr"] = goal.new_mrr  # the goal itself, not the sum of rounded shares
    return PlanResult(goal, basis, channels, mix_reason, mix_total, totals)


def _summed(values: list[Fraction | int | date | None]) -> Fraction | int | None:
    """A numeric step summed over the planned channels; None when one of them has none."""
    if any(v is None for v in values):
        return None
    total: Fraction | int = 0
    for value in values:
        if value is None or isinstance(value, date):
            raise TypeError("only the numeric steps are summed")
        total += value
    return total
