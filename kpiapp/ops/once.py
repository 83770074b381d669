"""A fan-out task delivered twice (Redis redelivers a message whose worker died before the
acknowledgement, with the same task id) enqueues its work once: the first delivery of a task
id is noted in the cache (Redis) for two days."""

from __future__ import annotations

from django.core.cache import cache

KEEP_SECONDS = 2 * 24 * 3600


def first_delivery(task_id: str | None) -> bool:
    if not task_id:
        return True
    key = f"task-delivered:{task_id}"
    if cache.add(key, 1, timeout=KEEP_SECONDS):
        return True
    # Not added: seen before, or the cache is unreachable (then the work runs: it is safe to
    # repeat, only not free).
    return not cache.has_key(key)
