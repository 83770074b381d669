"""Import benchmark: a generated 100,000-row deals CSV through the real importer.

    python bench/import.py [--rows 100000]                       # SQLite (the default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kennzahl_bench python bench/import.py

Creates (and afterwards deletes) a workspace `bench-import`, imports 2,000 accounts, then
times the deals import (new rows), a re-import of the same file (nothing to write) and an
import where every tenth deal changed stage. Prints rows per second for each, the CPU time
of this Python process (parsing, checking, building rows) and, when PostgreSQL runs on this
machine, of its server process for the connection (the write), which a busy machine
inflates less than the wall time, and the load average. `--repeat N` runs it all N times
(a new workspace each) and ends with the best and the median of each import. `--profile`
prints a pyinstrument profile of each import.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User, Workspace  # noqa: E402
from accounts.services import WorkspaceSettings, workspace_create  # noqa: E402
from kpiapp.services import snapshots  # noqa: E402
from kpiapp.services.imports import data_import  # noqa: E402

# An import schedules a KPI recompute, which a worker runs afterwards; without REDIS_URL Celery
# runs it eagerly inside the import. Time the import alone, as users wait for it.
snapshots._enqueue = lambda workspace_id, countdown: None

STAGES = ["lead", "qualified", "demo", "proposal", "negotiation", "won", "lost"]
CHANNELS = ["Inbound", "Outbound", "Paid Ads", "Referral", "Partner", "Events"]


def accounts_csv(n: int) -> bytes:
    lines = ["external_id,name,country,channel"]
    lines += [f"A{i:05d},Company {i},DE,{CHANNELS[i % len(CHANNELS)]}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def deals_csv(rows: int, accounts: int, seed: int, changed_every: int = 0) -> bytes:
    rng = random.Random(seed)
    out = ["external_id,account,name,owner,channel,stage,amount,created_at,closed_at,kind"]
    start = date(2023, 1, 1)
    for i in range(rows):
        stage = STAGES[rng.randrange(len(STAGES))]
        if changed_every and i % changed_every == 0:
            stage = "won" if stage != "won" else "lost"
        created = start + timedelta(days=rng.randrange(1000))
        cycle = timedelta(days=rng.randrange(1, 120))  # drawn always: same sequence per seed
        closed = created + cycle if stage in ("won", "lost") else ""
        out.append(
            f"D{i:07d},A{rng.randrange(accounts):05d},Deal {i},Rep {i % 25},"
            f"{CHANNELS[i % len(CHANNELS)]},{stage},{rng.randrange(1000, 90000)}.00,"
            f"{created.isoformat()},{closed and closed.isoformat()},new"
        )
    return ("\n".join(out) + "\n").encode()


PROFILE = False  # --profile: where the time of each import goes (pyinstrument)
RATES: dict[str, list[float]] = defaultdict(list)  # label -> rows/s of each run


def database_cpu() -> float | None:
    """CPU seconds of the PostgreSQL server process of this connection so far, when it runs
    on this machine (read from /proc); None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def load() -> str:
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def timed(label: str, workspace: Workspace, kind: str, data: bytes, rows: int) -> None:
    profiler = None
    if PROFILE:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    db_started = database_cpu()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = data_import(workspace=workspace, kind=kind, data=data)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    db_ended = database_cpu()
    db = (
        ""
        if db_started is None or db_ended is None
        else f", database {db_ended - db_started:.2f} s"
    )
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    if not result.ok:
        raise SystemExit(f"{label}: {result.errors[:3]}")
    print(
        f"{label:<34} {rows:>8} rows {seconds:7.2f} s {rows / seconds:>10,.0f} rows/s   "
        f"(new {result.created}, changed {result.updated}, unchanged {result.unchanged}; "
        f"Python {cpu:.2f} s{db} CPU; {load()})"
    )
    RATES[label].append(rows / seconds)


def wide_headers() -> None:
    """The header checks are linear: a 80,000-column file is refused at once (it took 90 s
    inside the upload request before the cap), a 200-column one is read and mapped."""
    from kpiapp.data_kinds import DATA_KINDS
    from kpiapp.imports.mapping import IGNORE, Mapping, resolve_columns
    from kpiapp.imports.reading import ImportFileError, read_table

    for columns in (200, 80_000):
        names = ["external_id", "name", *(f"extra {i}" for i in range(columns - 2))]
        data = (",".join(names) + "\n" + ",".join("x" for _ in names) + "\n").encode()
        started = time.perf_counter()
        try:
            table = read_table(data)
            mapping = Mapping(columns=dict.fromkeys(names[2:], IGNORE))
            resolve_columns(table.header, DATA_KINDS["accounts"].csv, mapping)
            outcome = "read and mapped"
        except ImportFileError:
            outcome = "refused"
        seconds = time.perf_counter() - started
        print(f"header of {columns:>6} columns: {outcome:<16} {seconds * 1000:8.1f} ms")


def vacuum() -> None:
    """Start from tables without the dead rows of an earlier run (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("kpiapp_deal", "kpiapp_dealstagechange", "kpiapp_account"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true", help="print a profile of each import")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each on a new workspace")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    data = deals_csv(args.rows, args.accounts, seed=1)
    print(f"deals CSV: {len(data) / 1024 / 1024:.1f} MB")
    wide_headers()
    for _run in range(args.repeat):
        run(args, data)
    if args.repeat > 1:
        for label, rates in RATES.items():
            print(
                f"{label:<34} best {max(rates):>10,.0f} rows/s, "
                f"median {statistics.median(rates):>10,.0f} rows/s ({len(rates)} runs)"
            )


def run(args: argparse.Namespace, data: bytes) -> None:
    Workspace.objects.filter(slug="bench-import").delete()
    vacuum()
    owner, _ = User.objects.get_or_create(email="bench@kennzahl.example")
    workspace = workspace_create(
        owner=owner, slug="bench-import", settings_=WorkspaceSettings(name="Import benchmark")
    )
    try:
        timed("accounts", workspace, "accounts", accounts_csv(args.accounts), args.accounts)
        timed("deals, first import", workspace, "deals", data, args.rows)
        timed("deals, same file again", workspace, "deals", data, args.rows)
        timed(
            "deals, every 10th stage changed",
            workspace,
            "deals",
            deals_csv(args.rows, args.accounts, seed=1, changed_every=10),
            args.rows,
        )
    finally:
        workspace.delete()
        vacuum()


if __name__ == "__main__":
    main()
