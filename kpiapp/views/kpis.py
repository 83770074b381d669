"""/w/<slug>/kpis/ (the catalogue) and /w/<slug>/kpis/<key>/ (a KPI's page)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import workspace_view
from accounts.roles import Role
from kpiapp.kpis.drill import SUPPORTED as drill_kpis
from kpiapp.kpis.drill import drill
from kpiapp.kpis.periods import Period, parse_period, today_in
from kpiapp.kpis.registry import DIMENSION_NAMES, KIND_NAMES, KPI_BY_KEY, SECTION_NAMES
from kpiapp.models import Grain, KpiSnapshot
from kpiapp.selectors.kpi_detail import catalogue, kpi_page
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.views.params import grain_param

RECORDS_PER_PAGE = 100


@workspace_view(min_role=Role.VIEWER)
def kpi_catalogue(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    period = last_complete_period("month", today_in(workspace.time_zone))
    entries = catalogue(period=period)
    return render(
        request,
        "kpiapp/kpi_catalogue.html",
        {"nav": "kpis", "entries": entries, "period": period, "sections": SECTION_NAMES},
    )


@workspace_view(min_role=Role.VIEWER)
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    if key not in KPI_BY_KEY:
        raise Http404("No such KPI")
    workspace = request.workspace  # type: ignore[attr-defined]
    grain = grain_param(request)
    page = kpi_page(
        workspace=workspace,
        key=key,
        grain=grain,  # type: ignore[arg-type]
        dimension=request.GET.get("dimension"),
        today=today_in(workspace.time_zone),
    )
    return render(
        request,
        "kpiapp/kpi_detail.html",
        {
            "nav": "kpis",
            "page": page,
            "kpi": page.kpi,
            "rows": list(
                zip(
                    page.periods, page.values, page.reasons, page.partial, page.targets, strict=True
                )
            )[::-1],
            "grain_choices": Grain.choices,
            "dimension_choices": [(d, DIMENSION_NAMES[d]) for d in page.kpi.dimensions],
            "kind_name": KIND_NAMES[page.kpi.kind],
            "chart": page.chart_data(),
            "can_drill": key in drill_kpis,
        },
    )


@workspace_view(min_role=Role.VIEWER)
def kpi_records(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind one value of a KPI (drill-through)."""
    if key not in KPI_BY_KEY:
        raise Http404("No such KPI")
    workspace = request.workspace  # type: ignore[attr-defined]
    grain = grain_param(request)
    today = today_in(workspace.time_zone)
    if "period" not in request.GET:  # without one: the last complete period
        period = last_complete_period(grain, today)  # type: ignore[arg-type]
    else:
        try:
            _, first = parse_period(request.GET["period"])
        except ValueError:
            raise Http404("No such period") from None
        period = Period.containing(grain, first)  # type: ignore[arg-type]
    dimension = request.GET.get("dimension", "")
    value = request.GET.get("value", "")
    if key not in drill_kpis or (dimension and dimension not in KPI_BY_KEY[key].dimensions):
        raise Http404("No records for this KPI")
    try:
        result = drill(workspace=workspace, key=key, period=period, dimension=dimension,
                       value=value, today=today)  # fmt: skip
    except KeyError:
        raise Http404("No records for this breakdown") from None
    snapshot = KpiSnapshot.objects.filter(
        kpi_key=key, grain=grain, period_start=period.start, dimension=dimension,
        dimension_value=value if dimension else "",
    ).first()  # fmt: skip
    return render(
        request,
        "kpiapp/kpi_records.html",
        {
            "nav": "kpis",
            "kpi": KPI_BY_KEY[key],
            "period": period,
            "dimension_name": DIMENSION_NAMES.get(dimension, ""),
            "dimension_value": value,
            "dimension": dimension,
            "result": result,
            "page": Paginator(result.rows, RECORDS_PER_PAGE).get_page(request.GET.get("page")),
            "snapshot": snapshot,
        },
    )
