"""Counters shared by every process (web, workers), kept in the cache: Redis in production,
so `/metrics` on any web node reports what all workers did. A counter that cannot be written
is dropped (metrics never break the work they count); after a Redis restart the counters start
again from zero, which Prometheus reads as a counter reset."""

from __future__ import annotations

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

PREFIX = "metrics:"


def count(name: str, amount: int = 1) -> None:
    key = PREFIX + name
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)
    except Exception:
        log.debug("counter %s not written", name, exc_info=True)


def record(name: str, value: float) -> None:
    """A last value (a gauge), e.g. the rows per second of the latest import."""
    try:
        cache.set(PREFIX + name, value, timeout=None)
    except Exception:
        log.debug("gauge %s not written", name, exc_info=True)


def read(names: list[str]) -> dict[str, float]:
    try:
        found = cache.get_many([PREFIX + name for name in names])
    except Exception:
        log.debug("counters not read", exc_info=True)
        return {}
    return {key.removeprefix(PREFIX): value for key, value in found.items()}
