"""Setting, removing and copying quarterly targets; every change is recorded in its history."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Workspace
from accounts.tenancy import current_workspace_id
from kpiapp.kpis.periods import Period
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.kpis.target_rules import (
    DEFAULT_RATE_BASIS,
    MONTHLY_MEAN,
    QUARTER_VALUE,
    doubts,
    is_compared_directly,
)
from kpiapp.models import KpiSnapshot, Target, TargetChange
from kpiapp.pagecache.versions import pages_changed
from kpiapp.plausibility import DATE_WINDOW, month_in_window, target_problem
from kpiapp.selectors.kpi_lookup import workspace_kpi
from kpiapp.selectors.targets import dimension_choices
from kpiapp.templatetags.kpi_format import kpi_value


def _check(kpi_key: str, quarter: Period, dimension: str, value: Decimal) -> KpiDefinition:
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
    return kpi


NEEDS_CONFIRMATION = "needs_confirmation"  # the error's code: the person may confirm it


def _reference(kpi: KpiDefinition, key: dict[str, Any], quarter: Period) -> Decimal | None:
    """The value a new target is held against for the doubts: a stock's or rate's value at the
    quarter's start (the month before's), a flow's sum over the quarter before."""
    if kpi.kind == "flow":
        grain, start = "quarter", quarter.previous().start
    else:
        grain, start = "month", Period("month", quarter.first_month - 1).start
    snapshot = KpiSnapshot.objects.filter(
        kpi_key=kpi.key, dimension=key["dimension"], dimension_value=key["dimension_value"],
        grain=grain, period_start=start,
    ).first()  # fmt: skip
    return snapshot.value if snapshot else None


def _doubt(kpi: KpiDefinition, key: dict[str, Any], quarter: Period, value: Decimal) -> None:
    """Refuse a target that looks like a slip (met on day one, more than 10× away) unless the
    person confirmed it; the message names the value it was held against."""
    reference = _reference(kpi, key, quarter)
    found = doubts(kind=kpi.kind, direction=kpi.direction, target=value, reference=reference)
    if not found:
        return
    currency = Workspace.objects.get(pk=current_workspace_id()).currency
    shown = {"value": kpi_value(reference, kpi.unit, currency)}
    if found[0] == "met_on_day_one":
        if reference is None:
            message = _("This target is met from the quarter's first day. Confirm to keep it.")
        else:
            message = (
                _(
                    "This target is already met at the quarter's start (%(value)s). "
                    "Confirm to keep it."
                )
                % shown
            )
    else:
        message = (
            _(
                "This target is more than ten times away from the current value (%(value)s). "
                "Confirm to keep it."
            )
            % shown
        )
    raise ValidationError({"value": ValidationError(message, code=NEEDS_CONFIRMATION)})


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
        rate_basis=target.rate_basis,
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
    rate_basis: str = DEFAULT_RATE_BASIS,
    confirmed: bool = True,
) -> Target:
    """Set (or change) the target of a KPI for a quarter, optionally for one dimension value.
    Unless `confirmed`, a target that looks like a slip is refused with a message to confirm."""
    kpi = _check(kpi_key, quarter, dimension, value)
    if dimension and dimension_value and dimension_value not in dimension_choices(dimension):
        raise ValidationError({"dimension_value": _("Choose one of the values your data has.")})
    if rate_basis not in (QUARTER_VALUE, MONTHLY_MEAN) or not is_compared_directly(kpi.kind):
        rate_basis = DEFAULT_RATE_BASIS
    key = {
        "kpi_key": kpi_key,
        "quarter_start": quarter.start,
        "dimension": dimension,
        "dimension_value": dimension_value if dimension else "",
    }
    old = Target.objects.select_for_update().filter(**key).first()
    if old is not None and (old.value, old.note, old.rate_basis) == (value, note, rate_basis):
        return old
    if not confirmed and (old is None or old.value != value):
        _doubt(kpi, key, quarter, value)
    target = old or Target(workspace_id=current_workspace_id(), **key)
    before = Target(value=old.value, note=old.note) if old else None
    target.value, target.note, target.rate_basis = value, note, rate_basis
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
        details=_keys(target),
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
        details=_keys(target),
    )
    pages_changed(target.workspace_id)
    target.delete()


def _raised(value: Decimal, unit: str, percent: Decimal) -> Decimal:
    """`value` changed by `percent`, kept to what the unit can hold (counts whole, money in
    cents)."""
    raised = value * (1 + percent / 100)
    places = {"count": Decimal(1), "money": Decimal("0.01")}.get(unit, Decimal("0.000001"))
    return raised.quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Copied:
    copied: int
    skipped: list[str]  # KPIs whose raised target would be implausible, by name


@transaction.atomic
def targets_copy(
    *, membership: Membership, source: Period, into: Period, percent: Decimal | None = None
) -> Copied:
    """Copy the targets of `source` into `into`, optionally changed by `percent`, leaving those
    already set there; a target that the change would make implausible is left out."""
    existing = set(
        Target.objects.filter(quarter_start=into.start).values_list(
            "kpi_key", "dimension", "dimension_value"
        )
    )
    copied, skipped = 0, []
    for target in Target.objects.filter(quarter_start=source.start):
        if (target.kpi_key, target.dimension, target.dimension_value) in existing:
            continue
        kpi = workspace_kpi(target.kpi_key)
        if kpi is None:
            continue
        value = _raised(target.value, kpi.unit, percent) if percent else target.value
        try:
            target_set(
                membership=membership,
                kpi_key=target.kpi_key,
                quarter=into,
                value=value,
                dimension=target.dimension,
                dimension_value=target.dimension_value,
                note=target.note,
                rate_basis=target.rate_basis,
            )
        except ValidationError:
            skipped.append(str(kpi.name))
            continue
        copied += 1
    return Copied(copied, skipped)


@transaction.atomic
def target_restore(*, membership: Membership, change: TargetChange) -> Target:
    """Undo a change from the history: a removed target comes back, a changed one gets its
    previous value, note and basis again."""
    if change.action == TargetChange.Action.SET or change.old_value is None:
        raise ValidationError(_("Only a change or a removal can be undone."))
    return target_set(
        membership=membership,
        kpi_key=change.kpi_key,
        quarter=Period.of_start("quarter", change.quarter_start),
        value=change.old_value,
        dimension=change.dimension,
        dimension_value=change.dimension_value,
        note=change.old_note,
        rate_basis=change.rate_basis or DEFAULT_RATE_BASIS,
    )
