"""The audit log page at /w/<slug>/settings/audit/ and its CSV export (owners and admins)."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.exports.csv_dialect import csv_lines
from kpiapp.selectors.audit import audit_csv_rows, audit_entries, audit_events

PAGE_SIZE = 50


@workspace_view(min_role=Role.ADMIN)
def audit_log(request: WorkspaceRequest) -> HttpResponse:
    found = audit_events(request.GET)
    events = found.qs if found.is_valid() else found.queryset.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = audit_entries(request.workspace, page.object_list)
    return render(
        request,
        "accounts/settings_audit.html",
        {
            "tab": "audit",
            "filter": found,
            "page": page,
            "entries": entries,
            "query": request.GET.urlencode(),
        },
        status=200 if found.is_valid() else 400,
    )


@workspace_view(min_role=Role.ADMIN)
def audit_log_csv(request: WorkspaceRequest) -> HttpResponse | StreamingHttpResponse:
    found = audit_events(request.GET)
    if not found.is_valid():
        return HttpResponse(status=400)
    language = translation.get_language() or "en"
    workspace = request.workspace
    events = found.qs

    def lines() -> Iterator[str]:
        # Streams after the view returned: keep the scope and the language.
        with workspace_scope(workspace.id), translation.override(language):
            rows = audit_csv_rows(workspace, events.iterator(chunk_size=2000))
            yield from csv_lines(rows, language=language)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{request.workspace.slug}-audit-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
