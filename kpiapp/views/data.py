"""The data pages: lists, a record's page, create, edit and delete (editors and up)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Model
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.data_kinds import DATA_KINDS, DataKind
from kpiapp.exports.records import export_csv_lines, export_queryset
from kpiapp.models import Account, Deal
from kpiapp.selectors.records import account_story, data_counts, record_get, record_list
from kpiapp.services.records import RecordInUse, record_delete, record_save

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    Label = StrOrPromise | None  # a field's label, or a form field's (which may be unset)


@workspace_view(min_role=Role.VIEWER)
def index(request: WorkspaceRequest) -> HttpResponse:
    counts = data_counts(DATA_KINDS)
    kinds = [(kind, counts[slug]) for slug, kind in DATA_KINDS.items()]
    return render(
        request,
        "kpiapp/data_index.html",
        {"nav": "data", "kinds": kinds, "empty": not any(counts.values())},
    )


@workspace_view(min_role=Role.VIEWER)
def record_list_page(request: WorkspaceRequest, kind: DataKind) -> HttpResponse:
    listing = record_list(kind, request.GET)
    return render(
        request,
        "kpiapp/data_list.html",
        {
            "nav": "data",
            "kind": kind,
            "listing": listing,
            "can_edit": request.membership.has_role(Role.EDITOR),
        },
    )


@workspace_view(min_role=Role.VIEWER)
def record_export(request: WorkspaceRequest, kind: DataKind) -> StreamingHttpResponse:
    """The whole list as CSV, in the columns the importer reads (an export imports back)."""
    language = translation.get_language() or "en"
    # The rows are read while the response streams, after the view returned: keep the scope.
    workspace_id = request.workspace.id

    def lines() -> Iterator[str]:
        with workspace_scope(workspace_id):
            records = export_queryset(kind.slug).iterator(chunk_size=2000)
            yield from export_csv_lines(kind.slug, records, language=language)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{request.workspace.slug}-{kind.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@workspace_view(min_role=Role.VIEWER)
def record_detail(request: WorkspaceRequest, kind: DataKind, pk: int) -> HttpResponse:
    record = record_get(kind, pk)
    context = {
        "nav": "data",
        "kind": kind,
        "record": record,
        "fields": _shown_fields(kind, record),
        "can_edit": request.membership.has_role(Role.EDITOR),
    }
    if isinstance(record, Account):  # the accounts kind
        context["story"] = account_story(record, timezone.localdate())
    if isinstance(record, Deal):  # the deals kind
        context["history"] = record.stage_changes.select_related("changed_by")
    return render(request, "kpiapp/data_detail.html", context)


@workspace_view(min_role=Role.EDITOR)
def record_create(request: WorkspaceRequest, kind: DataKind) -> HttpResponse:
    return _edit(request, kind, kind.model())


@workspace_view(min_role=Role.EDITOR)
def record_edit(request: WorkspaceRequest, kind: DataKind, pk: int) -> HttpResponse:
    return _edit(request, kind, record_get(kind, pk))


@workspace_view(min_role=Role.EDITOR)
@require_POST
def record_delete_view(request: WorkspaceRequest, kind: DataKind, pk: int) -> HttpResponse:
    record = record_get(kind, pk)
    try:
        record_delete(membership=request.membership, record=record)
    except RecordInUse as error:
        messages.error(request, str(error))
        return redirect("kpiapp:record", slug=request.workspace.slug, kind=kind.slug, pk=pk)
    messages.success(request, _("“%s” was deleted.") % record)
    return redirect("kpiapp:records", slug=request.workspace.slug, kind=kind.slug)


def _edit(request: WorkspaceRequest, kind: DataKind, record: Model) -> HttpResponse:
    # A new record can start from the query string, e.g. ?kpi=7 from a custom KPI's page.
    initial = {k: v for k, v in request.GET.items() if not record.pk}
    form = kind.form(
        request.POST or None, instance=record, workspace=request.workspace, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        saved = record_save(membership=request.membership, form=form)
        messages.success(request, _("“%s” was saved.") % saved)
        return redirect(
            "kpiapp:record",
            slug=request.workspace.slug,
            kind=kind.slug,
            pk=saved.pk,
        )
    return render(
        request,
        "kpiapp/data_form.html",
        {"nav": "data", "kind": kind, "form": form, "record": record},
        status=400 if form.errors else 200,
    )


def _shown_fields(kind: DataKind, record: Model) -> list[tuple[Label, object, str]]:
    """(label, value, format) for every form field, money from cents."""
    shown: list[tuple[Label, object, str]] = []
    money = kind.form.money_fields
    for name in kind.form_fields:
        if name in money:
            shown.append((kind.form.base_fields[name].label, getattr(record, money[name]), "money"))
            continue
        field = kind.field(name)
        value = getattr(record, f"get_{name}_display")() if field.choices else getattr(record, name)
        shown.append((field.verbose_name, value, "text"))
    return shown
