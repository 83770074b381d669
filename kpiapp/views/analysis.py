"""/w/<slug>/mrr/, /w/<slug>/funnel/, /w/<slug>/cohorts/: MRR movements, the funnel and the
cohort retention heat map, each a chart with its numbers in a table."""

from __future__ import annotations

from typing import SupportsFloat

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.periods import Period, month_index, parse_period, period_name, today_in
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import Grain
from kpiapp.pagecache.decorator import cached_page
from kpiapp.selectors.analysis import MOVEMENTS, cohorts, funnel, funnel_channels, mrr_movements
from kpiapp.selectors.annotations import chart_markers, chart_notes
from kpiapp.selectors.segments import SEGMENT_PARAM, active_segment
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.views.live import versioned_page
from kpiapp.views.params import grain_param, period_choices
from kpiapp.views.segment_bar import segment_context


@cached_page(reads=("grain", SEGMENT_PARAM))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def movements(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    grain = grain_param(request)
    segment = active_segment(request)
    today = today_in(workspace.time_zone)
    rows = mrr_movements(workspace=workspace, grain=grain, today=today, segment=segment)
    names = [(key, KPI_BY_KEY[key].name) for key, _ in MOVEMENTS]
    customers = reverse("kpiapp:customers", args=[workspace.slug])
    also = f"&{segment.query}" if segment.active else ""  # the segment's customers
    chart = {
        "labels": [period_name(r.period) for r in rows],
        "series": [
            {
                "key": key,
                "name": str(name),
                "values": [_plain(r.values[key]) for r in rows],
                "links": [
                    f"{customers}?movement={key}&period={r.period.label}{also}" for r in rows
                ],
            }
            for key, name in names
        ],
        "net": [_plain(r.net) for r in rows],
        "net_name": str(KPI_BY_KEY["mrr_net_new"].name),
    }
    return render(
        request,
        "kpiapp/mrr_movements.html",
        {
            "nav": "kpis",
            "rows": rows[::-1],
            "names": names,
            "grain": grain,
            "grain_choices": Grain.choices,
            "chart": chart,
            **_annotations([r.period for r in rows]),
            **segment_context(request, segment, keep={"grain": grain}),
        },
    )


def _annotations(periods: list[Period]) -> dict[str, object]:
    """The annotations in the movements chart's periods (issue 19): drawn and listed."""
    notes = chart_notes(periods=periods, kpi_key="mrr")
    return {"annotations": notes, "annotation_markers": chart_markers(notes)}


@cached_page(reads=("grain", "period", "channel"))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def funnel_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    today = today_in(workspace.time_zone)
    grain = grain_param(request)
    try:
        asked_grain, first = parse_period(request.GET.get("period", ""))
        period = Period(grain, first) if asked_grain == grain else None
    except ValueError:
        period = None
    if period is None or period.first_month > month_index(today):
        period = last_complete_period(grain, today)
    channels = funnel_channels()
    channel = request.GET.get("channel")
    channel = channel if channel in channels else None
    data = funnel(period=period, channel=channel, today=today)
    chart = {"labels": [s for s, _ in data.steps], "values": [_plain(v) for _, v in data.steps]}
    return render(
        request,
        "kpiapp/funnel.html",
        {
            "nav": "kpis",
            "funnel": data,
            "channels": channels,
            "grain": grain,
            "grain_choices": Grain.choices,
            "period_choices": period_choices(grain, month_index(today), period),
            "chart": chart,
            "rate_names": {key: KPI_BY_KEY[key].name for key, _ in data.rates},
        },
    )


@cached_page(reads=("measure", SEGMENT_PARAM))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def cohort_page(request: WorkspaceRequest) -> HttpResponse:
    """Cohort retention is stored for every customer only: under a segment (one condition or
    several) the segment's cohorts are computed on demand (`selectors/segment_points.py`)."""
    measure = "revenue" if request.GET.get("measure") == "revenue" else "logo"
    segment = active_segment(request)
    workspace = request.workspace
    rows, width = cohorts(
        measure=measure,
        workspace=workspace,
        today=today_in(workspace.time_zone),
        segment=segment,
    )
    return render(
        request,
        "kpiapp/cohorts.html",
        {
            "nav": "kpis",
            "rows": rows[::-1],
            "ages": range(width),
            "measure": measure,
            **segment_context(request, segment, keep={"measure": measure}),
        },
    )


def _plain(value: SupportsFloat | None) -> float | None:
    return None if value is None else float(value)
