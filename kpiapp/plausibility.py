"""What a plausible record is, per data kind, in one place (STYLE.md 11).

The data pages' forms (and so the API, which reuses them) and the CSV import check a record
with `problems(model, values, today)`; targets with `target_problem`. Values are keyed by the
model's attribute names (`amount_cents`, `day`); each caller puts a problem on its own field
or column. A message that refers to another field names it in words, as its form field and
import column are labelled ("The end lies before the start."), never by its attribute.
`today` is the workspace's today (its time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import combinations
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kpiapp import models as m
from kpiapp.kpis import target_rules
from kpiapp.kpis.periods import FIRST_DAY, LAST_DAY, month_index
from kpiapp.models.deals import DealStage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation

# Dates of what has happened may lie a day ahead: a workspace's today is not the whole world's.
TOLERANCE = timedelta(days=1)
# A signed contract may start later, but not more than a year ahead (a leap year's days).
START_HORIZON_DAYS = 366

MAX_MONEY = 1_000_000_000  # in major units, per amount (stored in cents)
MAX_QUANTITY = 1_000_000
MAX_PEOPLE = 10_000_000  # employees, seats, active users
MAX_COUNT = 1_000_000_000  # visits, key actions (the columns hold 2.1 billion)
MAX_INTERVALS = 60
MAX_RATE = Decimal(1_000_000)
MAX_CUSTOM_VALUE = Decimal(10) ** 14  # the column: 20 digits, 6 of them decimals

Values = Mapping[str, Any]
Problem = tuple[str, "StrOrPromise"]  # (attribute, message)
Rule = Callable[[Values, date], list[Problem]]

DATE_WINDOW = _("The date must lie between 1970 and 2100.")
IN_FUTURE = _("This date lies in the future; enter the day it happened.")
START_TOO_LATE = _("A subscription can start at most one year from today.")
END_BEFORE_START = _("The end lies before the start.")
CLOSED_BEFORE_CREATED = _("The deal was closed before it was created.")
# A lead's step before the previous one names that step as its field is labelled.
STEP_BEFORE = {
    "created_at": _("Is before the day the lead was created."),
    "qualified_at": _("Is before the qualification (SQL)."),
    "opportunity_at": _("Is before the opportunity."),
}
TRIAL_BEFORE_START = _("The trial ends before the subscription starts.")


def _at_most(limit: int | Decimal) -> str:
    return str(_("Must be at most %(limit)s.")) % {
        "limit": number_format(limit, decimal_pos=0, force_grouping=True)
    }


at_most = lazy(_at_most, str)


# --- the building blocks -------------------------------------------------------------------


@cache
def _dates(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]


def in_window(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def month_in_window(month: int) -> bool:
    """A month index (kpiapp.kpis.periods.month_index) within the window."""
    return month_index(FIRST_DAY) <= month <= month_index(LAST_DAY)


def window(values: Values, names: list[str]) -> list[Problem]:
    return [(n, DATE_WINDOW) for n in names if (d := values.get(n)) and not in_window(d)]


def happened(values: Values, names: list[str], today: date) -> list[Problem]:
    return [
        (n, IN_FUTURE)
        for n in names
        if (d := values.get(n)) and in_window(d) and d > today + TOLERANCE
    ]


def bounded(values: Values, limits: Mapping[str, int | Decimal]) -> list[Problem]:
    return [
        (name, at_most(limit))
        for name, limit in limits.items()
        if (value := values.get(name)) is not None and value > limit
    ]


def money(values: Values, names: list[str]) -> list[Problem]:
    """Amounts in cents, limited (and shown) in major units."""
    return [
        (name, at_most(MAX_MONEY))
        for name in names
        if (cents := values.get(name)) is not None and cents > MAX_MONEY * 100
    ]


def not_before(values: Values, later: str, earlier: str, message: StrOrPromise) -> list[Problem]:
    first, then = values.get(earlier), values.get(later)
    return [(later, message)] if first and then and then < first else []


# --- the rules per kind --------------------------------------------------------------------


def _account(v: Values, today: date) -> list[Problem]:
    return happened(v, ["created_at"], today) + bounded(v, {"employees": MAX_PEOPLE})


def _deal(v: Values, today: date) -> list[Problem]:
    events = ["created_at"]
    if v.get("stage") in (DealStage.WON, DealStage.LOST):
        events.append("closed_at")
    return (
        happened(v, events, today)
        + money(v, ["amount_cents", "services_amount_cents"])
        + not_before(v, "closed_at", "created_at", CLOSED_BEFORE_CREATED)
    )


def _subscription(v: Values, today: date) -> list[Problem]:
    problems = happened(v, ["cancelled_at"], today)
    start = v.get("started_at")
    if start and in_window(start) and start > today + timedelta(days=START_HORIZON_DAYS):
        problems.append(("started_at", START_TOO_LATE))
    return (
        problems
        + money(v, ["amount_cents"])
        + bounded(v, {"quantity": MAX_QUANTITY, "interval_count": MAX_INTERVALS})
        + not_before(v, "ended_at", "started_at", END_BEFORE_START)
        + not_before(v, "trial_ends_at", "started_at", TRIAL_BEFORE_START)
    )


LEAD_STEPS = ("created_at", "qualified_at", "opportunity_at", "converted_at")


def _lead(v: Values, today: date) -> list[Problem]:
    problems = happened(v, list(LEAD_STEPS), today)
    previous = None
    for step in LEAD_STEPS:
        if v.get(step) is None:
            continue
        if previous is not None:
            problems += not_before(v, step, previous, STEP_BEFORE[previous])
        previous = step
    return problems


def _traffic(v: Values, today: date) -> list[Problem]:
    return happened(v, ["month", "day"], today) + bounded(v, {"visits": MAX_COUNT})


def _spend(v: Values, today: date) -> list[Problem]:
    return happened(v, ["month"], today) + money(v, ["amount_cents"])


def _nps(v: Values, today: date) -> list[Problem]:
    return happened(v, ["responded_at"], today)


def _usage(v: Values, today: date) -> list[Problem]:
    limits = {"active_users": MAX_PEOPLE, "seats": MAX_PEOPLE, "key_actions": MAX_COUNT}
    return happened(v, ["month", "first_value_at"], today) + bounded(v, limits)


def _touchpoint(v: Values, today: date) -> list[Problem]:
    return happened(v, ["occurred_at"], today)


def _exchange_rate(v: Values, today: date) -> list[Problem]:
    return bounded(v, {"rate": MAX_RATE})


def _custom_value(v: Values, today: date) -> list[Problem]:
    value = v.get("value")
    if value is not None and abs(value) >= MAX_CUSTOM_VALUE:
        return [("value", _("The number is too large."))]
    return []


RULES: dict[type[models.Model], Rule] = {
    m.Account: _account,
    m.Deal: _deal,
    m.Subscription: _subscription,
    m.Lead: _lead,
    m.Traffic: _traffic,
    m.Spend: _spend,
    m.NpsResponse: _nps,
    m.Usage: _usage,
    m.Touchpoint: _touchpoint,
    m.ExchangeRate: _exchange_rate,
    m.CustomKpiValue: _custom_value,
}


def problems(model: type[models.Model], values: Values, today: date) -> list[Problem]:
    """Every implausible value of a record of `model`, at most one per attribute: a date
    outside the window first, then the kind's own rules."""
    found: dict[str, StrOrPromise] = {}
    for name, message in window(values, _dates(model)) + RULES[model](values, today):
        found.setdefault(name, message)
    return list(found.items())


# --- targets -------------------------------------------------------------------------------

# The ranges live with the other target rules (kpiapp.kpis.target_rules).
target_range = target_rules.target_range


def _shown(value: Decimal, unit: str) -> str:
    shown = value * 100 if unit == "rate" else value
    exact = shown == shown.to_integral_value()
    text = number_format(int(shown) if exact else shown, force_grouping=True)
    return f"{text} %" if unit in ("rate", "percent") else text


def target_problem(key: str, unit: str, value: Decimal) -> str | None:
    """Why `value` (in the KPI's unit) is not a plausible target of the KPI, or None."""
    problem = target_rules.value_problem(key, unit, value)
    if problem is None:
        return None
    low, high = problem.low, problem.high  # set for "range"; low for "at_least"
    if problem.code == "range" and low is not None and high is not None:
        return str(_("Enter a value between %(low)s and %(high)s.")) % {
            "low": _shown(low, unit),
            "high": _shown(high, unit),
        }
    if problem.code == "negative":
        return str(_("A target cannot be negative."))
    if problem.code == "at_least" and low is not None:
        return str(_("Enter at least %(low)s.")) % {"low": _shown(low, unit)}
    return str(_("Enter a whole number: this KPI counts."))


# --- many records at once (the import) -----------------------------------------------------


@dataclass(frozen=True)
class _Box:
    """Values no rule of a kind refuses, beyond its dates (within the window and not after
    tomorrow): numbers below their bound and pairs of dates in order."""

    bounds: dict[str, int | Decimal] = field(default_factory=dict)  # |value| < bound
    order: tuple[tuple[str, str], ...] = ()  # (earlier, later), when both are given


_MONEY_CENTS = MAX_MONEY * 100
BOXES: dict[type[models.Model], _Box] = {
    m.Account: _Box({"employees": MAX_PEOPLE}),
    m.Deal: _Box(
        {"amount_cents": _MONEY_CENTS, "services_amount_cents": _MONEY_CENTS},
        (("created_at", "closed_at"),),
    ),
    m.Subscription: _Box(
        {"amount_cents": _MONEY_CENTS, "quantity": MAX_QUANTITY, "interval_count": MAX_INTERVALS},
        (("started_at", "ended_at"), ("started_at", "trial_ends_at")),
    ),
    # Any two steps out of order: the rule compares neighbours among the given ones.
    m.Lead: _Box(order=tuple(combinations(LEAD_STEPS, 2))),
    m.Traffic: _Box({"visits": MAX_COUNT}),
    m.Spend: _Box({"amount_cents": _MONEY_CENTS}),
    m.NpsResponse: _Box(),
    m.Usage: _Box({"active_users": MAX_PEOPLE, "seats": MAX_PEOPLE, "key_actions": MAX_COUNT}),
    m.Touchpoint: _Box(),
    m.ExchangeRate: _Box({"rate": MAX_RATE}),
    m.CustomKpiValue: _Box({"value": MAX_CUSTOM_VALUE}),
}


def suspects(
    model: type[models.Model], columns: Mapping[str, Sequence[Any]], count: int, today: date
) -> list[int]:
    """The positions of the records (given column by column) that `problems` may refuse:
    those outside their kind's box, found with a look at each column's smallest and largest
    value first. Every other record is plausible; `problems` decides on these."""
    box = BOXES.get(model)
    if box is None:
        return list(range(count))
    found: set[int] = set()
    latest = today + TOLERANCE
    for name in _dates(model):
        days = columns.get(name)
        given = list(filter(None, days)) if days is not None else []  # dates are never false
        if given and not (min(given) >= FIRST_DAY and max(given) <= latest):
            found.update(
                i
                for i, d in enumerate(days or ())
                if d is not None and not FIRST_DAY <= d <= latest
            )
    for name, bound in box.bounds.items():
        numbers = columns.get(name)
        # Without the zeros too, which lie in every box.
        given = list(filter(None, numbers)) if numbers is not None else []
        if given and not (-bound < min(given) and max(given) < bound):
            found.update(
                i for i, n in enumerate(numbers or ()) if n is not None and abs(n) >= bound
            )
    for earlier, later in box.order:
        first, then = columns.get(earlier), columns.get(later)
        if first is None or then is None:
            continue
        found.update(
            i
            for i, (a, b) in enumerate(zip(first, then, strict=True))
            if a is not None and b is not None and b < a
        )
    return sorted(found)
