"""/w/<slug>/kpis/ (the catalogue) and /w/<slug>/kpis/<key>/ (a KPI's page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.custom_kpis import CustomKpiForm
from kpiapp.kpis.drill import drill, drillable
from kpiapp.kpis.periods import Period, parse_period, today_in
from kpiapp.kpis.policies import kpi_policies
from kpiapp.kpis.registry import (
    DIMENSION_NAMES,
    KIND_NAMES,
    KPI_BY_KEY,
    SECTION_NAMES,
    KpiDefinition,
    dimension_value_name,
)
from kpiapp.models import CustomKpi, Grain, KpiSnapshot
from kpiapp.pagecache.decorator import cached_page
from kpiapp.selectors.annotations import chart_markers, chart_notes
from kpiapp.selectors.customers import MOVEMENT_KEYS
from kpiapp.selectors.kpi_detail import catalogue, kpi_page
from kpiapp.selectors.kpi_lookup import CUSTOM_SECTION, workspace_kpi
from kpiapp.selectors.kpi_versus import VERSUS_PARAM, versus_param
from kpiapp.selectors.segments import SEGMENT_PARAM, active_segment
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.services.custom_kpis import custom_kpi_create, custom_kpi_delete, custom_kpi_update
from kpiapp.views.kpi_compare import COMPARE_READS, compare_context, compare_param, range_param
from kpiapp.views.live import versioned_page
from kpiapp.views.params import grain_param
from kpiapp.views.segment_bar import segment_context

RECORDS_PER_PAGE = 100
ALL_CUSTOMERS = gettext_lazy("All customers")


@cached_page()
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def kpi_catalogue(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    period = last_complete_period("month", today_in(workspace.time_zone))
    entries = catalogue(period=period)
    return render(
        request,
        "kpiapp/kpi_catalogue.html",
        {
            "nav": "kpis",
            "entries": [e for e in entries if not e.kpi.key.startswith("custom_")],
            "custom_entries": [e for e in entries if e.kpi.key.startswith("custom_")],
            "period": period,
            "sections": SECTION_NAMES,
            "can_edit": request.membership.has_role(Role.EDITOR),
        },
    )


def _kpi_or_404(key: str) -> KpiDefinition:
    kpi = workspace_kpi(key)
    if kpi is None:
        raise Http404("No such KPI")
    return kpi


@cached_page(reads=("grain", "dimension", *COMPARE_READS, SEGMENT_PARAM, VERSUS_PARAM))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def kpi_detail(request: WorkspaceRequest, key: str) -> HttpResponse:
    kpi = _kpi_or_404(key)
    custom = CustomKpi.objects.filter(key=key).first() if kpi.section == CUSTOM_SECTION else None
    workspace = request.workspace
    grain = grain_param(request)
    today = today_in(workspace.time_zone)
    span = range_param(request, grain, today)
    segment = active_segment(request)
    versus = versus_param(request)
    # A second segment and the year earlier would be four lines: the segment wins, and says so.
    compare = "" if versus.condition else compare_param(request)
    page = kpi_page(
        workspace=workspace,
        kpi=kpi,
        grain=grain,
        dimension=request.GET.get("dimension"),
        today=today,
        span=span,
        compare=compare,
        segment=segment,
        versus=versus.condition,
        name=segment.label() if segment.active else str(ALL_CUSTOMERS),
    )
    notes = chart_notes(periods=page.periods, kpi_key=key)  # annotations (issue 19)
    return render(
        request,
        "kpiapp/kpi_detail.html",
        {
            "nav": "kpis",
            "annotations": notes,
            "annotation_markers": chart_markers(notes),
            "page": page,
            "kpi": page.kpi,
            "rows": list(
                zip(
                    page.periods,
                    page.values,
                    page.reasons,
                    page.partial,
                    page.targets,
                    page.changes,
                    strict=True,
                )
            )[::-1],
            "grain_choices": Grain.choices,
            "dimension_choices": [(d, DIMENSION_NAMES[d]) for d in page.kpi.dimensions],
            "kind_name": KIND_NAMES[page.kpi.kind],
            "policies": kpi_policies(page.kpi.key),
            "chart": page.chart_data(),
            # Under one condition: its records (the drill splits by all but plan); the
            # customers behind a movement under any segment that shows the KPI.
            "can_drill": drillable(key)
            and not segment.several
            and (segment.applied is None or segment.applied.dimension != "plan"),
            "customers_link": key in MOVEMENT_KEYS,
            "custom": custom,
            "versus_error": versus.error,
            "versus_hides_year": bool(versus.condition) and compare_param(request) != "",
            "versus_cells": list(zip(page.versus.values, page.versus.reasons, strict=True))[::-1]
            if page.versus
            else [],
            "can_edit": request.membership.has_role(Role.EDITOR),
            **segment_context(request, segment, keep={"grain": grain}, kpi=page.kpi),
        }
        | compare_context(page, span, today),
    )


@workspace_view(min_role=Role.VIEWER)
def kpi_records(request: WorkspaceRequest, key: str) -> HttpResponse:
    """The records behind one value of a KPI (drill-through)."""
    kpi = _kpi_or_404(key)
    workspace = request.workspace
    grain = grain_param(request)
    today = today_in(workspace.time_zone)
    if "period" not in request.GET:  # without one: the last complete period
        period = last_complete_period(grain, today)
    else:
        try:
            first = parse_period(request.GET["period"])[1]
        except ValueError:
            raise Http404("No such period") from None
        period = Period.containing(grain, first)
    dimension = request.GET.get("dimension", "")
    value = request.GET.get("value", "")
    if not drillable(key) or (dimension and dimension not in kpi.dimensions):
        raise Http404("No records for this KPI")
    try:
        result = drill(
            workspace=workspace,
            key=key,
            period=period,
            dimension=dimension,
            value=value,
            today=today,
        )
    except KeyError:
        raise Http404("No records for this breakdown") from None
    snapshot = KpiSnapshot.objects.filter(
        kpi_key=key,
        grain=grain,
        period_start=period.start,
        dimension=dimension,
        dimension_value=value if dimension else "",
    ).first()
    return render(
        request,
        "kpiapp/kpi_records.html",
        {
            "nav": "kpis",
            "kpi": kpi,
            "period": period,
            "dimension_name": DIMENSION_NAMES.get(dimension, ""),
            "dimension_value": dimension_value_name(key, dimension, value),
            "dimension": dimension,
            "result": result,
            "page": Paginator(result.rows, RECORDS_PER_PAGE).get_page(request.GET.get("page")),
            "snapshot": snapshot,
            "denominator_kpi": KPI_BY_KEY.get(result.denominator_key),
            "query": request.GET.urlencode(),
        },
    )


@workspace_view(min_role=Role.EDITOR)
def custom_kpi_new(request: WorkspaceRequest) -> HttpResponse:
    form = CustomKpiForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = custom_kpi_create(membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("“%s” was created. Enter its first values.") % kpi.name)
            return redirect("kpiapp:kpi", slug=request.workspace.slug, key=kpi.key)
    return render(
        request,
        "kpiapp/custom_kpi_form.html",
        {"nav": "kpis", "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view(min_role=Role.EDITOR)
def custom_kpi_edit(request: WorkspaceRequest, key: str) -> HttpResponse:
    kpi = get_object_or_404(CustomKpi.objects, key=key)
    initial = {f: getattr(kpi, f) for f in ("name", "unit", "direction", "aggregation")}
    form = CustomKpiForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and request.POST.get("action") == "delete":
        custom_kpi_delete(membership=request.membership, kpi=kpi)
        messages.success(request, _("“%s” was deleted.") % kpi.name)
        return redirect("kpiapp:kpis", slug=request.workspace.slug)
    if request.method == "POST" and form.is_valid():
        try:
            custom_kpi_update(membership=request.membership, kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("“%s” was saved.") % kpi.name)
            return redirect("kpiapp:kpi", slug=request.workspace.slug, key=kpi.key)
    return render(
        request,
        "kpiapp/custom_kpi_form.html",
        {"nav": "kpis", "form": form, "kpi": kpi},
        status=400 if form.errors else 200,
    )


def _form_errors(form: CustomKpiForm, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
