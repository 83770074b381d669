"""The segment filter bar that the dashboard, the KPI pages and the MRR movements share:
what the template `_segment_bar.html` needs, from the request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache

from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.pagecache.versions import page_version
from kpiapp.selectors.segments import (
    SEGMENT_PARAM,
    ActiveSegment,
    condition_name,
    segment_additions,
    segment_options,
    segment_values,
)

VALUES_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Chip:
    """An applied condition in words, and the address of the page without it."""

    text: str  # "country:DE"
    words: str  # "Land: Deutschland"
    href: str  # "?grain=month&segment=plan%3APro"


def segment_context(
    request: WorkspaceRequest,
    segment: ActiveSegment,
    *,
    keep: dict[str, str],
    kpi: KpiDefinition | None = None,
) -> dict[str, object]:
    """`keep`: the page's other parameters, carried by the picker, the conditions' links and
    forms, and the reset link."""
    kept = {name: value for name, value in keep.items() if value}
    after_save = {**kept, SEGMENT_PARAM: segment.text} if segment.conditions else kept
    options = segment_options(values=_values(request))
    listed = {s.text for s in options.saved} | {
        f"{dimension}:{value}" for dimension, values in options.values.items() for value in values
    }
    return {
        "segment": segment,
        # A segment of the address that the picker does not offer (e.g. a value without data)
        # is added to it, so the picker shows what the page shows.
        "segment_unlisted": bool(segment.conditions) and segment.text not in listed,
        "segment_keep": list(kept.items()),
        "segment_options": options,
        "segment_chips": [
            Chip(c.text, condition_name(c), _query(kept, segment.without(c)))
            for c in segment.conditions
        ],
        "segment_additions": segment_additions(segment, options),
        "segment_reset": _query(kept, ""),
        "segment_full": segment.full,
        "segment_missing": segment.missing(kpi) if kpi is not None else "",
        "segment_partly": segment.partly(kpi) if kpi is not None else "",
        "segment_next": f"{request.path}?{urlencode(after_save)}",
        "can_save_segment": request.membership.has_role(Role.EDITOR),
    }


def _query(kept: dict[str, str], text: str) -> str:
    """The page's address with the other parameters and segment `text` (none when empty)."""
    return "?" + urlencode({**kept, SEGMENT_PARAM: text} if text else kept)


def _values(request: WorkspaceRequest) -> dict[str, list[str]]:
    """The dimension values, read once per recompute (page_version) for every page."""
    workspace_id = request.workspace.id
    key = f"kz:segvalues:{workspace_id}:{page_version(workspace_id)}"
    values = cache.get(key)
    if values is None:
        values = segment_values()
        cache.set(key, values, VALUES_CACHE_SECONDS)
    return values
