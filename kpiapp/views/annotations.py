"""/w/<slug>/annotations/: the workspace's annotations (editors add them, here or on a KPI's
page) and /w/<slug>/annotations/<id>/edit/ (change or delete one)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.annotations import AnnotationForm
from kpiapp.models import Annotation
from kpiapp.selectors.annotations import annotations_between, kpi_names
from kpiapp.selectors.kpi_lookup import workspace_kpi
from kpiapp.services.annotations import annotation_create, annotation_delete, annotation_update


def _back(request: WorkspaceRequest) -> HttpResponse:
    """To the KPI page the form was sent from (`back` holds its key), else to the list."""
    key = request.POST.get("back", "")
    if key and workspace_kpi(key) is not None:
        grain = request.POST.get("grain", "")
        query = f"?grain={grain}" if grain in ("month", "quarter", "year") else ""
        return redirect(reverse("kpiapp:kpi", args=[request.workspace.slug, key]) + query)
    return redirect("kpiapp:annotations", request.workspace.slug)


def _save_errors(form: AnnotationForm, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
def annotation_list(request: WorkspaceRequest) -> HttpResponse:
    form = AnnotationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            annotation_create(membership=request.membership, **form.values())
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The annotation was added."))
            return _back(request)
    notes = list(annotations_between().select_related("created_by"))
    context = {
        "nav": "annotations",
        "notes": notes,
        "names": kpi_names(notes),
        "form": form,
        "back": request.POST.get("back", ""),
        "can_edit": request.membership.has_role(Role.EDITOR),
    }
    return render(request, "kpiapp/annotations.html", context, status=400 if form.errors else 200)


@workspace_view(min_role=Role.EDITOR)
def annotation_edit(request: WorkspaceRequest, annotation_id: int) -> HttpResponse:
    note = get_object_or_404(Annotation.objects, pk=annotation_id)
    if request.method == "POST" and request.POST.get("action") == "delete":
        annotation_delete(membership=request.membership, annotation=note)
        messages.success(request, _("The annotation was deleted."))
        return _back(request)
    initial = {"date": note.day, "text": note.text, "kpi_key": note.kpi_key}
    form = AnnotationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            annotation_update(membership=request.membership, annotation=note, **form.values())
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The annotation was saved."))
            return _back(request)
    back = request.POST.get("back") or request.GET.get("back", "")
    context = {"nav": "annotations", "note": note, "form": form, "back": back}
    return render(
        request, "kpiapp/annotation_edit.html", context, status=400 if form.errors else 200
    )
