"""Writes on saved reports and their comments: create, change, duplicate, delete, comment.

Every write validates the whole report first (`report_clean`), so a form, the API and a
template give the same errors, and a bad request changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditAction, Membership
from accounts.roles import Role
from accounts.services import audit
from kpiapp.kpis.periods import GRAINS
from kpiapp.kpis.ranges import RangeError, check_range
from kpiapp.kpis.registry import DIMENSION_NAMES
from kpiapp.kpis.segments import SegmentError, segment_parse, segment_text
from kpiapp.models import Comparison, RangeKind, Report, ReportComment, Visibility
from kpiapp.selectors.kpi_lookup import workspace_kpis

MAX_SECTIONS = 20
MAX_NOTE = 2000

# The review cadence (PRODUCT.md capability 6): what a team looks at each month, quarter, year.
REPORT_TEMPLATES: dict[str, dict[str, Any]] = {
    "monthly": {
        "title": gettext_lazy("Monthly review"),
        "grain": "month",
        "range_kind": RangeKind.LAST_N_MONTHS,
        "range_months": 12,
        "comparison": Comparison.PREVIOUS,
        "include_targets": False,
        "kpis": [
            "mrr",
            "mrr_net_new",
            "mrr_churn_rate",
            "customer_churn_rate",
            "customers_new",
            "visitor_to_lead_rate",
            "lead_to_customer_rate",
            "win_rate",
        ],
    },
    "quarterly": {
        "title": gettext_lazy("Quarterly review"),
        "grain": "quarter",
        "range_kind": RangeKind.LAST_N_MONTHS,
        "range_months": 12,
        "comparison": Comparison.PREVIOUS,
        "include_targets": True,
        "kpis": [
            "mrr",
            "nrr",
            "grr",
            "cac",
            "clv_cac_ratio",
            "cac_payback_months",
            "win_rate",
            "avg_deal_size",
        ],
    },
    "annual": {
        "title": gettext_lazy("Annual review"),
        "grain": "year",
        "range_kind": RangeKind.LAST_N_MONTHS,
        "range_months": 36,
        "comparison": Comparison.PREVIOUS,
        "include_targets": False,
        "kpis": [
            "arr",
            "customers_active",
            "nrr",
            "customer_churn_rate",
            "cac",
            "clv",
            "clv_cac_ratio",
            "nps",
        ],
    },
}
TEMPLATE_NAMES = {key: t["title"] for key, t in REPORT_TEMPLATES.items()}

FIELDS = (
    "title",
    "visibility",
    "language",
    "grain",
    "range_kind",
    "range_months",
    "start_period",
    "end_period",
    "dimension",
    "dimension_value",
    "segment",
    "comparison",
    "include_targets",
    "sections",
    "template",
)


def template_values(key: str, *, language: str) -> dict[str, Any]:
    """A new report's fields from a review template (KeyError for an unknown one)."""
    spec = REPORT_TEMPLATES[key]
    with translation.override(language):
        title = str(spec["title"])
    return {
        "title": title,
        "visibility": Visibility.SHARED,
        "language": language,
        "grain": spec["grain"],
        "range_kind": spec["range_kind"],
        "range_months": spec["range_months"],
        "start_period": "",
        "end_period": "",
        "dimension": "",
        "dimension_value": "",
        "segment": "",
        "comparison": spec["comparison"],
        "include_targets": spec["include_targets"],
        "sections": [{"kpi": k, "note": ""} for k in spec["kpis"]],
        "template": key,
    }


def _clean_sections(raw: Any, known: set[str], errors: dict[str, list[str]]) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors["sections"] = [_("Choose at least one KPI.")]
        return []
    if len(raw) > MAX_SECTIONS:
        errors["sections"] = [_("A report shows at most %(n)d KPIs.") % {"n": MAX_SECTIONS}]
        return []
    sections, seen = [], set()
    for index, item in enumerate(raw, start=1):
        key = item.get("kpi") if isinstance(item, dict) else None
        note = item.get("note", "") if isinstance(item, dict) else ""
        if not isinstance(key, str) or key not in known:
            errors.setdefault("sections", []).append(
                _("Section %(n)d: there is no KPI “%(key)s”.") % {"n": index, "key": key}
            )
            continue
        if key in seen:
            errors.setdefault("sections", []).append(
                _("Section %(n)d: “%(key)s” is already in the report.") % {"n": index, "key": key}
            )
            continue
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            errors.setdefault("sections", []).append(
                _("Section %(n)d: a note is text of at most %(max)d characters.")
                % {"n": index, "max": MAX_NOTE}
            )
            continue
        seen.add(key)
        sections.append({"kpi": key, "note": note.strip()})
    return sections


def _choice(data: dict, field: str, allowed: Any, errors: dict, default: str) -> str:
    value = data.get(field, default)
    if value not in allowed:
        errors[field] = [_("“%(value)s” is not a valid choice.") % {"value": value}]
    return value


SEGMENT_LENGTH = Report._meta.get_field("segment").max_length or 300


def _clean_segment(data: dict[str, Any], clean: dict[str, Any], errors: dict) -> None:
    """A segment of one condition becomes the report's filter (the filter fields are empty
    or the same); a segment of several conditions leaves the filter empty (the report reads
    what the KPI pages show for it) and cannot go with one."""
    try:
        conditions = segment_parse(str(data.get("segment") or ""))
    except SegmentError as error:
        errors["segment"] = [str(error)]
        conditions = ()
    clean["segment"] = segment_text(conditions)
    if not conditions:
        return
    if len(clean["segment"]) > SEGMENT_LENGTH:
        errors["segment"] = [_("This segment is too long for a report: use fewer conditions.")]
        return
    if len(conditions) > 1:
        if clean["dimension"]:
            errors["segment"] = [_("Choose a segment or a filter, not both.")]
        return
    condition = conditions[0]
    if clean["dimension"] and (clean["dimension"], clean["dimension_value"]) != (
        condition.dimension,
        condition.value,
    ):
        errors["segment"] = [_("Choose a segment or a filter, not both.")]
        return
    clean["dimension"], clean["dimension_value"] = condition.dimension, condition.value


def report_clean(data: dict[str, Any], *, language: str) -> dict[str, Any]:
    """The report's fields, checked together; ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the report a title.")]
    elif len(title) > 200:
        errors["title"] = [_("A title has at most 200 characters.")]
    clean: dict[str, Any] = {
        "title": title,
        "visibility": _choice(data, "visibility", Visibility.values, errors, Visibility.SHARED),
        "language": _choice(data, "language", ("de", "en"), errors, language),
        "grain": _choice(data, "grain", GRAINS, errors, "month"),
        "range_kind": _choice(data, "range_kind", RangeKind.values, errors, RangeKind.ABSOLUTE),
        "comparison": _choice(data, "comparison", Comparison.values, errors, Comparison.PREVIOUS),
        "include_targets": bool(data.get("include_targets", False)),
        "template": data.get("template", "") if data.get("template") in REPORT_TEMPLATES else "",
    }
    months = data.get("range_months")
    is_n = clean["range_kind"] == RangeKind.LAST_N_MONTHS
    clean["range_months"] = months if is_n else None
    is_absolute = clean["range_kind"] == RangeKind.ABSOLUTE
    clean["start_period"] = str(data.get("start_period") or "").strip() if is_absolute else ""
    clean["end_period"] = str(data.get("end_period") or "").strip() if is_absolute else ""
    if is_n and not isinstance(months, int):
        errors["range_months"] = [_("Choose from 1 to 120 months.")]
    elif not errors.keys() & {"grain", "range_kind"}:
        try:
            check_range(
                kind=clean["range_kind"],
                months=clean["range_months"],
                start=clean["start_period"],
                end=clean["end_period"],
                grain=clean["grain"],
            )
        except RangeError as error:
            errors.setdefault(error.field, []).append(error.message)
    dimension = str(data.get("dimension") or "")
    value = str(data.get("dimension_value") or "").strip()
    if dimension and dimension not in DIMENSION_NAMES:
        errors["dimension"] = [_("“%(value)s” is not a valid choice.") % {"value": dimension}]
    elif dimension and not value:
        errors["dimension_value"] = [_("Name the value to filter by, or remove the filter.")]
    clean["dimension"], clean["dimension_value"] = dimension, value if dimension else ""
    _clean_segment(data, clean, errors)
    known = {k.key for k in workspace_kpis()}
    clean["sections"] = _clean_sections(data.get("sections"), known, errors)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def report_create(*, membership: Membership, data: dict[str, Any]) -> Report:
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied("Editors create reports.")
    clean = report_clean(data, language=membership.workspace.language)
    now = timezone.now()
    return Report.objects.create(
        owner=membership.user, updated_by=membership.user, created_at=now, updated_at=now, **clean
    )


@transaction.atomic
def report_update(*, membership: Membership, report: Report, data: dict[str, Any]) -> Report:
    """Change a report (the caller checked the right with `access_report(for_write=True)`).
    Making a report private again revokes its share links: they exist only for shared ones."""
    merged = {f: getattr(report, f) for f in FIELDS} | data
    if report.segment and "segment" in data and "dimension" not in data:
        merged |= {"dimension": "", "dimension_value": ""}  # the old segment's filter
    clean = report_clean(merged, language=report.language)
    for field, value in clean.items():
        setattr(report, field, value)
    report.updated_at, report.updated_by = timezone.now(), membership.user
    report.save()
    if not report.is_shared:
        from kpiapp.services.share_links import share_links_revoke_all

        share_links_revoke_all(membership=membership, report=report)
    return report


@transaction.atomic
def report_duplicate(*, membership: Membership, report: Report) -> Report:
    """A private copy owned by the member, without comments, links or subscriptions."""
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied("Editors duplicate reports.")
    data = {f: getattr(report, f) for f in FIELDS}
    data["title"] = (_("Copy of %(title)s") % {"title": report.title})[:200]
    data["visibility"] = Visibility.PRIVATE
    return report_create(membership=membership, data=data)


@transaction.atomic
def report_delete(*, membership: Membership, report: Report) -> None:
    audit(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.REPORT_DELETED,
        subject=report.title,
    )
    report.delete()


def comment_add(*, membership: Membership, report: Report, body: str) -> ReportComment:
    """Anyone who can read the report comments on it (viewers too)."""
    text = body.strip()
    if not text:
        raise ValidationError({"body": [_("Write a comment first.")]})
    if len(text) > 4000:
        raise ValidationError({"body": [_("A comment has at most 4,000 characters.")]})
    return ReportComment.objects.create(report=report, author=membership.user, body=text)


def comment_delete(*, membership: Membership, comment: ReportComment) -> None:
    """The author and admins remove a comment."""
    if comment.author_id != membership.user_id and not membership.has_role(Role.ADMIN):
        raise PermissionDenied("Only the author and admins remove a comment.")
    comment.delete()
