"""Checking and saving a quarter's plan; saving sets the quarterly targets of its steps, each
linked to the plan (and recorded in the targets' history like any other target)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from kpiapp.kpis.periods import Period, period_name
from kpiapp.kpis.plan import (
    GOAL_KINDS,
    INPUTS,
    RATE_INPUTS,
    TARGET_STEPS,
    PlanResult,
    compute_plan,
)
from kpiapp.models import Channel, Plan, Target
from kpiapp.plausibility import DATE_WINDOW, month_in_window
from kpiapp.selectors.plan_display import INPUT_NAMES, STEP_NAMES
from kpiapp.selectors.plans import (
    GOAL_KPIS,
    STEP_KPIS,
    assumptions_from,
    basis_month_for,
    plan_basis,
)
from kpiapp.services.targets import target_remove, target_set

GOAL_MOST = Decimal("1000000000000")  # 1 trillion: anything above is a typo
MONEY_MOST = Decimal("1000000000")
DAYS_MOST = Decimal("3650")


@dataclass(frozen=True)
class CheckedPlan:
    """Valid assumptions as stored: fractions as decimal strings."""

    goal_kind: str
    goal_value: Decimal
    shares: dict[str, str]
    overrides: dict[str, dict[str, str]]


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _input_problem(key: str, value: Decimal) -> str:
    if key in RATE_INPUTS:
        if not Decimal(0) <= value <= Decimal(1):
            return _("Enter a rate between 0 % and 100 %.")
    elif key == "sales_cycle_days":
        if not Decimal(0) <= value <= DAYS_MOST:
            return _("Enter between 0 and 3,650 days.")
    elif not Decimal(0) <= value <= MONEY_MOST:
        return _("Enter an amount of at least 0.")
    return ""


def _check_goal(goal_kind: Any, goal_value: Any, errors: dict[str, list[str]]) -> Decimal:
    if goal_kind not in GOAL_KINDS:
        errors["goal_kind"] = [_("Choose new MRR, new customers or ARR at the quarter's end.")]
    value = _decimal(goal_value)
    if value is None:
        errors["goal_value"] = [_("Enter a number.")]
    elif not Decimal(0) < value <= GOAL_MOST:
        errors["goal_value"] = [_("Enter a goal above zero.")]
    elif goal_kind == "customers_new" and value != value.to_integral_value():
        errors["goal_value"] = [_("Enter a whole number of customers.")]
    return value or Decimal(0)


def _check_shares(shares: Any, channels: set[str], errors: dict[str, list[str]]) -> dict:
    checked: dict[str, str] = {}
    if not isinstance(shares, dict):
        errors["shares"] = [_("Give the shares as channel: fraction.")]
        return checked
    for channel, given in shares.items():
        field = f"shares.{channel}"
        share = _decimal(given)
        if channel not in channels:
            errors[field] = [_("There is no such channel.")]
        elif share is None:
            errors[field] = [_("Enter a number.")]
        elif not Decimal(0) <= share <= Decimal(1):
            errors[field] = [_("Enter a share between 0 % and 100 %.")]
        else:
            checked[channel] = _text(share)
    return checked


def _check_overrides(overrides: Any, channels: set[str], errors: dict[str, list[str]]) -> dict:
    checked: dict[str, dict[str, str]] = {}
    if not isinstance(overrides, dict):
        errors["overrides"] = [_("Give the assumptions as channel: {input: value}.")]
        return checked
    for channel, given in overrides.items():
        if channel not in channels or not isinstance(given, dict):
            errors[f"overrides.{channel}"] = [_("There is no such channel.")]
            continue
        for key, raw in given.items():
            field = f"overrides.{channel}.{key}"
            number = _decimal(raw)
            if key not in INPUTS:
                errors[field] = [_("There is no such input.")]
            elif number is None:
                errors[field] = [_("Enter a number.")]
            elif problem := _input_problem(key, number):
                errors[field] = [problem]
            else:
                checked.setdefault(channel, {})[key] = _text(number)
    return checked


def plan_check(
    *, goal_kind: Any, goal_value: Any, shares: Any, overrides: Any
) -> tuple[CheckedPlan | None, dict[str, list[str]]]:
    """The assumptions as stored, or a message per field (`goal_value`, `shares.<channel>`,
    `overrides.<channel>.<input>`). Rates and shares are fractions (0.3 for 30 %)."""
    errors: dict[str, list[str]] = {}
    channels = set(Channel.objects.values_list("name", flat=True))
    value = _check_goal(goal_kind, goal_value, errors)
    checked_shares = _check_shares(shares, channels, errors)
    checked_overrides = _check_overrides(overrides, channels, errors)
    if errors:
        return None, errors
    return CheckedPlan(str(goal_kind), value, checked_shares, checked_overrides), {}


def plan_compute(checked: CheckedPlan, quarter: Period, basis_month: int) -> PlanResult:
    return compute_plan(
        plan_basis(quarter, basis_month),
        assumptions_from(checked.goal_kind, checked.goal_value, checked.shares, checked.overrides),
    )


def incomplete(result: PlanResult) -> list[str]:
    """Why a computed plan cannot be saved, one sentence each (empty when it can)."""
    problems = []
    if result.goal.reason:
        problems.append(_("The goal cannot be turned into new MRR (no MRR at the start)."))
    if result.mix_reason:
        problems.append(_("The channel shares do not add up to 100 %."))
    for channel in result.channels:
        if not channel.planned:
            continue
        for key in TARGET_STEPS:
            step = channel.steps[key]
            if step.value is None and step.reason != "earlier_step":
                problems.append(
                    _("%(channel)s: %(step)s cannot be computed; enter an assumed %(input)s.")
                    % {
                        "channel": channel.name,
                        "step": STEP_NAMES[key],
                        "input": INPUT_NAMES.get(step.by, ""),
                    }
                )
    return problems


def _exact(value: Fraction) -> Decimal:
    """Counts and cents are exact in a Decimal."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _wanted_targets(result: PlanResult, goal_kind: str, goal_value: Decimal) -> dict:
    """(kpi, dimension, value) → target value of every step the plan sets."""
    wanted: dict[tuple[str, str, str], Decimal] = {}
    for channel in result.channels:
        if not channel.planned:
            continue
        for key in TARGET_STEPS:
            step = channel.steps[key].value
            if step is None or isinstance(step, date):
                raise TypeError(f"{key}: a planned channel's target steps are numbers")
            value = Fraction(step)
            wanted[(STEP_KPIS[key], "channel", channel.name)] = _exact(value)
    new_mrr = result.totals.get("new_mrr")
    if new_mrr is not None:
        wanted[("mrr_new", "", "")] = _exact(Fraction(new_mrr))
    if goal_kind != "mrr_new":
        wanted[(GOAL_KPIS[goal_kind], "", "")] = goal_value
    return wanted


@transaction.atomic
def plan_save(
    *,
    membership: Membership,
    quarter: Period,
    checked: CheckedPlan,
    today: date,
    plan: Plan | None = None,
) -> Plan:
    """Create (or change) the quarter's plan and set its targets; targets it set before and
    no longer needs are removed (with a line in their history). Refuses an incomplete plan."""
    if quarter.grain != "quarter" or not month_in_window(quarter.first_month):
        raise ValidationError({"quarter": str(DATE_WINDOW)})
    if plan is None:
        if Plan.objects.filter(quarter_start=quarter.start).exists():
            raise ValidationError(
                {"quarter": _("%(quarter)s already has a plan: change that one.")
                 % {"quarter": period_name(quarter)}}
            )  # fmt: skip
        plan = Plan(quarter_start=quarter.start, basis_month=basis_month_for(quarter, today))
    result = plan_compute(checked, quarter, plan.basis_month)
    problems = incomplete(result)
    if problems:
        raise ValidationError({"plan": problems})
    plan.goal_kind, plan.goal_value = checked.goal_kind, checked.goal_value
    plan.shares, plan.overrides = checked.shares, checked.overrides
    plan.updated_at, plan.updated_by = timezone.now(), membership.user
    if plan.pk is None:
        plan.workspace_id = membership.workspace_id
    plan.full_clean(exclude=["workspace"])
    plan.save()
    wanted = _wanted_targets(result, checked.goal_kind, checked.goal_value)
    kept = []
    for (kpi, dimension, channel), value in wanted.items():
        target = target_set(membership=membership, kpi_key=kpi, quarter=quarter,
                            value=value, dimension=dimension,
                            dimension_value=channel)  # fmt: skip
        kept.append(target.pk)
    Target.objects.filter(pk__in=kept).update(plan=plan)
    for stale in Target.objects.filter(plan=plan).exclude(pk__in=kept):
        target_remove(membership=membership, target=stale)
    return plan
