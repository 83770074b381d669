"""Annotations: editors add, change and delete them; each change is audited and refreshes
the cached pages, whose charts draw them.

Problems are raised as a `ValidationError` keyed by the names the form and the API use
("date", "text", "kpi_key"), so each shows its message beside its own field; nothing is
written then."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from accounts.roles import Role
from kpiapp.models import Annotation
from kpiapp.models.annotations import TEXT_MAX
from kpiapp.pagecache.versions import pages_changed
from kpiapp.plausibility import DATE_WINDOW, in_window
from kpiapp.selectors.kpi_lookup import workspace_kpi


def _checked(
    day: date | None, text: str, kpi_key: str, *, kept_key: str = ""
) -> tuple[date, str, str]:
    """The values cleaned, or a ValidationError. `kept_key` is the KPI an annotation already
    has: an own KPI deleted since does not stop a change of the date or text."""
    errors: dict[str, list[str]] = {}
    text = " ".join((text or "").split())  # one line: it is a label on a chart
    kpi_key = (kpi_key or "").strip()
    if day is None:
        errors["date"] = [_("Enter a date.")]
    elif not in_window(day):
        errors["date"] = [str(DATE_WINDOW)]
    if not text:
        errors["text"] = [_("Enter a text.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)s characters.") % {"n": TEXT_MAX}]
    if kpi_key and kpi_key != kept_key and workspace_kpi(kpi_key) is None:
        errors["kpi_key"] = [_("There is no such KPI.")]
    if errors:
        raise ValidationError(errors)
    assert day is not None  # noqa: S101 (narrowed above: a missing date is an error)
    return day, text, kpi_key


def _editor(membership: Membership) -> None:
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied


@transaction.atomic
def annotation_create(
    *, membership: Membership, day: date | None, text: str, kpi_key: str = ""
) -> Annotation:
    """An editor notes what happened on a day, for one KPI or (no key) every chart."""
    _editor(membership)
    day, text, kpi_key = _checked(day, text, kpi_key)
    note = Annotation.objects.create(
        day=day, text=text, kpi_key=kpi_key, created_by=membership.user
    )
    _audit(membership, AuditAction.ANNOTATION_ADDED, note)
    pages_changed(membership.workspace_id)
    return note


@transaction.atomic
def annotation_update(
    *, membership: Membership, annotation: Annotation, day: date | None, text: str, kpi_key: str
) -> Annotation:
    _editor(membership)
    day, text, kpi_key = _checked(day, text, kpi_key, kept_key=annotation.kpi_key)
    before = (annotation.day, annotation.text, annotation.kpi_key)
    if before == (day, text, kpi_key):
        return annotation  # nothing changed: nothing to audit
    annotation.day, annotation.text, annotation.kpi_key = day, text, kpi_key
    annotation.updated_at = timezone.now()
    annotation.save(update_fields=["day", "text", "kpi_key", "updated_at"])
    _audit(membership, AuditAction.ANNOTATION_CHANGED, annotation, old_text=before[1])
    pages_changed(membership.workspace_id)
    return annotation


@transaction.atomic
def annotation_delete(*, membership: Membership, annotation: Annotation) -> None:
    _editor(membership)
    _audit(membership, AuditAction.ANNOTATION_DELETED, annotation)
    annotation.delete()
    pages_changed(membership.workspace_id)


def _audit(membership: Membership, action: str, note: Annotation, **extra: object) -> None:
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=action,
        subject=note.text,
        object_type="annotation",
        day=note.day.isoformat(),
        kpi=note.kpi_key,
        details=extra,
    )
