"""The production cache, tolerant of a Redis outage: a call that cannot reach Redis answers as
a cache miss (reads) or a no-op (writes) instead of raising, so pages are served from the
database while Redis is restarted. Login-attempt counts are not kept while it is down (they
live in Redis); the outage is logged, at most once per `LOG_EVERY` seconds per process."""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kpiapp.pagecache.redis_client import RedisCache

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
LOG_EVERY = 30.0
_last_logged = 0.0


def _unreachable(operation: str) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY:
        _last_logged = now
        log.warning("cache unreachable (%s): serving without it", operation, exc_info=True)


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        # Fail fast instead of holding a request for the client's default timeouts.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 2)
        super().__init__(server, params)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            _unreachable("get")
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            _unreachable("get_many")
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNREACHABLE:
            _unreachable("has_key")
            return False

    def set(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().set(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("set")

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        try:
            return super().set_many(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("set_many")
            return []

    def add(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().add(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("add")
            return False

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().touch(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("touch")
            return False

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().delete(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("delete")
            return False

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().delete_many(*args, **kwargs)
        except UNREACHABLE:
            _unreachable("delete_many")

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            _unreachable("incr")
            return delta  # as if it were the first
