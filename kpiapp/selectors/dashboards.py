"""A workspace's dashboards: which exist, which one an address shows, and its tiles.

A workspace that never saved a dashboard (created after the data migration, nobody edited
its tiles yet) has one unsaved default with the standard selection; the services save it
on the first change, so reading a page never writes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Workspace
from accounts.roles import Role
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import CustomKpi, Dashboard
from kpiapp.selectors.tiles import DEFAULT_PINNED


def default_dashboard_name(workspace: Workspace) -> str:
    with translation.override(workspace.language):
        return _("Overview")


def workspace_dashboards(workspace: Workspace) -> list[Dashboard]:
    """Every dashboard, the default first, then in the order they were made."""
    saved = sorted(Dashboard.objects.all(), key=lambda d: (not d.is_default, d.id))
    if saved:
        return saved
    return [Dashboard(workspace=workspace, name=default_dashboard_name(workspace), is_default=True)]


def dashboard_shown(dashboards: list[Dashboard], dashboard_id: int | None) -> Dashboard:
    """The one an address names (404 if none of the workspace's), or the default."""
    if dashboard_id is None:
        return dashboards[0]
    for dashboard in dashboards:
        if dashboard.pk == dashboard_id:
            return dashboard
    raise Http404("No such dashboard")


def access_dashboard(
    membership: Membership, dashboard_id: int, *, for_write: bool = False
) -> Dashboard:
    """A saved dashboard of the member's workspace (404 otherwise); with `for_write`, 403
    below editors."""
    dashboard = Dashboard.objects.filter(pk=dashboard_id).first()
    if dashboard is None:
        raise Http404("No such dashboard")
    if for_write and not membership.has_role(Role.EDITOR):
        raise PermissionDenied("Only editors change dashboards.")
    return dashboard


def dashboard_kpis(dashboard: Dashboard) -> tuple[str, ...]:
    """Its tiles' KPI keys in order, those that still exist; none: the standard selection."""
    keys = [str(k) for k in dashboard.kpis or []]
    known = set(KPI_BY_KEY)
    if any(k.startswith("custom_") for k in keys):  # one query, if any
        known |= set(CustomKpi.objects.values_list("key", flat=True))
    chosen = tuple(k for k in keys if k in known)
    return chosen or DEFAULT_PINNED
