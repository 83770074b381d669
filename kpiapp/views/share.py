"""/share/<token>/…: a shared report for people without a login, read-only. Everything here
runs through `share_access.share_view`, which resolves the link and scopes to its workspace.
The page shows only the report: no navigation into the workspace, and drill-through to
records only when the link allows it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from kpiapp.kpis.drill import drill, drillable
from kpiapp.kpis.periods import Period, today_in
from kpiapp.kpis.registry import DIMENSION_NAMES
from kpiapp.models import ShareLink
from kpiapp.selectors.annotations import notes_by_kpi
from kpiapp.selectors.reports import ReportContent, report_content
from kpiapp.selectors.targets import kpi_facts
from kpiapp.services.share_links import share_link_viewed
from kpiapp.views.reports import csv_response, pdf_response
from kpiapp.views.share_access import ShareRequest, share_view

RECORDS_PER_PAGE = 100


def _link(request: ShareRequest) -> ShareLink:
    return request.share_link


def _content(request: ShareRequest) -> ReportContent:
    link = _link(request)
    workspace = link.workspace
    return report_content(
        report=link.report,
        workspace=workspace,
        today=today_in(workspace.time_zone),
        kpis=kpi_facts(),
    )


@share_view
def shared_report(request: ShareRequest) -> HttpResponse:
    link = _link(request)
    content = _content(request)
    share_link_viewed(link)
    response = render(
        request,
        "kpiapp/share_report.html",
        {
            "link": link,
            "report": link.report,
            "content": content,
            "charts": [s.chart_data() for s in content.sections],
            "report_notes": notes_by_kpi(
                periods=content.periods, kpi_keys=[s.kpi.key for s in content.sections]
            ),
            "drillable_keys": {s.kpi.key for s in content.sections if drillable(s.kpi.key)},
            "share_token": request.share_token,
        },
    )
    return response


@share_view
def shared_csv(request: ShareRequest) -> StreamingHttpResponse:
    return csv_response(_content(request), request.GET.get("table", "values"))


@share_view
def shared_pdf(request: ShareRequest) -> HttpResponse:
    return pdf_response(_content(request))


@share_view
def shared_records(request: ShareRequest, key: str) -> HttpResponse:
    """The records behind one value of the report, when the link allows drill-through; only
    for KPIs and periods the report shows."""
    link = _link(request)
    content = _content(request)
    section = next((s for s in content.sections if s.kpi.key == key), None)
    if not link.allow_records or section is None or not drillable(key) or not section.has_records:
        raise Http404("No records here")
    labels = {p.label: p for p in content.periods}
    period: Period | None = labels.get(request.GET.get("period", ""))
    if period is None:
        raise Http404("Not a period of this report")
    report = link.report
    dimension, value = section.dimension, section.dimension_value
    try:
        result = drill(
            workspace=link.workspace,
            key=key,
            period=period,
            dimension=dimension,
            value=value,
            today=content.today,
        )
    except KeyError:
        raise Http404("No records for this breakdown") from None
    response = render(
        request,
        "kpiapp/share_records.html",
        {
            "link": link,
            "report": report,
            "kpi": section.kpi,
            "period": period,
            "result": result,
            "dimension_name": DIMENSION_NAMES.get(dimension, ""),
            "dimension_value": value,
            "page": Paginator(result.rows, RECORDS_PER_PAGE).get_page(request.GET.get("page")),
            "token": request.share_token,
            "current_workspace": link.workspace,
        },
    )
    return response
