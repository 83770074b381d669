"""/w/<slug>/reports/…: the team's saved reports, composing and editing them, comments, CSV and
PDF export, the digest subscription and the share links of a report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_view
from accounts.models import Membership
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.reports import (
    CommentForm,
    DigestForm,
    ReportForm,
    SectionFormSet,
    ShareLinkForm,
    sections_from,
)
from kpiapp.kpis.drill import drillable
from kpiapp.kpis.periods import today_in
from kpiapp.models import DigestSubscription, Report, ReportComment, ShareLink
from kpiapp.selectors.annotations import notes_by_kpi
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.reports import (
    ReportContent,
    access_report,
    can_edit_report,
    report_content,
    visible_reports,
)
from kpiapp.selectors.segments import report_segment_choices
from kpiapp.selectors.targets import kpi_facts
from kpiapp.services.reports import (
    FIELDS,
    TEMPLATE_NAMES,
    comment_add,
    comment_delete,
    report_create,
    report_delete,
    report_duplicate,
    report_update,
    template_values,
)
from kpiapp.services.share_links import DEFAULT_DAYS, share_link_create, share_link_revoke
from kpiapp.views.live import versioned_page

REPORTS_PER_PAGE = 25


def _membership(request: WorkspaceRequest) -> Membership:
    return request.membership


def _content(request: WorkspaceRequest, report: Report) -> ReportContent:
    workspace = request.workspace
    return report_content(
        report=report, workspace=workspace, today=today_in(workspace.time_zone), kpis=kpi_facts()
    )


def _to_report(request: WorkspaceRequest, report: Report) -> HttpResponse:
    return redirect("kpiapp:report", slug=request.workspace.slug, report_id=report.pk)


@workspace_view(min_role=Role.VIEWER)
def report_list(request: WorkspaceRequest) -> HttpResponse:
    reports = visible_reports(_membership(request)).order_by("-updated_at", "-id")
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "kpiapp/reports.html",
        {
            "nav": "reports",
            "page": page,
            "templates": TEMPLATE_NAMES,
            "can_create": _membership(request).has_role(Role.EDITOR),
        },
    )


# --- composing -------------------------------------------------------------------------------


def _initial(values: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    report_fields = {f: values[f] for f in FIELDS if f not in ("sections", "template")}
    return report_fields, list(values["sections"])


def _blank(request: WorkspaceRequest) -> dict[str, Any]:
    values = template_values("monthly", language=request.workspace.language)
    return values | {"title": "", "sections": [], "template": ""}


def _compose(
    request: WorkspaceRequest, report: Report | None, values: dict[str, Any]
) -> HttpResponse:
    """The composer for a new report (`report` None) or an existing one."""
    kpis = workspace_kpis()
    initial, sections = _initial(values)
    post = request.POST if request.method == "POST" else None
    if initial.get("segment"):  # the segment sets the filter: the form shows only the segment
        initial |= {"dimension": "", "dimension_value": ""}
    choices = report_segment_choices(str(initial.get("segment") or ""))
    form = ReportForm(post, initial=initial, segment_choices=choices)
    formset = SectionFormSet(post, initial=sections, prefix="section", form_kwargs={"kpis": kpis})
    section_errors: list[str] = []
    if post is not None and form.is_valid() and formset.is_valid():
        data = form.cleaned_data | {"sections": sections_from(formset)}
        data["template"] = values.get("template", "")
        try:
            if report is None:
                report = report_create(membership=_membership(request), data=data)
                messages.success(request, _("The report was saved."))
            else:
                report_update(membership=_membership(request), report=report, data=data)
                messages.success(request, _("Your changes were saved."))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                if field in form.fields:
                    form.add_error(field, errors)
                else:
                    section_errors.extend(errors)
        else:
            return _to_report(request, report)
    invalid = post is not None
    return render(
        request,
        "kpiapp/report_form.html",
        {
            "nav": "reports",
            "form": form,
            "formset": formset,
            "section_errors": section_errors,
            "report": report,
            "template_name": TEMPLATE_NAMES.get(values.get("template", "")),
        },
        status=400 if invalid else 200,
    )


@workspace_view(min_role=Role.EDITOR)
def report_new(request: WorkspaceRequest) -> HttpResponse:
    template = request.GET.get("template", "")
    language = request.workspace.language
    values = template_values(template, language=language) if template in TEMPLATE_NAMES else None
    return _compose(request, None, values or _blank(request))


@workspace_view(min_role=Role.VIEWER)
def report_edit(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    report = access_report(_membership(request), report_id, for_write=True)
    return _compose(request, report, {f: getattr(report, f) for f in FIELDS})


@workspace_view(min_role=Role.VIEWER)
@require_POST
def report_delete_view(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    report = access_report(_membership(request), report_id, for_write=True)
    report_delete(membership=_membership(request), report=report)
    messages.success(request, _("“%s” was deleted.") % report.title)
    return redirect("kpiapp:reports", slug=request.workspace.slug)


@workspace_view(min_role=Role.EDITOR)
@require_POST
def report_duplicate_view(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    report = access_report(_membership(request), report_id)
    copy = report_duplicate(membership=_membership(request), report=report)
    messages.success(request, _("This is your private copy; change it as you like."))
    return _to_report(request, copy)


# --- reading ---------------------------------------------------------------------------------


@workspace_view(min_role=Role.VIEWER)
@versioned_page
def report_page(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    membership = _membership(request)
    report = access_report(membership, report_id)
    subscription = DigestSubscription.objects.filter(report=report, user=membership.user).first()
    return _report_page(request, report, subscription, CommentForm())


def _report_page(
    request: WorkspaceRequest,
    report: Report,
    subscription: DigestSubscription | None,
    comment_form: CommentForm,
    digest_form: DigestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = _membership(request)
    content = _content(request, report)
    comments = ReportComment.objects.filter(report=report).select_related("author")
    digest_form = digest_form or DigestForm(
        initial={"cadence": subscription.cadence if subscription else ""}
    )
    return render(
        request,
        "kpiapp/report_detail.html",
        {
            "nav": "reports",
            "report": report,
            "content": content,
            "charts": [s.chart_data() for s in content.sections],
            "report_notes": notes_by_kpi(
                periods=content.periods, kpi_keys=[s.kpi.key for s in content.sections]
            ),
            "drillable_keys": {s.kpi.key for s in content.sections if drillable(s.kpi.key)},
            "comments": comments,
            "comment_form": comment_form,
            "digest_form": digest_form,
            "subscription": subscription,
            "can_edit": can_edit_report(membership, report),
            "can_duplicate": membership.has_role(Role.EDITOR),
            "is_admin": membership.has_role(Role.ADMIN),
            "live_links": report.share_links.filter(revoked_at__isnull=True).count(),
        },
        status=status,
    )


@workspace_view(min_role=Role.VIEWER)
@require_POST
def comment_post(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    membership = _membership(request)
    report = access_report(membership, report_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(membership=membership, report=report, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error.message_dict["body"])
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{request.path.rsplit('comments/', 1)[0]}#comments")
    subscription = DigestSubscription.objects.filter(report=report, user=membership.user).first()
    return _report_page(request, report, subscription, form, status=400)


@workspace_view(min_role=Role.VIEWER)
@require_POST
def comment_remove(request: WorkspaceRequest, report_id: int, comment_id: int) -> HttpResponse:
    membership = _membership(request)
    report = access_report(membership, report_id)
    comment = get_object_or_404(ReportComment.objects, pk=comment_id, report=report)
    comment_delete(membership=membership, comment=comment)
    messages.success(request, _("The comment was removed."))
    return _to_report(request, report)


@workspace_view(min_role=Role.VIEWER)
@require_POST
def digest_post(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    from kpiapp.services.digests import digest_subscribe, digest_unsubscribe

    membership = _membership(request)
    report = access_report(membership, report_id)
    subscription = DigestSubscription.objects.filter(report=report, user=membership.user).first()
    form = DigestForm(request.POST)
    if form.is_valid():
        cadence = form.cleaned_data["cadence"]
        if not cadence:
            if subscription:
                digest_unsubscribe(subscription=subscription)
            messages.success(request, _("You no longer receive this report by email."))
            return _to_report(request, report)
        try:
            digest_subscribe(membership=membership, report=report, cadence=cadence)
        except ValidationError as error:
            form.add_error("cadence", [m for ms in error.message_dict.values() for m in ms])
        else:
            messages.success(request, _("You will receive this report by email."))
            return _to_report(request, report)
    return _report_page(request, report, subscription, CommentForm(), form, status=400)


# --- exports ---------------------------------------------------------------------------------


def export_filename(report: Report, content: ReportContent, extension: str) -> str:
    name = slugify(report.title) or "report"
    return f"{name}-{content.today.isoformat()}.{extension}"


def csv_response(content: ReportContent, table: str) -> StreamingHttpResponse:
    from kpiapp.exports.report_csv import report_csv_lines

    report = content.report
    if table not in ("values", "targets"):
        table = "values"
    lines = report_csv_lines(content, language=report.language, table=table)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    suffix = "-targets" if table == "targets" else ""
    filename = export_filename(report, content, "csv").replace(".csv", f"{suffix}.csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(content: ReportContent) -> HttpResponse:
    from kpiapp.exports.report_pdf import report_pdf

    # The charts' annotations, their KPIs named in the report's language like the whole PDF.
    with translation.override(content.report.language):
        notes = notes_by_kpi(
            periods=content.periods, kpi_keys=[s.kpi.key for s in content.sections]
        )
    response = HttpResponse(report_pdf(content, notes=notes), content_type="application/pdf")
    filename = export_filename(content.report, content, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@workspace_view(min_role=Role.VIEWER)
def export_csv(request: WorkspaceRequest, report_id: int) -> StreamingHttpResponse:
    report = access_report(_membership(request), report_id)
    return csv_response(_content(request, report), request.GET.get("table", "values"))


@workspace_view(min_role=Role.VIEWER)
def export_pdf(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    report = access_report(_membership(request), report_id)
    return pdf_response(_content(request, report))


# --- share links -----------------------------------------------------------------------------


@workspace_view(min_role=Role.VIEWER)
def share_links_page(request: WorkspaceRequest, report_id: int) -> HttpResponse:
    """Create and revoke read-only links (the creator and admins). A new link's address is
    shown once, on the answer to the POST; only its hash is stored."""
    membership = _membership(request)
    report = access_report(membership, report_id, for_write=True)
    initial = {"expires_on": today_in(report.workspace.time_zone) + timedelta(days=DEFAULT_DAYS)}
    form = ShareLinkForm(request.POST or None, initial=initial)
    created_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            created = share_link_create(membership=membership, report=report, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            created_url = created.url
            form = ShareLinkForm(initial=initial)
    links = ShareLink.objects.filter(report=report).select_related("created_by", "workspace")
    return render(
        request,
        "kpiapp/share_links.html",
        {
            "nav": "reports",
            "report": report,
            "form": form,
            "links": links,
            "created_url": created_url,
        },
        status=400 if form.errors else 200,
    )


@workspace_view(min_role=Role.VIEWER)
@require_POST
def share_link_revoke_view(request: WorkspaceRequest, report_id: int, link_id: int) -> HttpResponse:
    membership = _membership(request)
    report = access_report(membership, report_id, for_write=True)
    link = get_object_or_404(ShareLink.objects, pk=link_id, report=report)
    share_link_revoke(membership=membership, link=link)
    messages.success(request, _("The link was revoked; it no longer opens the report."))
    return redirect("kpiapp:share_links", slug=request.workspace.slug, report_id=report.pk)
