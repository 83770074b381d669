"""Query parameters the KPI pages share."""

from django.http import HttpRequest

from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, is_grain, parse_period, period_name
from kpiapp.plausibility import month_in_window


def grain_param(request: HttpRequest) -> Grain:
    """`?grain=` if it is month, quarter or year; else month."""
    grain = request.GET.get("grain", "month")
    return grain if is_grain(grain) else "month"


def quarter_param(request: HttpRequest, current: Period) -> Period:
    """`quarter` of the query or the form ("2026-Q4", or a month of it) if it lies in the
    window of dates the product accepts; else `current`."""
    text = request.GET.get("quarter") or request.POST.get("quarter") or ""
    try:
        grain, first = parse_period(text)
    except ValueError:
        return current
    if grain not in ("quarter", "month") or not month_in_window(first):
        return current
    return Period.containing("quarter", first)


PERIODS_TO_PICK = {"month": 36, "quarter": 12, "year": 5}


def recent_periods(grain: Grain, this_month: int, count: int) -> list[Period]:
    """The `count` periods of `grain` up to the running one, newest first."""
    current = Period.containing(grain, this_month)
    size = MONTHS_IN[grain]
    return [Period(grain, current.first_month - size * i) for i in range(count)]


def period_choices(grain: Grain, this_month: int, shown: Period) -> list[tuple[str, str]]:
    """The periods a page offers to pick, newest first, in words (the code is the value); the
    shown one among them even when it is older."""
    periods = recent_periods(grain, this_month, PERIODS_TO_PICK[grain])
    if shown not in periods:
        periods.append(shown)
    return [(p.label, period_name(p)) for p in periods]
