"""`/healthz` (the process answers) and `/readyz` (it can serve: database and Redis reachable,
every migration applied), for load balancers and orchestrators: no login, and the answer names
only the failing check, never a host, an address or an error text."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


_migrated = False


def _migrations() -> bool:
    """Every migration this code knows is applied. Once true it stays true for the process
    (a deploy that adds migrations starts new processes); loading the graph takes a while."""
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def _redis() -> bool:
    if not settings.REDIS_URL:
        return True  # the embedded default has no Redis to reach
    from redis import Redis

    client = Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    finally:
        client.close()


CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "migrations": _migrations,
    "redis": _redis,
}


def failing_check() -> str | None:
    """The name of the first check that fails, or None when the process can serve."""
    for name, check in CHECKS.items():
        try:
            if check():
                continue
        except Exception:  # the failure is the answer; its details go to the log only
            log.warning("readiness check %s failed", name, exc_info=True)
        return name
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    failing = failing_check()
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok"})
