"""Versions for cached pages and page parts: one per workspace (every change that moves what
its pages show bumps it: a recompute, a target, a benchmark, a setting, a member) and one per
user (their name, language and list of workspaces, shown in the page header). A cached entry's
key holds the versions it was made under, so a bump makes it unreachable, never stale.

A version starts at the current time in microseconds, not at 1: if the cache evicts a version
but keeps entries made under it, the new version cannot meet them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest


def _key(kind: str, id_: int) -> str:
    return f"kz:pages:{kind}:{id_}"


def _fresh() -> int:
    return time.time_ns() // 1000


def _versions(*keys: str, also: Sequence[str] = ()) -> tuple[list[int], dict[str, Any]]:
    """The versions under `keys` (made where missing) and whatever `also` names is cached,
    in one round trip when the versions exist."""
    found = cache.get_many([*keys, *also])
    for key in keys:
        if key not in found:
            cache.add(key, _fresh(), timeout=None)  # a concurrent first reader may win
            # None: the cache is unreachable (Redis restarting); a version never used before
            # serves the page from the database.
            found[key] = cache.get(key) or _fresh()
    return [int(found[key]) for key in keys], {k: found[k] for k in also if k in found}


class VersionedRequest(HttpRequest):
    """A page's request with the workspace's page version its numbers were read under (set by
    @cached_page or @versioned_page, shown by `{% live_status %}`)."""

    page_version: int


def page_version(workspace_id: int) -> int:
    return _versions(_key("w", workspace_id))[0][0]


def page_versions(
    workspace_id: int, user_id: int, also: Sequence[str] = ()
) -> tuple[int, int, dict[str, Any]]:
    """The workspace's and the user's version, and the cached entries `also` names."""
    (workspace, user), entries = _versions(_key("w", workspace_id), _key("u", user_id), also=also)
    return workspace, user, entries


def _bump(key: str) -> None:
    def bump() -> None:
        try:
            cache.incr(key)
        except ValueError:  # not there (yet): any new value is new
            cache.set(key, _fresh(), timeout=None)

    transaction.on_commit(bump)


def pages_changed(workspace_id: int) -> None:
    """Bump the workspace's version once the current transaction commits."""
    _bump(_key("w", workspace_id))


def user_pages_changed(user_id: int) -> None:
    """Bump the user's version once the current transaction commits."""
    _bump(_key("u", user_id))
