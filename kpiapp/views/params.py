"""Query parameters the KPI pages share."""

from django.http import HttpRequest

from kpiapp.kpis.periods import GRAINS, Grain


def grain_param(request: HttpRequest) -> Grain:
    """`?grain=` if it is month, quarter or year; else month."""
    grain = request.GET.get("grain", "month")
    return grain if grain in GRAINS else "month"  # type: ignore[return-value]
