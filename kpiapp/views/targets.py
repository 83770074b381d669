"""/w/<slug>/targets/: the quarter's targets with progress and pacing; editors set them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.targets import TargetCopyForm, TargetForm
from kpiapp.kpis.periods import Period, period_name, today_in
from kpiapp.kpis.registry import DIMENSION_NAMES
from kpiapp.kpis.target_rules import RATE_BASES, is_compared_directly
from kpiapp.models import Target, TargetChange
from kpiapp.selectors.annotations import burnup_notes
from kpiapp.selectors.targets import (
    dimension_choices,
    kpi_facts,
    target_history,
    targets_of_quarter,
)
from kpiapp.services.targets import (
    NEEDS_CONFIRMATION,
    target_remove,
    target_restore,
    target_set,
    targets_copy,
)
from kpiapp.views.live import versioned_page
from kpiapp.views.params import quarter_param


def _dimension_values() -> dict[str, list[str]]:
    return {d: dimension_choices(d) for d in DIMENSION_NAMES}


def _needs_confirmation(error: ValidationError) -> bool:
    return any(
        getattr(e, "code", None) == NEEDS_CONFIRMATION
        for e in getattr(error, "error_dict", {}).get("value", [])
    )


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
@versioned_page
def targets(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    membership = request.membership
    today = today_in(workspace.time_zone)
    current = Period.of_start("quarter", today)
    quarter = quarter_param(request, current)
    facts = kpi_facts()
    values = _dimension_values()
    form = TargetForm(facts=facts, dimension_values=values)
    here = f"{reverse('kpiapp:targets', args=[workspace.slug])}?quarter={quarter.label}"
    editing: int | None = None
    ask_confirm: bool | None = False
    if request.method == "POST":
        handled = _other_action(request, quarter, here)
        if handled is not None:
            return handled
        form = TargetForm(request.POST, facts=facts, dimension_values=values)
        editing = _int(request.POST.get("edit"))
        ask_confirm = _set(request, form, quarter)
        if ask_confirm is None:
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
            "burnups": {r.target.pk: r.burnup for r in rows},
            "burnup_notes": burnup_notes(quarter=quarter, kpi_keys={r.kpi.key for r in rows}),
            "form": TargetForm(facts=facts, dimension_values=values) if editing else form,
            "edit_form": form if editing else None,
            "rate_bases": RATE_BASES,
            "rate_kpis": " ".join(k for k, f in facts.items() if is_compared_directly(f.kind)),
            "copy_form": TargetCopyForm(),
            "editing": editing,
            "ask_confirm": ask_confirm,
            "history": target_history(quarter=quarter, facts=facts),
            "can_edit": membership.has_role(Role.EDITOR),
            "previous_has_targets": Target.objects.filter(
                quarter_start=quarter.previous().start
            ).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None


def _other_action(request: WorkspaceRequest, quarter: Period, here: str) -> HttpResponse | None:
    """Remove, undo and copy; None for setting a target (the form is shown again on errors)."""
    membership = request.membership
    action = request.POST.get("action")
    if action == "remove":
        target = get_object_or_404(Target.objects, pk=request.POST.get("target"))
        target_remove(membership=membership, target=target)
        messages.success(request, _("The target was removed. You can undo this below."))
    elif action == "undo":
        change = get_object_or_404(TargetChange.objects, pk=request.POST.get("change"))
        try:
            target_restore(membership=membership, change=change)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The change was undone."))
    elif action == "copy":
        _copy(request, quarter)
    else:
        return None
    return redirect(here)


def _copy(request: WorkspaceRequest, quarter: Period) -> None:
    form = TargetCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return
    source = quarter.previous()
    membership = request.membership
    percent = form.cleaned_data["percent"]
    done = targets_copy(membership=membership, source=source, into=quarter, percent=percent)
    messages.success(
        request,
        ngettext(
            "%(count)s target copied from %(quarter)s.",
            "%(count)s targets copied from %(quarter)s.",
            done.copied,
        )
        % {"count": done.copied, "quarter": period_name(source)},
    )
    if done.skipped:
        messages.warning(
            request,
            _("Left out, since the changed value would not be plausible: %(kpis)s.")
            % {"kpis": ", ".join(done.skipped)},
        )


def _set(request: WorkspaceRequest, form: TargetForm, quarter: Period) -> bool | None:
    """Set the posted target: None when saved, else whether the error asks to confirm."""
    if not form.is_valid():
        return False
    try:
        target_set(
            membership=request.membership,
            kpi_key=form.cleaned_data["kpi_key"],
            quarter=quarter,
            value=form.target_value(),
            dimension=form.cleaned_data["dimension"],
            dimension_value=form.cleaned_data["dimension_value"],
            note=form.cleaned_data["note"].strip(),
            rate_basis=form.cleaned_data["rate_basis"],
            confirmed=form.cleaned_data["confirm"],
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _needs_confirmation(error)
    return None
