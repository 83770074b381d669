"""Dashboards: several per workspace, each with its tiles in order, one the default. Editors
create, rename, delete (not the last one), choose the default, and choose and order the
tiles. Every change is audited and makes the cached dashboard pages anew."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Workspace
from kpiapp.models import Dashboard
from kpiapp.pagecache.versions import pages_changed
from kpiapp.selectors.dashboards import dashboard_kpis, default_dashboard_name
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.tiles import DEFAULT_PINNED

NAME_MAX = Dashboard._meta.get_field("name").max_length or 60


def _audit(
    membership: Membership,
    action: str,
    dashboard: Dashboard,
    change: tuple[object, object] | None = None,
) -> None:
    """One audit event (with the old and new value of a change), and the pages made anew."""
    workspace, actor, subject = membership.workspace, membership.user, dashboard.name
    if change is None:
        audit_record(workspace=workspace, actor=actor, action=action, subject=subject)
    else:
        old, new = change
        audit_record(
            workspace=workspace, actor=actor, action=action, subject=subject, old=old, new=new
        )
    pages_changed(membership.workspace_id)


def _clean_name(name: str, *, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Enter a name for the dashboard."))
    if len(name) > NAME_MAX:
        raise ValidationError(_("The name can have at most %(n)s characters.") % {"n": NAME_MAX})
    taken = Dashboard.objects.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(_("A dashboard with this name already exists."))
    return name


def default_dashboard_ensure(workspace: Workspace) -> Dashboard:
    """The saved default dashboard; saves the standard one if the workspace has none yet."""
    found = Dashboard.objects.filter(is_default=True).first()
    if found is not None:
        return found
    return Dashboard.objects.create(
        workspace=workspace,
        name=default_dashboard_name(workspace),
        kpis=list(DEFAULT_PINNED),
        is_default=True,
    )


@transaction.atomic
def dashboard_create(*, membership: Membership, name: str) -> Dashboard:
    """A new dashboard with the standard selection of tiles (the default stays the same)."""
    default_dashboard_ensure(membership.workspace)
    dashboard = Dashboard.objects.create(
        workspace=membership.workspace,
        name=_clean_name(name),
        kpis=list(DEFAULT_PINNED),
        is_default=False,
    )
    _audit(membership, AuditAction.DASHBOARD_CREATED, dashboard)
    return dashboard


@transaction.atomic
def dashboard_rename(*, membership: Membership, dashboard: Dashboard, name: str) -> Dashboard:
    new = _clean_name(name, exclude=dashboard.pk)
    old = dashboard.name
    if new == old:
        return dashboard
    dashboard.name = new
    dashboard.save(update_fields=["name"])
    _audit(membership, AuditAction.DASHBOARD_RENAMED, dashboard, (old, new))
    return dashboard


@transaction.atomic
def dashboard_delete(*, membership: Membership, dashboard: Dashboard) -> Dashboard:
    """Delete a dashboard, never the last; deleting the default makes the oldest other one
    the default. Returns the default afterwards."""
    others = Dashboard.objects.select_for_update().exclude(pk=dashboard.pk).order_by("id")
    successor = others.first()
    if successor is None:
        raise ValidationError(_("The last dashboard cannot be deleted."))
    was_default = dashboard.is_default
    dashboard.delete()
    _audit(membership, AuditAction.DASHBOARD_DELETED, dashboard)
    if was_default:
        successor.is_default = True
        successor.save(update_fields=["is_default"])
        return successor
    return Dashboard.objects.get(is_default=True)


@transaction.atomic
def dashboard_make_default(*, membership: Membership, dashboard: Dashboard) -> Dashboard:
    if dashboard.is_default:
        return dashboard
    Dashboard.objects.select_for_update().filter(is_default=True).update(is_default=False)
    dashboard.is_default = True
    dashboard.save(update_fields=["is_default"])
    _audit(membership, AuditAction.DASHBOARD_DEFAULT, dashboard)
    return dashboard


def _set_tiles(membership: Membership, dashboard: Dashboard, keys: list[str]) -> Dashboard:
    old = list(dashboard.kpis or [])
    if keys == old:
        return dashboard
    dashboard.kpis = keys
    dashboard.save(update_fields=["kpis"])
    _audit(membership, AuditAction.DASHBOARD_TILES, dashboard, (old, keys))
    return dashboard


@transaction.atomic
def dashboard_tiles_set(
    *, membership: Membership, dashboard: Dashboard, keys: list[str]
) -> Dashboard:
    """Choose the tiles: those already shown keep their order, new ones follow in the
    catalogue's order."""
    known = [k.key for k in workspace_kpis()]
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError(_("Unknown KPIs: %(keys)s") % {"keys": ", ".join(unknown)})
    if not keys:
        raise ValidationError(_("Choose at least one KPI."))
    shown = [k for k in dashboard_kpis(dashboard) if k in keys]
    added = [k for k in known if k in keys and k not in shown]
    return _set_tiles(membership, dashboard, shown + added)


@transaction.atomic
def dashboard_tile_add(*, membership: Membership, dashboard: Dashboard, key: str) -> Dashboard:
    """Add one tile at the end."""
    if key not in {k.key for k in workspace_kpis()}:
        raise ValidationError(_("Choose a KPI from the list."))
    keys = list(dashboard_kpis(dashboard))
    if key in keys:
        raise ValidationError(_("This KPI is already on the dashboard."))
    return _set_tiles(membership, dashboard, [*keys, key])


@transaction.atomic
def dashboard_tile_remove(*, membership: Membership, dashboard: Dashboard, key: str) -> Dashboard:
    keys = list(dashboard_kpis(dashboard))
    if key not in keys:
        raise ValidationError(_("This KPI is not on the dashboard."))
    if len(keys) == 1:
        raise ValidationError(_("A dashboard shows at least one KPI."))
    return _set_tiles(membership, dashboard, [k for k in keys if k != key])


@transaction.atomic
def dashboard_tile_move(
    *, membership: Membership, dashboard: Dashboard, key: str, step: int
) -> Dashboard:
    """Move a tile one place up (`step` −1) or down (+1); at either end it stays."""
    keys = list(dashboard_kpis(dashboard))
    if key not in keys or step not in (-1, 1):
        raise ValidationError(_("This KPI is not on the dashboard."))
    at = keys.index(key)
    to = at + step
    if 0 <= to < len(keys):
        keys[at], keys[to] = keys[to], keys[at]
    return _set_tiles(membership, dashboard, keys)


@transaction.atomic
def dashboard_tile_place(
    *, membership: Membership, dashboard: Dashboard, key: str, before: str
) -> Dashboard:
    """Put a tile just before another one (`before`), or last when `before` is empty: where
    it was dropped. Naming the neighbour rather than sending the whole order keeps a tile
    another editor added meanwhile."""
    keys = list(dashboard_kpis(dashboard))
    if key not in keys or (before and before not in keys):
        raise ValidationError(_("This KPI is not on the dashboard."))
    if before == key:
        return dashboard
    keys.remove(key)
    keys.insert(keys.index(before) if before else len(keys), key)
    return _set_tiles(membership, dashboard, keys)


def dashboards_drop_kpi(key: str) -> None:
    """An own KPI was deleted: take its tile off every dashboard (in the caller's
    transaction; the caller audits the deletion and bumps the pages)."""
    for dashboard in Dashboard.objects.all():
        if key in (dashboard.kpis or []):
            dashboard.kpis = [k for k in dashboard.kpis if k != key]
            dashboard.save(update_fields=["kpis"])
