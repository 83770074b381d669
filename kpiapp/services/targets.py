"""Setting, removing and copying quarterly targets; every change is recorded in its history."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from accounts.tenancy import current_workspace_id
from kpiapp.kpis.periods import Period
from kpiapp.models import Target, TargetChange
from kpiapp.pagecache.versions import pages_changed
from kpiapp.plausibility import DATE_WINDOW, month_in_window, target_problem
from kpiapp.selectors.kpi_lookup import workspace_kpi


def _check(kpi_key: str, quarter: Period, dimension: str, value: Decimal) -> None:
    if quarter.grain != "quarter":
        raise ValidationError({"quarter": _("Targets are set per quarter.")})
    if not month_in_window(quarter.first_month):
        raise ValidationError({"quarter": str(DATE_WINDOW)})
    kpi = workspace_kpi(kpi_key)
    if kpi is None:
        raise ValidationError({"kpi_key": _("There is no such KPI.")})
    if dimension and dimension not in kpi.dimensions:
        raise ValidationError({"dimension": _("This KPI does not break down by that.")})
    if not value.is_finite():
        raise ValidationError({"value": _("Enter a number.")})
    problem = target_problem(kpi.key, kpi.unit, value)
    if problem:
        raise ValidationError({"value": problem})


def _record(
    target: Target, membership: Membership, action: str, old: Target | None, new: Target | None
) -> None:
    TargetChange.objects.create(
        kpi_key=target.kpi_key,
        quarter_start=target.quarter_start,
        dimension=target.dimension,
        dimension_value=target.dimension_value,
        action=action,
        old_value=old.value if old else None,
        new_value=new.value if new else None,
        old_note=old.note if old else "",
        new_note=new.note if new else "",
        changed_by=membership.user,
    )


def _text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _label(target: Target) -> str:
    """What the audit log names a target by: KPI, quarter and the dimension value if any."""
    start = target.quarter_start
    label = f"{target.kpi_key} {start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{label} ({target.dimension_value})" if target.dimension_value else label


def _keys(target: Target) -> dict[str, str]:
    """The target's KPI and quarter in the audit detail, for the log to name them in words."""
    start = target.quarter_start
    keys = {"kpi": target.kpi_key, "quarter": f"{start.year}-Q{(start.month - 1) // 3 + 1}"}
    return keys | ({"dimension_value": target.dimension_value} if target.dimension_value else {})


@transaction.atomic
def target_set(
    *,
    membership: Membership,
    kpi_key: str,
    quarter: Period,
    value: Decimal,
    dimension: str = "",
    dimension_value: str = "",
    note: str = "",
) -> Target:
    """Set (or change) the target of a KPI for a quarter, optionally for one dimension value."""
    _check(kpi_key, quarter, dimension, value)
    key = {
        "kpi_key": kpi_key,
        "quarter_start": quarter.start,
        "dimension": dimension,
        "dimension_value": dimension_value if dimension else "",
    }
    old = Target.objects.select_for_update().filter(**key).first()
    if old is not None and old.value == value and old.note == note:
        return old
    target = old or Target(workspace_id=current_workspace_id(), **key)
    before = Target(value=old.value, note=old.note) if old else None
    target.value, target.note = value, note
    target.updated_at, target.updated_by = timezone.now(), membership.user
    target.full_clean(exclude=["workspace"])
    target.save()
    action = TargetChange.Action.CHANGED if old else TargetChange.Action.SET
    _record(target, membership, action, before, target)
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=f"target.{action}",
        subject=_label(target),
        old=_text(before.value) if before else None,
        new=_text(value),
        **_keys(target),
    )
    pages_changed(target.workspace_id)
    return target


@transaction.atomic
def target_remove(*, membership: Membership, target: Target) -> None:
    _record(target, membership, TargetChange.Action.REMOVED, target, None)
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.TARGET_REMOVED,
        subject=_label(target),
        old=_text(target.value),
        **_keys(target),
    )
    pages_changed(target.workspace_id)
    target.delete()


@transaction.atomic
def targets_copy(*, membership: Membership, source: Period, into: Period) -> int:
    """Copy the targets of `source` into `into`, leaving those already set there; returns how
    many were copied."""
    existing = set(
        Target.objects.filter(quarter_start=into.start).values_list(
            "kpi_key", "dimension", "dimension_value"
        )
    )
    copied = 0
    for target in Target.objects.filter(quarter_start=source.start):
        if (target.kpi_key, target.dimension, target.dimension_value) in existing:
            continue
        target_set(
            membership=membership,
            kpi_key=target.kpi_key,
            quarter=into,
            value=target.value,
            dimension=target.dimension,
            dimension_value=target.dimension_value,
            note=target.note,
        )
        copied += 1
    return copied
