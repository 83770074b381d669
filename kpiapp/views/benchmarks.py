"""/w/<slug>/benchmarks/: the reference values KPIs are judged by, and the team's own."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.targets import TeamBenchmarkForm
from kpiapp.kpis.periods import today_in
from kpiapp.models import TeamBenchmark
from kpiapp.selectors.benchmarks import library_overview, overview
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.services.benchmarks import (
    benchmark_pick_set,
    team_benchmark_delete,
    team_benchmark_set,
)
from kpiapp.views.live import versioned_page


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
@versioned_page
def benchmarks(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    membership = request.membership
    directional = [k for k in workspace_kpis() if k.direction != "neutral"]
    names = [(k.key, str(k.name)) for k in directional]
    units = {k.key: k.unit for k in directional}
    form = TeamBenchmarkForm(units=units, names=names)
    if request.method == "POST":
        if request.POST.get("action") == "pick":
            try:
                benchmark_pick_set(
                    membership=membership,
                    kpi_key=request.POST.get("kpi", ""),
                    grain=request.POST.get("grain", ""),
                    ref=request.POST.get("ref", ""),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("kpiapp:benchmarks", slug=workspace.slug)
            messages.success(request, _("The dashboard now uses the chosen reference."))
            return redirect("kpiapp:benchmarks", slug=workspace.slug)
        if request.POST.get("action") == "delete":
            benchmark = get_object_or_404(TeamBenchmark.objects, pk=request.POST.get("benchmark"))
            team_benchmark_delete(membership=membership, benchmark=benchmark)
            messages.success(request, _("The benchmark was removed."))
            return redirect("kpiapp:benchmarks", slug=workspace.slug)
        form = TeamBenchmarkForm(request.POST, units=units, names=names)
        if form.is_valid():
            try:
                team_benchmark_set(
                    membership=membership,
                    kpi_key=form.cleaned_data["kpi_key"],
                    grain=form.cleaned_data["grain"],
                    form=form.cleaned_data["form"],
                    low=form.scaled_low(),
                    high=form.scaled_high(),
                    source=form.cleaned_data["source"].strip(),
                    note=form.cleaned_data["note"].strip(),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The benchmark was saved."))
                return redirect("kpiapp:benchmarks", slug=workspace.slug)
    return render(
        request,
        "kpiapp/benchmarks.html",
        {
            "nav": "kpis",
            "rows": library_overview(segment=workspace.benchmark_segment),
            "groups": overview(
                segment=workspace.benchmark_segment, today=today_in(workspace.time_zone)
            ),
            "can_pick": membership.has_role(Role.ADMIN),
            "kpi_names": dict(names),
            "team": list(TeamBenchmark.objects.all()),
            "form": form,
            "can_edit": membership.has_role(Role.EDITOR),
            "segment": workspace.get_benchmark_segment_display(),
        },
        status=400 if request.method == "POST" else 200,
    )
