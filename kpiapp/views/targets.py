"""/w/<slug>/targets/: the quarter's targets with progress and pacing; editors set them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.periods import Period, parse_period, today_in
from kpiapp.models import Target
from kpiapp.plausibility import month_in_window
from kpiapp.selectors.targets import kpi_facts, target_history, targets_of_quarter
from kpiapp.services.targets import target_remove, target_set, targets_copy
from kpiapp.target_forms import TargetForm


def _quarter(request: HttpRequest, today_quarter: Period) -> Period:
    text = request.GET.get("quarter") or request.POST.get("quarter") or ""
    try:
        grain, first = parse_period(text)
    except ValueError:
        return today_quarter
    if not month_in_window(first):
        return today_quarter
    return Period.containing("quarter", first) if grain in ("quarter", "month") else today_quarter


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
def targets(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    membership = request.membership
    today = today_in(workspace.time_zone)
    current = Period.of_start("quarter", today)
    quarter = _quarter(request, current)
    facts = kpi_facts()
    form = TargetForm(facts=facts, initial={"quarter": quarter.label})
    here = f"{reverse('kpiapp:targets', args=[workspace.slug])}?quarter={quarter.label}"
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            target = get_object_or_404(Target.objects, pk=request.POST.get("target"))
            target_remove(membership=membership, target=target)
            messages.success(request, _("The target was removed."))
            return redirect(here)
        if action == "copy":
            copied = targets_copy(membership=membership, source=quarter.previous(), into=quarter)
            messages.success(
                request,
                ngettext(
                    "%(count)s target copied from %(quarter)s.",
                    "%(count)s targets copied from %(quarter)s.",
                    copied,
                )
                % {"count": copied, "quarter": quarter.previous().label},
            )
            return redirect(here)
        form = TargetForm(request.POST, facts=facts)
        if form.is_valid():
            try:
                target_set(
                    membership=membership,
                    kpi_key=form.cleaned_data["kpi_key"],
                    quarter=quarter,
                    value=form.target_value(),
                    dimension=form.cleaned_data["dimension"],
                    dimension_value=form.cleaned_data["dimension_value"].strip(),
                    note=form.cleaned_data["note"].strip(),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The target was saved."))
                return redirect(here)
    rows = targets_of_quarter(quarter=quarter, today=today, facts=facts)
    return render(
        request,
        "kpiapp/targets.html",
        {
            "nav": "targets",
            "quarter": quarter,
            "is_current": quarter == current,
            "is_past": quarter.end < today,
            "previous": quarter.previous(),
            "next": Period("quarter", quarter.first_month + 3),
            "rows": rows,
            "form": form,
            "history": target_history(quarter=quarter, facts=facts),
            "can_edit": membership.has_role(Role.EDITOR),
            "previous_has_targets": Target.objects.filter(
                quarter_start=quarter.previous().start
            ).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )
