"""Gives each pytest-xdist worker its own Redis database, loaded with `-p` before Django's
settings are read (pytest-django reads them before any conftest).

Tests with a real Celery worker share the broker's queues: on one Redis database, the worker of
one xdist process took the tasks of the other's test. With `gwN` on database base + N (modulo
Redis's 16), each process has its queues, locks and cache to itself. PostgreSQL needs nothing:
pytest-django already gives each worker its own test database.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def redis_url_for_worker(url: str, worker: str) -> str:
    """`url` with its database number moved by the worker's index (`gw3` -> +3)."""
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base + index) % REDIS_DATABASES}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)
