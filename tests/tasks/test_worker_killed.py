"""A real prefork worker whose pool child is killed (SIGKILL) in the middle of an import's
write: the task is delivered again (`acks_late` + `reject_on_worker_lost`) and the import
completes once; the killed transaction left no rows behind (issue 15, item 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.celery import app as celery_app
from kpiapp.models import Account, ImportStatus
from kpiapp.pagecache.redis_client import RedisCache
from kpiapp.services import imports as service
from tests.conftest import membership_of

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")

ROWS = 60_000  # three write batches of 20,000: time to kill the child between them
CSV = b"external_id,name\n" + b"".join(f"K{i:06d},Kunde {i}\n".encode() for i in range(ROWS))
CELERY = Path(sys.executable).with_name("celery")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid follows the state
            found.append(int(stat.parent.name))
    return found


def _database_url() -> str:
    db = connection.settings_dict  # the test database
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def prefork_worker(transactional_db) -> Iterator[subprocess.Popen]:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail("KZ_REQUIRE_SERVICES=1 but PostgreSQL and Redis are not both set")
        pytest.skip("needs PostgreSQL and Redis (a worker process shares the test database)")
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    worker = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "kpiapp",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    celery_app.conf.task_always_eager = False  # the test's own tasks go to the broker
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            for child in _children(worker.pid):
                os.kill(child, signal.SIGKILL)
            worker.kill()
            worker.wait(10)


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.services
def test_a_killed_pool_child_mid_write_gets_the_import_delivered_again(
    prefork_worker, workspace, alice
):
    with workspace_scope(workspace.id):
        job = service.import_job_create(
            membership=membership_of(alice, workspace), kind="accounts", filename="k.csv", data=CSV
        )
        service.import_job_set_mapping(job=job, columns=job.columns, values={})

    def status() -> str:
        job.refresh_from_db()
        return job.status

    _wait(lambda: status() == ImportStatus.CHECKED, 120, "the check")
    assert job.result["error_count"] == 0
    # The worker writes its progress to the shared Redis cache; the test reads it there.
    shared = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "kennzahl"})
    with workspace_scope(workspace.id):
        service.import_job_start(job=job)
    progress_key = f"import-progress:{job.pk}"
    _wait(lambda: (shared.get(progress_key) or {}).get("phase") == "write", 120, "the write")
    children = _children(prefork_worker.pid)
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGKILL)  # inside the import's transaction

    _wait(lambda: status() in (ImportStatus.DONE, ImportStatus.FAILED), 120, "the redelivery")
    assert job.status == ImportStatus.DONE, job.result
    assert job.attempts == 2  # taken up twice: the killed delivery and the one after it
    assert job.result["created"] == ROWS
    with workspace_scope(workspace.id):
        assert Account.objects.count() == ROWS
    assert _children(prefork_worker.pid) != children  # the pool started a new child
