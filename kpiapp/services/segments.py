"""Saved segments: editors save a name with its conditions and delete it. Audited; the cached
pages are made anew (their filter bar lists the saved segments)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from accounts.roles import Role
from kpiapp.kpis.segments import SegmentError, segment_parse
from kpiapp.models import Segment
from kpiapp.pagecache.versions import pages_changed

NAME_MAX = Segment._meta.get_field("name").max_length or 60


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter a name for the segment.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("The name can have at most %(n)s characters.") % {"n": NAME_MAX}}
        )
    if Segment.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A segment with this name already exists.")})
    return name


@transaction.atomic
def segment_create(*, membership: Membership, name: str, text: str) -> Segment:
    """Save `text` (`country:DE;plan:Pro`) under `name`; at least one condition."""
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied
    try:
        conditions = segment_parse(text)
    except SegmentError as error:
        raise ValidationError({"conditions": str(error)}) from None
    if not conditions:
        raise ValidationError({"conditions": _("Choose at least one condition for the segment.")})
    segment = Segment.objects.create(
        workspace_id=membership.workspace_id,
        name=_clean_name(name),
        conditions=[{"dimension": c.dimension, "value": c.value} for c in conditions],
    )
    _audit(membership, AuditAction.SEGMENT_CREATED, segment)
    return segment


@transaction.atomic
def segment_delete(*, membership: Membership, segment: Segment) -> None:
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied
    segment.delete()
    _audit(membership, AuditAction.SEGMENT_DELETED, segment)


def _audit(membership: Membership, action: str, segment: Segment) -> None:
    audit_record(
        workspace=membership.workspace, actor=membership.user, action=action, subject=segment.name
    )
    pages_changed(membership.workspace_id)
