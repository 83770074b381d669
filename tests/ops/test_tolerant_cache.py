"""The production cache answers a miss instead of raising while Redis cannot be reached."""

from __future__ import annotations

import pytest

from kpiapp.ops.tolerant_cache import TolerantRedisCache


def test_an_unreachable_redis_is_a_miss_and_writes_are_dropped():
    cache = TolerantRedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "t"})  # nothing listens
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    cache.set("k", 1)
    assert cache.set_many({"a": 1}) == []
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    cache.delete_many(["a"])
    assert cache.incr("n", 3) == 3
    assert cache.get_or_set("k", 7) == 7


@pytest.mark.django_db
def test_pages_are_served_from_the_database_while_redis_is_down(
    settings, workspace, alice, client_as
):
    settings.CACHES = {
        "default": {
            "BACKEND": "kpiapp.ops.tolerant_cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: Redis is down
        }
    }
    client = client_as(alice)
    for page in ("", "kpis/mrr/", "mrr/", "reports/", "data/accounts/"):
        assert client.get(f"/w/{workspace.slug}/{page}").status_code == 200, page
