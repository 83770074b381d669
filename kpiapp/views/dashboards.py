"""/w/<slug>/dashboards/ and …/<id>/edit/: editors make dashboards, rename and delete them,
choose the default, and add, remove and order the tiles. Plain forms, one POST per button,
so everything works without scripts."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.models import Dashboard
from kpiapp.selectors.dashboards import access_dashboard, dashboard_kpis, workspace_dashboards
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.services import dashboard as service


@workspace_view(min_role=Role.EDITOR)
def dashboard_list(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's dashboards, and a form for a new one."""
    membership = request.membership
    if request.method == "POST":
        try:
            dashboard = service.dashboard_create(
                membership=membership, name=request.POST.get("name", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("kpiapp:dashboards", slug=membership.workspace.slug)
        created = _("The dashboard “%(name)s” was created.") % {"name": dashboard.name}
        messages.success(request, created)
        return redirect(
            "kpiapp:dashboard_edit", slug=membership.workspace.slug, dashboard_id=dashboard.pk
        )
    dashboards = workspace_dashboards(membership.workspace)
    return render(
        request,
        "kpiapp/dashboards.html",
        {
            "nav": "dashboard",
            "dashboards": [(d, len(dashboard_kpis(d))) for d in dashboards],
            "name_max": service.NAME_MAX,
        },
    )


Action = Callable[[WorkspaceRequest, Dashboard], str]


def _rename(request: WorkspaceRequest, dashboard: Dashboard) -> str:
    service.dashboard_rename(
        membership=request.membership, dashboard=dashboard, name=request.POST.get("name", "")
    )
    return _("The dashboard was renamed.")


def _default(request: WorkspaceRequest, dashboard: Dashboard) -> str:
    service.dashboard_make_default(membership=request.membership, dashboard=dashboard)
    return _("“%(name)s” is now the dashboard shown first.") % {"name": dashboard.name}


def _add(request: WorkspaceRequest, dashboard: Dashboard) -> str:
    service.dashboard_tile_add(
        membership=request.membership, dashboard=dashboard, key=request.POST.get("kpi", "")
    )
    return _("The KPI was added.")


def _remove(request: WorkspaceRequest, dashboard: Dashboard) -> str:
    service.dashboard_tile_remove(
        membership=request.membership, dashboard=dashboard, key=request.POST.get("kpi", "")
    )
    return _("The KPI was removed from the dashboard.")


def _move(step: int) -> Action:
    def move(request: WorkspaceRequest, dashboard: Dashboard) -> str:
        service.dashboard_tile_move(
            membership=request.membership,
            dashboard=dashboard,
            key=request.POST.get("kpi", ""),
            step=step,
        )
        return ""  # the list shows the new order; no message needed

    return move


def _place(request: WorkspaceRequest, dashboard: Dashboard) -> str:
    """A tile dropped before another (or at the end): static/js/tile_order.js."""
    service.dashboard_tile_place(
        membership=request.membership,
        dashboard=dashboard,
        key=request.POST.get("kpi", ""),
        before=request.POST.get("before", ""),
    )
    return ""  # the list shows the new order


ACTIONS: dict[str, Action] = {
    "rename": _rename,
    "default": _default,
    "add": _add,
    "remove": _remove,
    "up": _move(-1),
    "down": _move(1),
    "place": _place,
}


@workspace_view(min_role=Role.EDITOR)
def dashboard_edit(request: WorkspaceRequest, dashboard_id: int) -> HttpResponse:
    membership = request.membership
    slug = membership.workspace.slug
    dashboard = access_dashboard(membership, dashboard_id, for_write=True)
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("This change is not possible here."))
        else:
            try:
                done = action(request, dashboard)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if done:
                    messages.success(request, done)
        return redirect("kpiapp:dashboard_edit", slug=slug, dashboard_id=dashboard.pk)
    shown = dashboard_kpis(dashboard)
    names = {k.key: k.name for k in workspace_kpis()}
    return render(
        request,
        "kpiapp/dashboard_edit.html",
        {
            "nav": "dashboard",
            "dashboard": dashboard,
            "tiles": [(key, names.get(key, key)) for key in shown],
            "addable": [(key, name) for key, name in names.items() if key not in shown],
            "name_max": service.NAME_MAX,
            "can_delete": Dashboard.objects.exclude(pk=dashboard.pk).exists(),
        },
    )


@workspace_view(min_role=Role.EDITOR)
def dashboard_delete(request: WorkspaceRequest, dashboard_id: int) -> HttpResponse:
    membership = request.membership
    slug = membership.workspace.slug
    dashboard = access_dashboard(membership, dashboard_id, for_write=True)
    if request.method != "POST":
        return redirect("kpiapp:dashboard_edit", slug=slug, dashboard_id=dashboard.pk)
    try:
        service.dashboard_delete(membership=membership, dashboard=dashboard)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("kpiapp:dashboard_edit", slug=slug, dashboard_id=dashboard.pk)
    deleted = _("The dashboard “%(name)s” was deleted.") % {"name": dashboard.name}
    messages.success(request, deleted)
    return redirect("kpiapp:dashboards", slug=slug)
