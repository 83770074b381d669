"""Query parameters the KPI pages share."""

from django.http import HttpRequest

from kpiapp.kpis.periods import Grain, is_grain


def grain_param(request: HttpRequest) -> Grain:
    """`?grain=` if it is month, quarter or year; else month."""
    grain = request.GET.get("grain", "month")
    return grain if is_grain(grain) else "month"
