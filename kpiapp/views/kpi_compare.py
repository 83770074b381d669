"""The KPI page's range and year-earlier parameters (`?start=&end=&compare=last_year`) and
what its picker shows: kept apart from kpis.py so the page's other features merge cleanly."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.http import urlencode

from kpiapp.kpis.periods import Grain
from kpiapp.selectors.kpi_detail import KpiPage
from kpiapp.selectors.kpi_range import TrendRange, first_value_date, range_choices, trend_range
from kpiapp.selectors.kpi_year_earlier import LAST_YEAR, year_earlier_cells

COMPARE_READS = ("start", "end", "compare")  # for @cached_page(reads=…)


def range_param(request: HttpRequest, grain: Grain, today: date) -> TrendRange:
    return trend_range(
        grain=grain, start=request.GET.get("start"), end=request.GET.get("end"), today=today
    )


def compare_param(request: HttpRequest) -> str:
    """`last_year` (the dashboard's word for it) or nothing."""
    return LAST_YEAR if request.GET.get("compare") == LAST_YEAR else ""


def compare_context(page: KpiPage, span: TrendRange, today: date) -> dict[str, Any]:
    """The picker's choices, the reason a range was refused, the year-earlier cells per row
    (newest first, as the rows) and the range's part of the page's own links."""
    earliest = first_value_date(kpi_key=page.kpi.key, grain=page.grain)
    choices = range_choices(page.grain, today, earliest, span)
    kept = {"start": span.first.label, "end": span.last.label} if span.custom else {}
    if page.earlier is not None:
        kept["compare"] = LAST_YEAR
    if page.versus is not None:
        kept["versus"] = page.versus.text
    return {
        "span": span,
        "range_choices": choices,
        "range_error": span.error,
        "compare": LAST_YEAR if page.earlier is not None else "",
        "earlier_cells": year_earlier_cells(page.earlier, len(page.periods))[::-1],
        "range_query": ("&" + urlencode(kept)) if kept else "",
    }
