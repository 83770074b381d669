"""Exporting the whole workspace (owners): start a job, watch its progress, download the ZIP."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.models import ExportStatus, WorkspaceExport
from kpiapp.services.workspace_export import (
    export_progress_text,
    export_status,
    workspace_export_download,
    workspace_export_request,
)

SHOWN = 5


def _access_export(export_id: int) -> WorkspaceExport:
    """An export of the workspace in scope, or 404."""
    export = WorkspaceExport.objects.filter(pk=export_id).defer("data").first()
    if export is None:
        raise Http404("No such export.")
    return export


@workspace_view(min_role=Role.OWNER)
def export_page(request: WorkspaceRequest) -> HttpResponse:
    exports = list(WorkspaceExport.objects.defer("data").order_by("-created_at")[:SHOWN])
    # The export just started (its progress, then its link), or one still running.
    shown = request.GET.get("export", "")
    current = next((e for e in exports if str(e.pk) == shown), None) or next(
        (e for e in exports if e.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)), None
    )
    context = {
        "tab": "export",
        "exports": exports,
        "current": current,
        "progress_text": export_progress_text(current) if current else "",
        "keep_days": settings.WORKSPACE_EXPORT_KEEP_DAYS,
    }
    return render(request, "kpiapp/workspace_export.html", context)


@workspace_view(min_role=Role.OWNER)
@require_POST
def export_start(request: WorkspaceRequest) -> HttpResponse:
    export = workspace_export_request(membership=request.membership)
    page = reverse("kpiapp:workspace_export", args=[request.workspace.slug])
    return redirect(f"{page}?export={export.pk}")


@workspace_view(min_role=Role.OWNER)
def export_status_json(request: WorkspaceRequest, export_id: int) -> JsonResponse:
    export = _access_export(export_id)
    answer = export_status(export)
    if export.status == ExportStatus.DONE:
        slug = request.workspace.slug
        answer["download_url"] = reverse("kpiapp:workspace_export_download", args=[slug, export.pk])
    return JsonResponse(answer)


@workspace_view(min_role=Role.OWNER)
def export_download(request: WorkspaceRequest, export_id: int) -> HttpResponse:
    export = WorkspaceExport.objects.filter(pk=export_id, status=ExportStatus.DONE).first()
    if export is None:
        raise Http404("No such export.")
    data = workspace_export_download(membership=request.membership, export=export)
    response = HttpResponse(data, content_type="application/zip")
    name = f"{request.workspace.slug}-export-{export.created_at:%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
