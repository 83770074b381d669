import hashlib
from datetime import date
from typing import cast

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.kpis.periods import Grain, Period, month_index, parse_period, today_in
from kpiapp.models import Grain as GrainChoices
from kpiapp.pagecache.decorator import CacheableResponse, cached_page
from kpiapp.pagecache.versions import page_version
from kpiapp.selectors.annotations import chart_markers, chart_notes
from kpiapp.selectors.dashboard import MrrChart, mrr_chart
from kpiapp.selectors.dashboards import dashboard_kpis, dashboard_shown, workspace_dashboards
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.records import data_counts
from kpiapp.selectors.segments import SEGMENT_PARAM, ActiveSegment, active_segment
from kpiapp.selectors.tiles import available_periods, dashboard_tiles, last_complete_period
from kpiapp.services.dashboard import dashboard_tiles_set, default_dashboard_ensure
from kpiapp.views.live import versioned_page
from kpiapp.views.params import grain_param
from kpiapp.views.segment_bar import segment_context

COMPARISONS = ("previous", "last_year")
TILE_CACHE_SECONDS = 24 * 3600


def _period(request: HttpRequest, grain: Grain, choices: list[Period], today) -> Period:
    """The period asked for if it is of the grain and has data; else the last complete one."""
    try:
        asked_grain, first = parse_period(request.GET.get("period", ""))
    except ValueError:
        asked_grain, first = grain, -1
    asked = Period(grain, first) if asked_grain == grain else None
    if asked in choices:
        return asked
    default = last_complete_period(grain, today)
    return default if default in choices or not choices else choices[0]


def _tiles(
    request: WorkspaceRequest,
    pinned: tuple[str, ...],
    period: Period,
    compare: str,
    other: Period,
    today: date,
    segment: ActiveSegment,
) -> tuple[list, str]:
    """The tiles and their HTML, cached until something they show changes (page_version)."""
    workspace = request.workspace
    key = ":".join(
        [
            "kz:tiles",
            str(workspace.id),
            str(page_version(workspace.id)),
            period.label,
            compare,
            translation.get_language() or "",
            ",".join(pinned),
            today.isoformat(),
            hashlib.sha256(segment.text.encode()).hexdigest()[:16],  # free text: hashed
        ]
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    tiles = dashboard_tiles(
        workspace=workspace, keys=pinned, period=period, compare=compare, today=today,
        segment=segment,
    )  # fmt: skip
    html = render_to_string(
        "kpiapp/_tiles.html",
        {"tiles": tiles, "period": period, "other_period": other, "current_workspace": workspace,
         "segment": segment},
    )  # fmt: skip
    cache.set(key, (tiles, html), TILE_CACHE_SECONDS)
    return tiles, html


def _mrr_chart(request: WorkspaceRequest, today: date, segment: ActiveSegment) -> MrrChart:
    """The MRR chart's months, shared by every member until a recompute (page_version)."""
    workspace_id = request.workspace.id
    key = f"kz:mrrchart:{workspace_id}:{page_version(workspace_id)}:{today.isoformat()}"
    if segment.active:  # a hash: a segment's value is free text
        key += ":" + hashlib.sha256(segment.text.encode()).hexdigest()[:16]
    chart = cache.get(key)
    if chart is None:
        chart = mrr_chart(workspace=request.workspace, today=today, segment=segment)
        cache.set(key, chart, TILE_CACHE_SECONDS)
    return chart


def _mrr_annotations(chart: MrrChart | None) -> dict[str, object]:
    """The annotations in the MRR chart's months (issue 19): drawn on it and listed under it."""
    notes = chart_notes(periods=[r.period for r in chart.rows], kpi_key="mrr") if chart else []
    return {"mrr_notes": notes, "mrr_markers": chart_markers(notes)}


@cached_page(reads=("grain", "period", "compare", SEGMENT_PARAM))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    """The default dashboard, at /w/<slug>/."""
    return _dashboard_page(request, None)


@cached_page(reads=("grain", "period", "compare", SEGMENT_PARAM))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def dashboard_page(request: WorkspaceRequest, dashboard_id: int) -> HttpResponse:
    """Any of the workspace's dashboards, at /w/<slug>/dashboards/<id>/."""
    return _dashboard_page(request, dashboard_id)


def _dashboard_page(request: WorkspaceRequest, dashboard_id: int | None) -> HttpResponse:
    workspace = request.workspace
    today = today_in(workspace.time_zone)
    grain = grain_param(request)
    compare = request.GET.get("compare", "previous")
    if compare not in COMPARISONS:
        compare = "previous"
    dashboards = workspace_dashboards(workspace)
    shown = dashboard_shown(dashboards, dashboard_id)
    choices = available_periods(grain, today)
    period = _period(request, grain, choices, today)
    pinned = dashboard_kpis(shown)
    other = period.previous() if compare == "previous" else period.same_last_year()
    segment = active_segment(request)
    tiles: list = []
    tiles_html = ""
    if choices:
        tiles, tiles_html = _tiles(request, pinned, period, compare, other, today, segment)
    chart = _mrr_chart(request, today, segment) if choices else None
    data_kinds = []
    if not tiles:  # the first steps: what has been imported so far
        counts = data_counts(DATA_KINDS)
        data_kinds = [(kind, counts[slug]) for slug, kind in DATA_KINDS.items() if counts[slug]]
    response = render(
        request,
        "kpiapp/dashboard.html",
        {
            "nav": "dashboard",
            "dashboards": dashboards,
            "shown": shown,
            "tiles": tiles,
            "tiles_html": mark_safe(tiles_html),  # noqa: S308 - our own template's output
            "grain": grain,
            "period": period,
            "compare": compare,
            "other_period": other,
            "choices": choices,
            "grain_choices": GrainChoices.choices,
            "partial_label": Period.containing(grain, month_index(today)).label,
            "mrr": chart,
            "mrr_chart": chart.as_json() if chart else {"labels": []},
            **_mrr_annotations(chart),
            "data_kinds": data_kinds,
            "can_pin": request.membership.has_role(Role.EDITOR),
            **segment_context(
                request,
                segment,
                keep={"grain": grain, "period": period.label, "compare": compare},
            ),
        },
    )
    # A flag for @cached_page: record counts change unversioned.
    cast(CacheableResponse, response).page_cache = bool(tiles)
    return response


@workspace_view(min_role=Role.EDITOR)
def pin_tiles(request: WorkspaceRequest) -> HttpResponse:
    """Choose the default dashboard's tiles with check boxes (the first dashboard's page,
    kept for the address; every dashboard's own page orders its tiles)."""
    membership = request.membership
    workspace = membership.workspace
    if request.method != "POST":
        shown = workspace_dashboards(workspace)[0]
        return render(
            request,
            "kpiapp/pin_tiles.html",
            {
                "nav": "dashboard",
                "shown": shown,
                "pinned": dashboard_kpis(shown),
                "all_kpis": [(k.key, k.name) for k in workspace_kpis()],
            },
        )
    try:
        with transaction.atomic():
            dashboard = default_dashboard_ensure(workspace)
            dashboard_tiles_set(
                membership=membership, dashboard=dashboard, keys=request.POST.getlist("kpi")
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dashboard shows the chosen KPIs."))
    return redirect("kpiapp:dashboard", slug=workspace.slug)
