"""A fixed-window counter in the cache, for guessing that must slow down (share links'
tokens and passwords). With Redis the count is shared by every worker."""

from __future__ import annotations

import time

from django.core.cache import cache


def _bucket(name: str, window: int) -> tuple[str, int]:
    now = int(time.time())
    start = now - now % window
    return f"rl:{name}:{start}", start + window - now


def blocked_for(name: str, *, limit: int, window: int) -> int | None:
    """Seconds until `name` may try again, or None while it is under `limit` in this window."""
    key, remaining = _bucket(name, window)
    count = cache.get(key, 0)
    return max(1, remaining) if count >= limit else None


def count_failure(name: str, *, window: int) -> None:
    key, remaining = _bucket(name, window)
    if not cache.add(key, 1, timeout=remaining + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=remaining + 1)
