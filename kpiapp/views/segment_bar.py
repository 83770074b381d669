"""The segment filter bar that the dashboard, the KPI pages and the MRR movements share:
what the template `_segment_bar.html` needs, from the request."""

from __future__ import annotations

from urllib.parse import urlencode

from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.selectors.segments import SEGMENT_PARAM, ActiveSegment, segment_options


def segment_context(
    request: WorkspaceRequest,
    segment: ActiveSegment,
    *,
    keep: dict[str, str],
    kpi: KpiDefinition | None = None,
) -> dict[str, object]:
    """`keep`: the page's other parameters, carried by the picker and the reset link."""
    kept = {name: value for name, value in keep.items() if value}
    after_save = {**kept, SEGMENT_PARAM: segment.text} if segment.conditions else kept
    return {
        "segment": segment,
        "segment_keep": list(kept.items()),
        "segment_options": segment_options(),
        "segment_missing": segment.missing(kpi) if kpi is not None else "",
        "segment_next": f"{request.path}?{urlencode(after_save)}",
        "can_save_segment": request.membership.has_role(Role.EDITOR),
    }
