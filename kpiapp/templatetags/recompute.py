"""{% recompute_banner %}: tells a workspace's admins and owners that its KPIs could not be
recomputed, until a later recompute succeeds."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Role, role_at_least
from accounts.tenancy import workspace_scope
from kpiapp.selectors.recompute import recompute_failed_at

register = template.Library()


@register.inclusion_tag("kpiapp/_recompute_banner.html", takes_context=True)
def recompute_banner(context: template.Context) -> dict[str, Any]:
    workspace = context.get("current_workspace")
    membership = context.get("current_membership")
    if workspace is None or membership is None or not role_at_least(membership.role, Role.ADMIN):
        return {}
    with workspace_scope(workspace.id):
        return {"failed_at": recompute_failed_at(), "workspace": workspace}
