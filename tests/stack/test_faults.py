"""Faults against the running stack (issue 21, item 3), each a test with real processes:
a worker SIGKILLed mid-recompute, a worker SIGKILLed mid-import, Redis stopped and started
again, PostgreSQL connections dropped. (Duplicate deliveries: tests/tasks/
test_duplicate_delivery.py.) The stack runs with a 6 s lease, 2 s heartbeat, 3 s sweep and a
10 s import staleness (tests/stack/conftest.py); production defaults are 30/10/20 s and 15 min."""

from __future__ import annotations

import re
import signal
import threading
import time

import psycopg
import pytest
import requests

from tests.stack.browser import Browser
from tests.stack.conftest import OWNER, PASSWORD, Stack, stop, wait_for
from tests.stack.data import accounts_csv, subscriptions_csv

# One xdist process runs them all, in order, on one stack (later tests use what earlier made).
pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

WORKERS = ("worker1", "worker2")
SNAPSHOTS = (
    "SELECT kpi_key, grain, period_start, dimension, dimension_value, value, reason "
    "FROM kpiapp_kpisnapshot WHERE workspace_id = %s AND (kpi_key LIKE 'mrr%%' "
    "OR kpi_key IN ('arr', 'arpa')) "
    "ORDER BY kpi_key, grain, period_start, dimension, dimension_value"
)


def _workspace_with_data(stack: Stack, slug: str, accounts: int) -> int:
    stack.manage("create_workspace", slug, "--name", slug.title(), "--owner", OWNER,
                 "--password", PASSWORD, "--language", "en")  # fmt: skip
    path = stack.tmp / f"{slug}-accounts.csv"
    path.write_text(accounts_csv(accounts))
    stack.manage("import_csv", "--workspace", slug, "--kind", "accounts", str(path))
    workspace_id = stack.workspace_id(slug)
    wait_for(lambda: _clean(stack, workspace_id), 60, "the first recompute")
    return workspace_id


def _state(stack: Stack, workspace_id: int) -> tuple:
    rows = stack.sql(
        "SELECT dirty_since, started_at, finished_at, run_count FROM kpiapp_recomputestate "
        "WHERE workspace_id = %s",
        (workspace_id,),
    )
    return rows[0] if rows else (None, None, None, 0)


def _clean(stack: Stack, workspace_id: int) -> bool:
    dirty_since, _, finished_at, _ = _state(stack, workspace_id)
    return dirty_since is None and finished_at is not None


def _kill_worker(stack: Stack, name: str) -> None:
    """SIGKILL the worker's main process and its pool child: a machine lost, no goodbye."""
    stop(stack.processes.pop(name), signal.SIGKILL, wait=10)


def test_a_worker_killed_mid_recompute_is_finished_by_the_other_within_a_minute(stack: Stack):
    workspace_id = _workspace_with_data(stack, "bigco", 6000)
    runs_before = _state(stack, workspace_id)[3]
    path = stack.tmp / "bigco-subscriptions.csv"
    path.write_text(subscriptions_csv(6000))
    offsets = stack.log_sizes(*WORKERS)
    # The recompute is quick: a lock on the snapshots holds its swap (reads pass, its delete
    # waits) so that the worker is killed inside the recompute, not after it.
    with psycopg.connect(stack.database_url) as holder:
        holder.execute("LOCK TABLE kpiapp_kpisnapshot IN EXCLUSIVE MODE")
        stack.manage("import_csv", "--workspace", "bigco", "--kind", "subscriptions", str(path))
        wait_for(lambda: _state(stack, workspace_id)[1] is not None, 60, "the claim", every=0.05)
        worker = wait_for(
            lambda: stack.worker_that_received("recompute_workspace", offsets), 10, "the worker"
        )
        _kill_worker(stack, worker)
        killed_at = time.monotonic()
        assert _state(stack, workspace_id)[0] is not None, "the recompute ended before the kill"
        holder.rollback()  # the killed worker's transaction ends when its delete finds no client

    wait_for(lambda: _clean(stack, workspace_id), 60, "the other worker's recompute")
    recovered = time.monotonic() - killed_at
    stack.timings["recompute recovered after the kill"] = recovered
    assert recovered < 60
    assert _state(stack, workspace_id)[3] == runs_before + 1  # one finished run, not two
    after_recovery = stack.sql(SNAPSHOTS, (workspace_id,))
    assert after_recovery
    doubled = stack.sql(
        "SELECT kpi_key FROM kpiapp_kpisnapshot WHERE workspace_id = %s GROUP BY kpi_key, "
        "grain, period_start, dimension, dimension_value HAVING count(*) > 1",
        (workspace_id,),
    )
    assert doubled == []
    # Nothing lost: the revenue KPIs the change touched are those a recompute from scratch
    # gives. (Only those: a scoped recompute leaves the "no data" periods of KPIs it did not
    # touch as they were.)
    stack.manage("recompute_kpis", "--workspace", "bigco")
    assert stack.sql(SNAPSHOTS, (workspace_id,)) == after_recovery
    stack.start_worker(worker)


def test_a_worker_killed_mid_import_fails_the_job_with_a_message_and_writes_nothing(
    stack: Stack,
):
    stack.manage("create_workspace", "importco", "--name", "Importco", "--owner", OWNER,
                 "--password", PASSWORD, "--language", "en")  # fmt: skip
    workspace_id = stack.workspace_id("importco")
    a, b = stack.web["node_a"], stack.web["node_b"]
    browser = Browser()
    assert browser.submit(a, "/accounts/login/", {"username": OWNER, "password": PASSWORD},
                          follow=False).status_code == 302  # fmt: skip
    rows = 60_000  # three write batches: time to kill the worker between them
    data = ("external_id,name\n" + "".join(f"K{i:06d},Kunde {i}\n" for i in range(rows))).encode()
    upload = browser.submit(a, "/w/importco/data/accounts/import/", {"preset": ""},
                            files={"file": ("big.csv", data, "text/csv")})  # fmt: skip
    job_id = int(re.search(r"/import/(\d+)/", upload.url).group(1))
    job = f"/w/importco/data/accounts/import/{job_id}/"
    browser.submit(a, job, {"col_0": "external_id", "col_1": "name"})
    wait_for(lambda: browser.get(b, f"{job}status/").json()["status"] == "checked", 120, "check")
    offsets = stack.log_sizes(*WORKERS)
    # The import is quick: a lock on the accounts table holds its first write batch (its COPY
    # waits for the lock) so that the worker is killed inside the write, not after it.
    with psycopg.connect(stack.database_url) as holder:
        holder.execute("LOCK TABLE kpiapp_account IN SHARE MODE")
        browser.submit(a, job, {}, action_contains="/start/")

        def writing() -> bool:
            return browser.get(b, f"{job}status/").json()["progress"].get("phase") == "write"

        wait_for(writing, 120, "the write", every=0.05)
        worker = stack.worker_that_received("run_import", offsets)
        assert worker, "no worker took the import"
        _kill_worker(stack, worker)
        holder.rollback()  # the killed worker's transaction ends when its COPY finds no client

    # Beat's sweep (every 5 minutes in production) fails a job without a heartbeat; run now.
    time.sleep(11)  # IMPORT_STALE_SECONDS in the stack
    assert (
        stack.shell("from kpiapp.tasks import fail_stale_imports; print(fail_stale_imports())")
        == "1"
    )
    answer = browser.get(b, f"{job}status/").json()
    assert answer["status"] == "failed"
    page = browser.get(b, job).text
    assert "The import stopped responding" in page and "Nothing was imported" in page
    count = stack.sql("SELECT count(*) FROM kpiapp_account WHERE workspace_id = %s",
                      (workspace_id,))[0][0]  # fmt: skip
    assert count == 0  # all or nothing: the killed transaction wrote nothing
    stack.start_worker(worker)


def _mrr(stack: Stack, workspace_id: int) -> str | None:
    rows = stack.sql(
        "SELECT value FROM kpiapp_kpisnapshot WHERE workspace_id = %s AND kpi_key = 'mrr' "
        "AND grain = 'month' AND period_start = '2026-10-01' AND dimension = ''",
        (workspace_id,),
    )
    return str(rows[0][0]) if rows else None


def test_redis_stopped_during_a_recompute_the_web_answers_and_the_work_is_recovered(stack: Stack):
    workspace_id = _workspace_with_data(stack, "redisco", 3000)
    a, b = stack.web["node_a"], stack.web["node_b"]
    browser = Browser()
    assert browser.submit(a, "/accounts/login/", {"username": OWNER, "password": PASSWORD},
                          follow=False).status_code == 302  # fmt: skip
    assert browser.get(b, "/w/redisco/kpis/mrr/").status_code == 200
    path = stack.tmp / "redisco-subscriptions.csv"
    path.write_text(subscriptions_csv(3000))
    # A lock on the snapshots holds the recompute's swap (as above) until Redis is gone: a
    # recompute of 3,000 accounts could otherwise end between two looks at its claim.
    with psycopg.connect(stack.database_url) as holder:
        holder.execute("LOCK TABLE kpiapp_kpisnapshot IN EXCLUSIVE MODE")
        stack.manage("import_csv", "--workspace", "redisco", "--kind", "subscriptions", str(path))
        wait_for(lambda: _state(stack, workspace_id)[1] is not None, 60, "the claim", every=0.05)
        stop(stack.processes.pop("redis"))  # Redis goes away in the middle of the recompute
        holder.rollback()
    for port in (a, b):
        for page in ("/w/redisco/", "/w/redisco/kpis/mrr/", "/w/redisco/data/accounts/"):
            assert browser.get(port, page).status_code == 200, page
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert (ready.status_code, ready.json()) == (
            503,
            {"status": "unavailable", "failing": "redis"},
        )
    # The running recompute finishes on its own (its claim lives in the database).
    wait_for(lambda: _clean(stack, workspace_id), 60, "the recompute without Redis")
    mrr = _mrr(stack, workspace_id)
    assert mrr is not None and float(mrr) > 0

    # A change while Redis is down is saved; its recompute cannot be queued yet.
    more = stack.tmp / "redisco-more.csv"
    more.write_text(
        "external_id,account,amount,interval,started_at\nX1,A00001,1000,month,2026-01-01\n"
    )
    stack.manage("import_csv", "--workspace", "redisco", "--kind", "subscriptions", str(more))
    assert _state(stack, workspace_id)[0] is not None  # pending

    stack.start_redis()
    stack.wait_ready()
    # The nightly fan-out (or the next change) recovers the pending work.
    stack.shell("from kpiapp.tasks import recompute_all_workspaces as t; t.delay()")
    wait_for(lambda: _clean(stack, workspace_id), 90, "the recovered recompute")
    assert float(_mrr(stack, workspace_id)) == pytest.approx(float(mrr) + 1000)


def test_dropped_database_connections_give_at_most_an_error_page_never_a_500_loop(
    stack: Stack,
):
    a, b = stack.web["node_a"], stack.web["node_b"]
    browser = Browser()
    assert browser.submit(a, "/accounts/login/", {"username": OWNER, "password": PASSWORD},
                          follow=False).status_code == 302  # fmt: skip
    answers: list[requests.Response] = []

    def load(port: int) -> None:
        answers.extend(browser.get(port, "/w/bigco/kpis/mrr/") for _ in range(5))

    threads = [threading.Thread(target=load, args=(port,)) for port in (a, b, a, b)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    database = stack.database_url.rsplit("/", 1)[1]
    dropped = stack.sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    )[0][0]
    for thread in threads:
        thread.join()
    assert dropped > 0
    for answer in answers:  # in flight: the page, or the error page (never a traceback)
        assert answer.status_code in (200, 500)
        if answer.status_code == 500:
            assert "Something went wrong" in answer.text
    # Afterwards every process answers again: no loop of errors on a dead connection.
    for _ in range(6):
        for port in (a, b):
            assert browser.get(port, "/w/bigco/kpis/mrr/").status_code == 200
    assert requests.get(f"http://127.0.0.1:{a}/readyz", timeout=10).status_code == 200
