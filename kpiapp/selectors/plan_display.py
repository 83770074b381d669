"""A computed plan in words and numbers of the active language: each step with its formula,
the input it used (the team's trailing value with its source figures, or the person's
assumption) and, where a step cannot be computed, why. Used by the plan page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.periods import Period, period_name
from kpiapp.kpis.plan import (
    EARLIER,
    MIX_OVER,
    MIX_SHORT,
    NO_MRR_START,
    NO_SOURCE,
    ZERO_INPUT,
    ChannelPlan,
    Input,
    PlanResult,
    Step,
)
from kpiapp.templatetags.kpi_format import kpi_value, number

STEP_NAMES: dict[str, str | Promise] = {
    "new_mrr": _("New MRR"),
    "won": _("Won deals (new customers)"),
    "opportunities": _("Opportunities"),
    "sqls": _("SQLs"),
    "leads": _("Leads"),
    "visits": _("Visits"),
    "spend": _("Marketing spend"),
    "leads_due": _("Leads due by"),
}
STEP_UNITS = {"new_mrr": "money", "spend": "money"}  # the rest are counts (and one date)
INPUT_NAMES: dict[str, str | Promise] = {
    "mrr_per_deal": _("New MRR per won deal"),
    "win_rate": _("Win rate"),
    "sql_to_opportunity_rate": _("SQL-to-opportunity rate"),
    "lead_to_sql_rate": _("Lead-to-SQL rate"),
    "visitor_to_lead_rate": _("Visitor-to-lead rate"),
    "cost_per_lead": _("Cost per lead"),
    "sales_cycle_days": _("Sales cycle"),
}
INPUT_UNITS = {
    "mrr_per_deal": "money",
    "win_rate": "rate",
    "sql_to_opportunity_rate": "rate",
    "lead_to_sql_rate": "rate",
    "visitor_to_lead_rate": "rate",
    "cost_per_lead": "money",
    "sales_cycle_days": "days",
}
# What the trailing figures of an input count: (numerator, unit), (denominator, unit).
SOURCE_PARTS: dict[str, tuple[tuple[str | Promise, str], tuple[str | Promise, str]]] = {
    "mrr_per_deal": ((_("new MRR"), "money"), (_("new customers"), "count")),
    "win_rate": ((_("won"), "count"), (_("won or lost deals"), "count")),
    "sql_to_opportunity_rate": ((_("became opportunities"), "count"), (_("cohort SQLs"), "count")),
    "lead_to_sql_rate": ((_("qualified"), "count"), (_("cohort leads"), "count")),
    "visitor_to_lead_rate": ((_("leads"), "count"), (_("visits"), "count")),
    "cost_per_lead": ((_("marketing spend"), "money"), (_("leads"), "count")),
    "sales_cycle_days": ((_("days from creation to close"), "count"), (_("won deals"), "count")),
}
REASONS: dict[str, str | Promise] = {
    NO_SOURCE: _("No figures in the last six months to compute this from: enter an assumed value."),
    ZERO_INPUT: _("This value is 0, and the plan does not divide by zero: enter an assumed value."),
    EARLIER: _("Needs the step before it."),
    NO_MRR_START: _("The MRR at the quarter's start is not known, so the ARR goal cannot be "
                    "turned into new MRR."),
}  # fmt: skip


def _money(value: Fraction | None, currency: str) -> str:
    return kpi_value(value, "money", currency)


def shown(value: Fraction | int | date | None, unit: str, currency: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if unit == "count":
        return number(value)
    return kpi_value(value, unit, currency)


def _input_text(item: Input, currency: str) -> str:
    return shown(item.value, INPUT_UNITS[item.key], currency)


def _source_text(item: Input, currency: str) -> str:
    if item.source is None:
        return str(_("no figures"))
    (top, top_unit), (bottom, bottom_unit) = SOURCE_PARTS[item.key]
    return (
        f"{shown(item.source.numerator, top_unit, currency)} {top} ÷ "
        f"{shown(item.source.denominator, bottom_unit, currency)} {bottom}"
    )


def _formula(step: Step, plan: ChannelPlan, result: PlanResult, currency: str) -> str:
    """The step's arithmetic with the numbers it used ("⌈24 ÷ 25,0 %⌉ = 96")."""
    value = shown(step.value, STEP_UNITS.get(step.key, "count"), currency)
    if step.key == "new_mrr" and not step.divides:
        goal = result.goal
        if goal.new_mrr is None:
            return ""
        return f"{_money(goal.new_mrr, currency)} × {kpi_value(plan.share, 'rate')} = {value}"
    if step.key == "won" and not step.divides:
        return f"⌈{number(result.goal.customers)} × {kpi_value(plan.share, 'rate')}⌉ = {value}"
    used = plan.inputs.get(step.by)
    if used is None or used.value is None or step.value is None:
        return ""
    if step.key == "leads_due":
        end = date_format(result.basis.quarter_end, "SHORT_DATE_FORMAT")
        return f"{end} − ⌈{_input_text(used, currency)}⌉ = {value}"
    before = plan.steps[step.divides]
    before_text = shown(before.value, STEP_UNITS.get(before.key, "count"), currency)
    if step.key == "new_mrr":  # a customers goal: won deals × MRR per deal
        return f"{before_text} × {_input_text(used, currency)} = {value}"
    if step.key == "spend":
        return f"{before_text} × {_input_text(used, currency)} = {value}"
    return f"⌈{before_text} ÷ {_input_text(used, currency)}⌉ = {value}"


@dataclass(frozen=True)
class InputRow:
    key: str
    name: str
    unit: str
    value_text: str
    trailing_text: str
    source_text: str
    overridden: bool
    field_value: str  # what the assumption field shows (percent for rates)


@dataclass(frozen=True)
class StepRow:
    key: str
    name: str
    value: Fraction | int | date | None
    value_text: str
    formula: str
    reason: str
    input: InputRow | None


@dataclass(frozen=True)
class ChannelDisplay:
    name: str
    share: Fraction
    share_text: str
    trailing_share_text: str
    share_overridden: bool
    planned: bool
    steps: list[StepRow]


def _field_value(item: Input) -> str:
    if not item.overridden or item.value is None:
        return ""
    value = item.value * 100 if INPUT_UNITS[item.key] == "rate" else item.value
    return format(round(float(value), 4), "g")


def _input_row(item: Input, currency: str) -> InputRow:
    trailing = item.source.value if item.source else None
    unit = INPUT_UNITS[item.key]
    trailing_text = shown(trailing, unit, currency)
    return InputRow(
        item.key, str(INPUT_NAMES[item.key]), unit, _input_text(item, currency), trailing_text,
        _source_text(item, currency), item.overridden, _field_value(item),
    )  # fmt: skip


def channel_display(plan: ChannelPlan, result: PlanResult, currency: str) -> ChannelDisplay:
    rows = []
    for key, step in plan.steps.items():
        used = plan.inputs.get(step.by) if step.by else None
        reason = str(REASONS[step.reason]) if step.reason else ""
        rows.append(
            StepRow(
                key,
                str(STEP_NAMES[key]),
                step.value,
                shown(step.value, STEP_UNITS.get(key, "count"), currency),
                _formula(step, plan, result, currency) if plan.planned else "",
                reason,
                _input_row(used, currency) if used else None,
            )
        )
    order = list(STEP_NAMES)
    rows.sort(key=lambda r: order.index(r.key))
    return ChannelDisplay(
        plan.name, plan.share, kpi_value(plan.share, "rate"),
        kpi_value(plan.trailing_share, "rate"), plan.share_overridden, plan.planned, rows,
    )  # fmt: skip


def mix_problem(result: PlanResult) -> str:
    total = kpi_value(result.mix_total, "rate")
    if result.mix_reason == MIX_OVER:
        return str(_("The channel shares add up to %(total)s, more than 100 %%.")) % {
            "total": total
        }
    if result.mix_reason == MIX_SHORT:
        return str(
            _("The channel shares add up to %(total)s: give the rest of the goal to a channel.")
        ) % {"total": total}
    return ""


def window_text(result: PlanResult) -> str:
    first = Period("month", result.basis.first_month)
    last = Period("month", result.basis.last_month)
    return f"{period_name(first)} – {period_name(last)}"
