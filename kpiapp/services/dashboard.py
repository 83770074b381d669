"""Which KPIs the dashboard shows as tiles (editors choose; empty means the default set)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Workspace
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import CustomKpi
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.tiles import DEFAULT_PINNED


def pinned_kpis(workspace: Workspace) -> tuple[str, ...]:
    known = set(KPI_BY_KEY)
    if any(k.startswith("custom_") for k in workspace.pinned_kpis or []):  # one query, if any
        known |= set(CustomKpi.objects.values_list("key", flat=True))
    chosen = tuple(k for k in (workspace.pinned_kpis or []) if k in known)
    return chosen or DEFAULT_PINNED


@transaction.atomic
def pinned_kpis_set(*, membership: Membership, keys: list[str]) -> tuple[str, ...]:
    known = [k.key for k in workspace_kpis()]
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError(_("Unknown KPIs: %(keys)s") % {"keys": ", ".join(unknown)})
    if not keys:
        raise ValidationError(_("Choose at least one KPI."))
    workspace = membership.workspace
    old = list(workspace.pinned_kpis or [])
    workspace.pinned_kpis = [k for k in known if k in keys]  # in the catalogue's order
    workspace.save(update_fields=["pinned_kpis"])
    audit_record(
        workspace=workspace,
        actor=membership.user,
        action=AuditAction.WORKSPACE_PINNED_KPIS,
        old=old,
        new=workspace.pinned_kpis,
    )
    return tuple(workspace.pinned_kpis)
