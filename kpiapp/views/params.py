"""Query parameters the KPI pages share."""

from django.http import HttpRequest

from kpiapp.kpis.periods import Grain, Period, is_grain, parse_period
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
