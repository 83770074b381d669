"""/w/<slug>/segments/: the saved segments; editors save one (also from the filter bar) and
delete one. Plain forms, one POST per button."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.models import Segment
from kpiapp.services.segments import NAME_MAX, segment_create, segment_delete


def _back(request: WorkspaceRequest) -> HttpResponse:
    """To the page the filter bar was on (a page of this workspace), else the list."""
    target = request.POST.get("next", "")
    home = f"/w/{request.workspace.slug}/"
    if target.startswith(home) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("kpiapp:segments", slug=request.workspace.slug)


@workspace_view(min_role=Role.EDITOR)
def segment_list(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            segment = segment_create(
                membership=request.membership,
                name=request.POST.get("name", ""),
                text=request.POST.get("segment", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("kpiapp:segments", slug=request.workspace.slug)
        messages.success(request, _("The segment “%(name)s” was saved.") % {"name": segment.name})
        return _back(request)
    return render(
        request,
        "kpiapp/segments.html",
        {"nav": "dashboard", "segments": list(Segment.objects.all()), "name_max": NAME_MAX},
    )


@workspace_view(min_role=Role.EDITOR)
def segment_remove(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment.objects, pk=segment_id)
    if request.method == "POST":
        segment_delete(membership=request.membership, segment=segment)
        messages.success(request, _("The segment “%(name)s” was deleted.") % {"name": segment.name})
    return redirect("kpiapp:segments", slug=request.workspace.slug)
