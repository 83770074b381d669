"""Django's Redis cache, reusing one `redis.Redis` client per connection pool.

Django's client builds a new `redis.Redis` for every call; setting up its response callbacks
costs about half a millisecond, more than a round trip to a local Redis. A client is
thread-safe and its pool is fork-safe, so one per pool serves every call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

if TYPE_CHECKING:

    class _DjangoClient(DjangoRedisCacheClient):
        """The parts of Django's client this one reuses, which the stubs leave out."""

        _client: Any  # the `redis.Redis` class

        def _get_connection_pool(self, write: bool) -> Any: ...

else:
    _DjangoClient = DjangoRedisCacheClient


class RedisCacheClient(_DjangoClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
