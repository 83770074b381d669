"""Defining, changing and removing the team's own KPIs (KPIS.md section 6)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.services import audit
from accounts.tenancy import current_workspace_id
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import CustomKpi, KpiSnapshot, Target, TeamBenchmark
from kpiapp.pagecache.versions import pages_changed
from kpiapp.services.dashboard import dashboards_drop_kpi
from kpiapp.services.snapshots import recompute_request

KEY_LENGTH = CustomKpi._meta.get_field("key").max_length or 60


def key_from_name(name: str) -> str:
    """custom_<name as lower-case ASCII words joined by "_">, free in the workspace."""
    words = slugify(name).replace("-", "_").strip("_") or "kpi"
    base = f"custom_{words}"[:KEY_LENGTH].rstrip("_")
    key, n = base, 2
    while CustomKpi.objects.filter(key=key).exists():
        suffix = f"_{n}"
        key, n = base[: KEY_LENGTH - len(suffix)] + suffix, n + 1
    return key


@transaction.atomic
def custom_kpi_create(
    *,
    membership: Membership,
    name: str,
    unit: str,
    direction: str,
    aggregation: str,
    key: str = "",
) -> CustomKpi:
    name = name.strip()
    key = key.strip() or key_from_name(name)
    if key in KPI_BY_KEY:  # cannot happen with the prefix, but keys are a contract
        raise ValidationError({"key": _("This key belongs to a built-in KPI.")})
    if CustomKpi.objects.filter(key=key).exists():
        raise ValidationError({"key": _("The workspace already has a KPI with this key.")})
    kpi = CustomKpi(
        workspace_id=current_workspace_id(),
        key=key,
        name=name,
        unit=unit,
        direction=direction,
        aggregation=aggregation,
    )
    kpi.full_clean(exclude=["workspace"])
    kpi.save()
    audit(
        workspace=membership.workspace,
        actor=membership.user,
        action="custom_kpi.created",
        subject=key,
        name=name,
    )
    pages_changed(kpi.workspace_id)
    return kpi


@transaction.atomic
def custom_kpi_update(
    *,
    membership: Membership,
    kpi: CustomKpi,
    name: str,
    unit: str,
    direction: str,
    aggregation: str,
) -> CustomKpi:
    """Change what a KPI is called and how it is shown and aggregated; its key stays."""
    recompute = (unit, aggregation) != (kpi.unit, kpi.aggregation)  # rounding or quarter values
    kpi.name, kpi.unit, kpi.direction, kpi.aggregation = name.strip(), unit, direction, aggregation
    kpi.full_clean(exclude=["workspace"])
    kpi.save()
    audit(
        workspace=membership.workspace,
        actor=membership.user,
        action="custom_kpi.changed",
        subject=kpi.key,
        name=kpi.name,
        unit=unit,
        aggregation=aggregation,
    )
    if recompute:
        recompute_request(kinds={"custom_kpi_values"})
    pages_changed(kpi.workspace_id)
    return kpi


@transaction.atomic
def custom_kpi_delete(*, membership: Membership, kpi: CustomKpi) -> None:
    """Remove the KPI with its values, snapshots, targets, team benchmarks and dashboard tile.
    The targets' history stays, as history."""
    key = kpi.key
    workspace = membership.workspace
    KpiSnapshot.objects.filter(kpi_key=key).delete()
    Target.objects.filter(kpi_key=key).delete()
    TeamBenchmark.objects.filter(kpi_key=key).delete()
    dashboards_drop_kpi(key)
    kpi.delete()
    audit(workspace=workspace, actor=membership.user, action="custom_kpi.deleted", subject=key)
    pages_changed(workspace.id)
