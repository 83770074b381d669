"""A version per workspace for cached page parts: every change that moves what the dashboard
shows (a recompute, a target, a benchmark, a setting) bumps it, so cached parts are never stale.
It lives in the same cache as the parts, so a cache that is cleared loses both together."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction


def _key(workspace_id: int) -> str:
    return f"kz:pages:{workspace_id}"


def page_version(workspace_id: int) -> int:
    return int(cache.get_or_set(_key(workspace_id), 1, timeout=None))


def pages_changed(workspace_id: int) -> None:
    """Bump the version once the current transaction commits."""

    def bump() -> None:
        try:
            cache.incr(_key(workspace_id))
        except ValueError:  # not there (yet): any new value is new
            cache.set(_key(workspace_id), 2, timeout=None)

    transaction.on_commit(bump)
