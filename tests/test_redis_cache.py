"""The production cache (`pagecache.redis_client.RedisCache`) against a real Redis, when
REDIS_URL is set: it stores and reads like Django's, and reuses one client per connection pool."""

from __future__ import annotations

import os
import uuid

from django.conf import settings

import pytest

from kpiapp.pagecache.redis_client import RedisCache

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def redis_cache() -> RedisCache:
    if not settings.REDIS_URL:
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail("KZ_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("needs REDIS_URL (a real Redis)")
    return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"kz-test-{uuid.uuid4().hex}"})


@pytest.mark.services
def test_it_reads_and_writes_like_djangos_and_keeps_its_client(redis_cache):
    redis_cache.set("page", ((1, 2), "<html>"), 60)
    assert redis_cache.add("version", 5, None) and not redis_cache.add("version", 6, None)
    assert redis_cache.incr("version") == 6
    assert redis_cache.get_many(["page", "version", "missing"]) == {
        "page": ((1, 2), "<html>"),
        "version": 6,
    }
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.delete_many(["page", "version"])
    assert redis_cache.get("page") is None
