"""Scale-out of the nightly recompute: 200 generated workspaces of mixed sizes, the real
fan-out task (one recompute task per workspace on the "recompute" queue), consumed first by 1
and then by 2 Celery worker processes. Prints the wall times and their ratio, checks that each
workspace was computed exactly once (none twice, none skipped), and estimates the nightly time
for 10,000 workspaces per number of workers from the measured per-workspace cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kennzahl_scaleout \\
    REDIS_URL=redis://127.0.0.1:6379/9 python bench/scaleout.py [--workspaces 200] [--workers 1 2]

Needs PostgreSQL and Redis (workers are separate processes). The database is created and
migrated if missing and the workspaces are reused when they are there (`--rebuild` makes them
again). The queues of that Redis database are emptied before each run.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_scaleout")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import psycopg  # noqa: E402


def ensure_database() -> None:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from redis import Redis  # noqa: E402

from accounts.models import Workspace  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.celery import app  # noqa: E402
from kpiapp.imports.mapping import parse_options  # noqa: E402
from kpiapp.models import RecomputeState  # noqa: E402
from kpiapp.services.imports import data_import  # noqa: E402
from kpiapp.tasks import recompute_all_workspaces  # noqa: E402

PREFIX = "scale-"
CELERY = Path(sys.executable).with_name("celery")
# Mixed sizes (accounts with one subscription each): most customers of a B2B tool are small.
SIZES = [(0.70, 20), (0.25, 150), (0.05, 800)]


def _size(rng: random.Random) -> int:
    roll, total = rng.random(), 0.0
    for share, size in SIZES:
        total += share
        if roll < total:
            return size
    return SIZES[-1][1]


def _csvs(n: int, rng: random.Random) -> tuple[bytes, bytes]:
    channels = ["Paid ads", "Organic", "Referral", "Events"]
    accounts = ["external_id,name,channel,created_at"]
    subs = ["external_id,account,amount,interval,started_at,ended_at"]
    for i in range(n):
        year, month = rng.randint(2023, 2026), rng.randint(1, 9)
        accounts.append(f"A{i},Kunde {i},{rng.choice(channels)},{year}-0{month}-01")
        ended = f"{year + 1}-0{month}-01" if year < 2026 and rng.random() < 0.3 else ""
        subs.append(f"S{i},A{i},{rng.randint(20, 900)},month,{year}-0{month}-01,{ended}")
    return "\n".join(accounts).encode(), "\n".join(subs).encode()


def build(count: int, rebuild: bool) -> list[int]:
    existing = Workspace.objects.filter(slug__startswith=PREFIX)
    if rebuild:
        for workspace in existing:
            workspace.delete()
    elif existing.count() == count:
        return list(existing.values_list("id", flat=True))
    else:
        existing.delete()
    rng = random.Random(21)
    started = time.perf_counter()
    app.conf.task_always_eager = False
    for index in range(count):
        workspace = Workspace.objects.create(
            name=f"Scale {index}", slug=f"{PREFIX}{index:04d}", language="en"
        )
        accounts, subs = _csvs(_size(rng), rng)
        with workspace_scope(workspace.id):
            for kind, data in (("accounts", accounts), ("subscriptions", subs)):
                result = data_import(workspace=workspace, kind=kind, data=data, preset=None,
                                     mapping=parse_options([], []), dry_run=False)  # fmt: skip
                if not result.ok:
                    raise SystemExit(f"generated data refused: {result.errors[:3]}")
    print(f"built {count} workspaces in {time.perf_counter() - started:.0f} s")
    return list(Workspace.objects.filter(slug__startswith=PREFIX).values_list("id", flat=True))


def purge_queues() -> None:
    client = Redis.from_url(os.environ["REDIS_URL"])
    for queue in app.conf.task_queues:
        client.delete(queue, *(f"{queue}\x06\x16{p}" for p in (3, 6, 9)))
    client.delete("unacked", "unacked_index")


def runs(ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for workspace_id, run_count in RecomputeState.all_workspaces.filter(
        workspace_id__in=ids
    ).values_list("workspace_id", "run_count"):
        counts[workspace_id] = run_count
    return counts


def start_workers(n: int) -> list[subprocess.Popen]:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    workers = []
    for i in range(n):
        command = [
            str(CELERY), "-A", "kpiapp", "worker", "-Q", "celery,recompute", "--concurrency",
            "1", "--hostname", f"scale{i}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(  # noqa: S603 (our own venv's celery)
                command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= n:
            return workers
    raise SystemExit(f"{n} workers did not start within 3 minutes")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def night(ids: list[int], n_workers: int) -> dict[str, float]:
    purge_queues()
    # Nothing pending before the night: a clean start for the comparison.
    RecomputeState.all_workspaces.filter(workspace_id__in=ids).update(
        dirty_since=None, started_at=None
    )
    before = runs(ids)
    workers = start_workers(n_workers)
    try:
        started = time.perf_counter()
        recompute_all_workspaces.apply_async(task_id=str(uuid.uuid4()))
        last_progress, last_done = time.perf_counter(), -1
        while True:
            now = runs(ids)
            done = sum(now[i] > before[i] for i in ids)
            pending = RecomputeState.all_workspaces.filter(
                workspace_id__in=ids, dirty_since__isnull=False
            ).count()
            if done == len(ids) and pending == 0:
                break
            if done != last_done:
                last_progress, last_done = time.perf_counter(), done
            elif time.perf_counter() - last_progress > 120:
                break  # stuck: reported below as skipped
            time.sleep(0.2)
        wall = time.perf_counter() - started
    finally:
        stop_workers(workers)
    after = runs(ids)
    twice = [i for i in ids if after[i] - before[i] > 1]
    skipped = [i for i in ids if after[i] - before[i] < 1]
    durations = list(
        RecomputeState.all_workspaces.filter(workspace_id__in=ids).values_list(
            "duration_ms", flat=True
        )
    )
    return {
        "wall": wall,
        "twice": len(twice),
        "skipped": len(skipped),
        "mean_ms": statistics.mean(d or 0 for d in durations),
        "sum_s": sum(d or 0 for d in durations) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ids = build(args.workspaces, args.rebuild)
    connection.close()
    results = {}
    for n in args.workers:
        results[n] = night(ids, n)
        r = results[n]
        print(
            f"{n} worker process(es): {r['wall']:.1f} s wall for {len(ids)} workspaces; "
            f"computed twice: {r['twice']}, skipped: {r['skipped']}; "
            f"recompute {r['mean_ms']:.0f} ms per workspace on average ({r['sum_s']:.1f} s in all)"
        )
    first, *rest = args.workers
    for n in rest:
        ratio = results[first]["wall"] / results[n]["wall"]
        print(f"speed-up {first} -> {n} workers: {ratio:.2f}x (ideal {n / first:.0f}x)")
    # The estimate: per-workspace wall cost with one worker (recompute plus queue and claim
    # overhead), divided over the workers at the efficiency measured here (capped at 1).
    per_workspace = results[first]["wall"] * first / len(ids)
    efficiency = 1.0
    if rest:
        n = rest[-1]
        efficiency = min(1.0, results[first]["wall"] / results[n]["wall"] / (n / first))
    print(
        f"estimate for 10,000 workspaces ({per_workspace * 1000:.0f} ms per workspace and "
        f"worker, {efficiency:.0%} scaling efficiency as measured):"
    )
    for workers in (1, 2, 4, 8, 16, 32):
        scale = 1.0 if workers == 1 else efficiency
        seconds = 10_000 * per_workspace / (workers * scale)
        print(f"  {workers:>2} workers: {seconds / 60:6.1f} min")


if __name__ == "__main__":
    main()
