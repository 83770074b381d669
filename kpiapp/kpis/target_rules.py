"""What a quarterly target means, its month milestones and which values it may take
(KPIS.md, "Targets": what a rate's target is measured on, milestones, validation).

Pure functions over exact numbers; pages, the API, reports and the forecast read them, so a
target says the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MeasuredOn = Literal["quarter_end", "quarter_sum", "quarter_value", "monthly_mean"]
Number = Fraction | Decimal | int

# What a rate, ratio or mean target can be measured on; the monthly mean is the default because
# that is what people hold against the monthly dashboard.
QUARTER_VALUE, MONTHLY_MEAN = "quarter_value", "monthly_mean"
RATE_BASES = (
    (MONTHLY_MEAN, gettext_lazy("Mean of the monthly values")),
    (QUARTER_VALUE, gettext_lazy("The quarter's own value")),
)
DEFAULT_RATE_BASIS = MONTHLY_MEAN
MONTHS = 3  # in a quarter
TEN_TIMES = 10  # beyond this factor from the current value a target asks for confirmation


def is_compared_directly(kind: str) -> bool:
    """Rates, ratios and means are held against the target itself; stocks and flows have a
    progress towards it."""
    return kind not in ("state", "flow")


def measured_on(kind: str, rate_basis: str = DEFAULT_RATE_BASIS) -> MeasuredOn:
    """What the target is held against: a stock's value at the quarter's end, a flow's sum over
    the quarter, a rate's quarter value or the mean of its monthly values."""
    if kind == "state":
        return "quarter_end"
    if kind == "flow":
        return "quarter_sum"
    return "quarter_value" if rate_basis == QUARTER_VALUE else "monthly_mean"


def comparison_sign(direction: str) -> str:
    return {"up": "≥", "down": "≤"}.get(direction, "→")


def statement(
    *, name: str | Promise, kind: str, direction: str, rate_basis: str, shown_value: str
) -> str:
    """How a target is judged, in words: "MRR am Quartalsende ≥ 280.000 €",
    "Neukunden im Quartal (Summe) ≥ 60", "Kundenabwanderungsrate im Monatsmittel ≤ 2,5 %".
    `shown_value` is the target already formatted in its unit."""
    where = measured_on(kind, rate_basis)
    texts = {
        "quarter_end": _("%(kpi)s at the quarter's end %(sign)s %(value)s"),
        "quarter_sum": _("%(kpi)s in the quarter (sum) %(sign)s %(value)s"),
        QUARTER_VALUE: _("%(kpi)s in the quarter %(sign)s %(value)s"),
        MONTHLY_MEAN: _("%(kpi)s, mean of the quarter's months %(sign)s %(value)s"),
    }
    return texts[where] % {"kpi": name, "sign": comparison_sign(direction), "value": shown_value}


# --- milestones ---------------------------------------------------------------------------


def milestone(*, kind: str, target: Number, start: Number | None, months_ended: int) -> Fraction:
    """Where the KPI should stand once `months_ended` (0..3) months of the quarter are over: a
    stock `start + (target − start) × m/3`, a flow's cumulative `target × m/3`, a rate the target
    itself."""
    target_ = Fraction(target)
    share = Fraction(max(0, min(MONTHS, months_ended)), MONTHS)
    if kind == "state":
        base = Fraction(start or 0)
        return base + (target_ - base) * share
    if kind == "flow":
        return target_ * share
    return target_


def month_milestone(*, kind: str, target: Number, start: Number | None, position: int) -> Fraction:
    """The milestone beside one month's own value (`position` 1..3 in its quarter): a stock's
    month-end milestone, a flow's month alone (`target / 3`), a rate's target."""
    if kind == "flow":
        return Fraction(target) / MONTHS
    return milestone(kind=kind, target=target, start=start, months_ended=position)


def monthly_mean(values: list[Number | None]) -> tuple[Fraction | None, int]:
    """The mean of the defined monthly values and how many months counted (undefined months are
    left out)."""
    known = [Fraction(v) for v in values if v is not None]
    if not known:
        return None, 0
    return sum(known, Fraction(0)) / len(known), len(known)


# --- validation ----------------------------------------------------------------------------

# Rates whose plausible range (as fractions) is not 0..100 %.
RATE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "nrr": (Decimal(0), Decimal(10)),
    "mrr_growth_rate": (Decimal(-1), Decimal(10)),
    "net_mrr_churn_rate": (Decimal(-10), Decimal(1)),
}
# Ratios that are really rates of return: −100 % … +1000 %.
RETURN_RANGES: dict[str, tuple[Decimal, Decimal]] = {"campaign_roi": (Decimal(-1), Decimal(10))}
SIGNED_MONEY = frozenset({"mrr_net_new", "mrr_fx_impact"})  # negative by nature at times
SCORE_RANGES = {"nps": (Decimal(-100), Decimal(100))}


def target_range(key: str, unit: str) -> tuple[Decimal | None, Decimal | None]:
    """The values a target of a KPI with `unit` can take, in the KPI's own unit (rates as
    fractions); None: no bound on that side."""
    if unit == "rate":
        return RATE_RANGES.get(key, (Decimal(0), Decimal(1)))
    if key in RETURN_RANGES:
        return RETURN_RANGES[key]
    if unit == "percent":  # a custom KPI's percent, entered as 92.5
        return Decimal(-1000), Decimal(1000)
    if unit == "score":
        return SCORE_RANGES.get(key, (Decimal(0), None))
    if unit == "money" and key in SIGNED_MONEY:
        return None, None
    if unit == "number":  # a custom KPI's number can be anything
        return None, None
    return Decimal(0), None  # money, counts, ratios, days and months


@dataclass(frozen=True)
class Problem:
    """A reason the value cannot be a target; `low`/`high` are the bounds in the KPI's unit."""

    code: Literal["range", "negative", "at_least", "whole"]
    low: Decimal | None = None
    high: Decimal | None = None


def value_problem(key: str, unit: str, value: Decimal) -> Problem | None:
    """Why `value` (in the KPI's unit) cannot be a target of the KPI, or None."""
    low, high = target_range(key, unit)
    if low is not None and high is not None and not low <= value <= high:
        return Problem("range", low, high)
    if low is not None and value < low:
        return Problem("negative" if low == 0 else "at_least", low, None)
    if unit == "count" and value != value.to_integral_value():
        return Problem("whole")
    return None


Doubt = Literal["met_on_day_one", "ten_times"]


def doubts(*, kind: str, direction: str, target: Number, reference: Number | None) -> list[Doubt]:
    """What makes a target look like a slip of the finger, for the person to confirm:
    already met on the quarter's first day (`reference` is the stock's value then), or more
    than ten times away from the current value (`reference`: a stock's or rate's latest value,
    a flow's last quarter sum)."""
    found: list[Doubt] = []
    target_ = Fraction(target)
    if direction != "neutral":
        if kind == "state" and reference is not None:
            ref = Fraction(reference)
            met = ref >= target_ if direction == "up" else ref <= target_
            if met:
                found.append("met_on_day_one")
        elif kind == "flow" and direction == "up" and target_ <= 0:
            found.append("met_on_day_one")
    if reference is not None:
        ref = Fraction(reference)
        if ref != 0 and target_ != 0 and (ref > 0) == (target_ > 0):
            ratio = abs(target_ / ref)
            if ratio > TEN_TIMES or ratio < Fraction(1, TEN_TIMES):
                found.append("ten_times")
    return found
