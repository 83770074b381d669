"""{% live_status %}: "As of 3 s ago" on a page that updates itself (static/js/live.js keeps
it current and swaps the page's `data-live` parts when the workspace's numbers change)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from accounts.tenancy import workspace_scope
from kpiapp.selectors.live import live_state

register = template.Library()


@register.inclusion_tag("kpiapp/_live_status.html", takes_context=True)
def live_status(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    workspace = context.get("current_workspace")
    version = getattr(request, "page_version", None)
    if workspace is None or version is None:
        return {}
    with workspace_scope(workspace.id):
        state = live_state(workspace.id)
    return {
        "version": str(version),  # the one the page's numbers were read under, not the latest
        "computed_at": state.computed_at,
        "pending": state.pending,
        "url": reverse("kpiapp:live", args=[workspace.slug]),
    }
