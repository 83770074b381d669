"""Recompute benchmark: a full KPI recompute of a large workspace against the floor of reading
its tables once, and a recompute after one account changed.

    python bench/recompute.py               # PostgreSQL kennzahl_bench on 127.0.0.1 by default
    python bench/recompute.py --rebuild     # build the data again even if it is there
    python bench/recompute.py --floor-only  # build (or reuse) and time the floor only
    python bench/recompute.py --reset-db    # drop and create the database (a migration changed)
    DATABASE_URL=postgres://... python bench/recompute.py --runs 5

Migrates, then builds (or reuses, when the seed, size and as-of month match) a workspace
`bench-recompute`: the demo's fake company (`kpiapp/demo/company.py`) at its large size, about
20,000 accounts, 80,000 subscription rows, 130,000 deals with their stage history, 500,000
leads and 36 months of spend, traffic, NPS answers, usage and USD exchange rates up to today,
written with COPY (the row counts are printed). Then it times:

- the floor: per table the recompute reads, one `count(*)` and `sum(<column>)`; best of 3;
- a full recompute (`snapshot_rebuild`), best and median of `--runs`, with the engine's and
  the write's share and the process CPU time (on a shared machine wall time includes waiting
  for a core); the runs after the first find the snapshots stored and write only what differs;
  with `--cold` the stored snapshots are deleted first, so every row is written once;
- a recompute after one account upgraded today (a new subscription row), limited to what
  the change touches as the product limits it, undone afterwards: its engine time (the
  compute, without the write) and the rows it wrote; for `--changes` accounts (other seeds,
  so other buckets of the stored partial sums), their median and slowest.

Targets (issue 17): full recompute ≤ 20 × the floor; one-account change ≤ 0.2 s engine time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_bench")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection, models, transaction  # noqa: E402

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from accounts.models import User, Workspace  # noqa: E402
from accounts.services import WorkspaceSettings, workspace_create  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.demo.company import LARGE, demo_data_generate  # noqa: E402
from kpiapp.models.custom_kpis import CustomKpiValue  # noqa: E402
from kpiapp.models.customers import Account  # noqa: E402
from kpiapp.models.deals import Deal, DealStageChange  # noqa: E402
from kpiapp.models.feedback import NpsResponse, Usage  # noqa: E402
from kpiapp.models.fx import ExchangeRate  # noqa: E402
from kpiapp.models.journeys import Touchpoint  # noqa: E402
from kpiapp.models.marketing import Campaign, Channel, Lead, Spend, Traffic  # noqa: E402
from kpiapp.models.snapshots import KpiSnapshot  # noqa: E402
from kpiapp.models.subscriptions import Subscription  # noqa: E402
from kpiapp.ops.memory import keep_freed_memory  # noqa: E402

SLUG = "bench-recompute"
SEED = 20_251_123
TIME_ZONE = "Europe/Berlin"  # the workspace's; "today" is taken there
SIZE = LARGE

# --- the workspace ---------------------------------------------------------------------------

# Raw deletes, children first: Django's cascade would load every row into Python.
BIG_TABLES = (
    DealStageChange, Deal, Subscription, Usage, NpsResponse, Touchpoint, Lead, Account, Spend,
    Traffic, ExchangeRate, CustomKpiValue, Campaign, Channel,
)  # fmt: skip


def marker(as_of: date, seed: int) -> str:
    return f"Recompute benchmark, data of {as_of:%Y-%m}, seed {seed}, {SIZE}"


def count(model: type[models.Model], workspace_id: int) -> int:
    return model.all_workspaces.filter(workspace_id=workspace_id).count()


def reusable(ws: Workspace | None, as_of: date, seed: int) -> bool:
    """Built from this seed and size in this month (a build is one transaction: whole or not
    there)."""
    if ws is None or not ws.name.startswith(marker(as_of, seed)):
        return False
    return all(count(model, ws.id) > 0 for model in (Account, Subscription, Deal, Lead))


def workspace_delete(ws: Workspace) -> None:
    """Delete the old bench workspace fast (call inside a transaction): one DELETE per big
    table instead of Django's collector, which loads every row that others refer to."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in BIG_TABLES:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE workspace_id = %s",  # noqa: S608
                [ws.id],
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    ws.delete()


def vacuum() -> None:
    """Compact the tables (a rebuild leaves the old rows' space behind), refresh statistics."""
    with connection.cursor() as cursor:
        for model in BIG_TABLES:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {model._meta.db_table}")


def build(as_of: date, seed: int) -> tuple[Workspace, dict[str, float]]:
    """Delete any old bench workspace and write a new one, in one transaction."""
    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        old = Workspace.objects.filter(slug=SLUG).first()
        if old is not None:
            workspace_delete(old)
        timings["delete old"] = time.perf_counter() - started
        owner, _ = User.objects.get_or_create(email="bench@kennzahl.example")
        ws = workspace_create(
            owner=owner,
            slug=SLUG,
            settings_=WorkspaceSettings(name=marker(as_of, seed), time_zone=TIME_ZONE),
        )
        started = time.perf_counter()
        rows = demo_data_generate(workspace=ws, seed=seed, as_of=as_of, size=SIZE)
        timings["plan and COPY"] = time.perf_counter() - started
        started = time.perf_counter()
    timings["commit (deferred FK checks)"] = time.perf_counter() - started
    print("rows: " + ", ".join(f"{n:,} {name}" for name, n in rows.items()))
    started = time.perf_counter()
    vacuum()
    timings["VACUUM FULL"] = time.perf_counter() - started
    return ws, timings


# --- measuring -------------------------------------------------------------------------------

# One numeric column per table the recompute reads; the floor reads each table once.
FLOOR = (
    (Subscription, "amount_cents"),
    (Account, "employees"),
    (Deal, "amount_cents"),
    (DealStageChange, "deal_id"),
    (Lead, "channel_id"),
    (Touchpoint, "channel_id"),
    (CustomKpiValue, "id"),
    (Spend, "amount_cents"),
    (Traffic, "visits"),
    (NpsResponse, "score"),
    (Usage, "active_users"),
    (ExchangeRate, "rate"),
    (Channel, "id"),
    (Campaign, "channel_id"),
)


def floor_once(workspace_id: int) -> tuple[float, dict[str, tuple[int, float]]]:
    """Each table once: (total seconds, {table: (rows, seconds)})."""
    out = {}
    with connection.cursor() as cursor:
        for model, column in FLOOR:
            table = model._meta.db_table
            started = time.perf_counter()
            cursor.execute(
                f"SELECT count(*), sum({column}) FROM {table} WHERE workspace_id = %s",  # noqa: S608
                [workspace_id],
            )
            rows, _ = cursor.fetchone()
            out[table] = (rows, time.perf_counter() - started)
    return sum(seconds for _, seconds in out.values()), out


def floor_best(workspace_id: int, runs: int = 3) -> tuple[float, dict[str, tuple[int, float]]]:
    return min((floor_once(workspace_id) for _ in range(runs)), key=lambda result: result[0])


def load_rebuild() -> Callable[..., Any] | None:
    try:
        from kpiapp.services.snapshots import snapshot_rebuild
    except ImportError as error:
        print(f"snapshot_rebuild not available yet ({error}); timing the floor only")
        return None
    return snapshot_rebuild


def timed_rebuild(rebuild: Callable[..., Any], workspace_id: int, **kwargs: Any) -> tuple:
    with workspace_scope(workspace_id):
        started = time.perf_counter()
        result = rebuild(workspace_id=workspace_id, **kwargs)
        return time.perf_counter() - started, result


@dataclass
class Upgrade:
    old_id: int
    new_id: int
    account_id: int
    external_id: str


def upgrade_one_account(workspace_id: int, today: date, seed: int) -> Upgrade:
    """What the product writes for an upgrade: the current row ends today, a new row with the
    same external id and more seats starts today."""
    with workspace_scope(workspace_id), transaction.atomic():
        candidates = list(
            Subscription.objects.filter(
                ended_at__isnull=True, cancelled_at__isnull=True, started_at__lt=today
            )
            .exclude(trial_ends_at__gt=today)
            .order_by("id")
            .values_list("id", flat=True)
        )
        old = Subscription.objects.get(pk=random.Random(seed).choice(candidates))
        Subscription.objects.filter(pk=old.pk).update(ended_at=today)
        new = Subscription.objects.create(
            external_id=old.external_id,
            account_id=old.account_id,
            plan=old.plan,
            amount_cents=old.amount_cents,
            currency=old.currency,
            interval=old.interval,
            interval_count=old.interval_count,
            quantity=old.quantity + max(1, old.quantity // 5),
            discount_percent=old.discount_percent,
            started_at=today,
        )
    return Upgrade(old.pk, new.pk, old.account_id, old.external_id)


def undo_upgrade(workspace_id: int, change: Upgrade) -> None:
    with workspace_scope(workspace_id), transaction.atomic():
        Subscription.objects.filter(pk=change.new_id).delete()
        Subscription.objects.filter(pk=change.old_id).update(ended_at=None)


# --- main ------------------------------------------------------------------------------------


def one_account_change(
    rebuild: Callable[..., Any], workspace_id: int, today: date, seed: int
) -> tuple[Upgrade, float, float, Any]:
    """An upgrade of one account, recomputed as the product limits it (the KPIs that read
    subscriptions, for the periods from today on, of the account), then undone and recomputed
    back to the stored state: the upgrade, its wall time, CPU time and summary."""
    from kpiapp.services.snapshots import Scope

    change = upgrade_one_account(workspace_id, today, seed)
    scope = Scope(frozenset({"subscriptions"}), today, frozenset({change.account_id}))
    try:
        cpu_before = time.process_time()
        seconds, summary = timed_rebuild(rebuild, workspace_id, scope=scope)
        cpu = time.process_time() - cpu_before
    finally:
        undo_upgrade(workspace_id, change)
        timed_rebuild(rebuild, workspace_id, scope=scope)  # back to the stored state
    return change, seconds, cpu, summary


def server_execute(*statements: str) -> None:
    """Run statements on the server's `postgres` database, naming the benchmark database."""
    s = connection.settings_dict
    name = sql.Identifier(s["NAME"])
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"],
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        for statement in statements:
            conn.execute(sql.SQL(statement).format(name))


def ensure_database(reset: bool) -> None:
    """Create the benchmark database when the server has none of that name yet; with `reset`,
    drop it first."""
    name = connection.settings_dict["NAME"]
    if reset:
        connection.close()
        server_execute("DROP DATABASE IF EXISTS {}", "CREATE DATABASE {}")
        print(f"dropped and created database {name}")
        return
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
        server_execute("CREATE DATABASE {}")
        print(f"created database {name}")


def schema_drift() -> list[str]:
    """Tables and columns where the database differs from the models: a migration that was
    edited after this database applied it (while migrations are in the making)."""
    drift = []
    introspection = connection.introspection
    with connection.cursor() as cursor:
        tables = set(introspection.table_names(cursor))
        for model in apps.get_models():
            meta = model._meta
            if meta.app_label not in ("accounts", "kpiapp") or not meta.managed:
                continue
            if meta.db_table not in tables:
                drift.append(f"{meta.db_table} (missing)")
                continue
            have = {c.name for c in introspection.get_table_description(cursor, meta.db_table)}
            want = {f.column for f in meta.local_concrete_fields}
            drift += [f"{meta.db_table}.{c} (missing)" for c in sorted(want - have)]
            drift += [f"{meta.db_table}.{c} (not in the model)" for c in sorted(have - want)]
    return drift


def prepare(args: argparse.Namespace, as_of: date) -> Workspace:
    ws = Workspace.objects.filter(slug=SLUG).first()
    if not args.rebuild and reusable(ws, as_of, args.seed):
        print(f"reusing workspace {SLUG} (id {ws.id}): {ws.name}")
        return ws
    started, cpu = time.perf_counter(), time.process_time()
    ws, timings = build(as_of, args.seed)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    print(f"built workspace {SLUG} (id {ws.id}) in {time.perf_counter() - started:.1f} s ({parts})")
    print(f"  of which this process's CPU: {time.process_time() - cpu:.1f} s (rest: PostgreSQL)")
    return ws


def report_rows(floor: dict[str, tuple[int, float]]) -> None:
    print(f"\n{'table':<26} {'rows':>10} {'floor ms':>9}")
    for table, (rows, seconds) in floor.items():
        print(f"{table:<26} {rows:>10,} {seconds * 1000:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--runs", type=int, default=3, help="full recomputes to time")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--changes", type=int, default=5, help="one-account changes to time (other accounts)"
    )
    parser.add_argument("--floor-only", action="store_true", help="build and floor, no recompute")
    parser.add_argument(
        "--cold", action="store_true", help="also time a full recompute with nothing stored"
    )
    parser.add_argument(
        "--reset-db", action="store_true", help="drop and create the database first (all of it)"
    )
    args = parser.parse_args()
    # The recompute runs in this process: with the allocator of the workers that run it in
    # the product (kpiapp/ops/memory.py).
    keep_freed_memory()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(reset=args.reset_db)
    call_command("migrate", verbosity=0)
    drift = schema_drift()
    if drift:
        raise SystemExit(
            f"The database does not match the models: {', '.join(drift[:5])}. A migration was "
            "probably changed after this database applied it; run again with --reset-db."
        )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    today = datetime.now(ZoneInfo(TIME_ZONE)).date()
    ws = prepare(args, today)

    floor, per_table = floor_best(ws.id)
    report_rows(per_table)
    print(f"{'floor (best of 3)':<26} {'':>10} {floor * 1000:>9.1f}\n")

    rebuild = None if args.floor_only else load_rebuild()
    if rebuild is None:
        return
    if args.cold:
        with workspace_scope(ws.id):
            KpiSnapshot.objects.all()._raw_delete(KpiSnapshot.objects.db)
        seconds, cold = timed_rebuild(rebuild, ws.id)
        print(
            f"cold full recompute (nothing stored): {seconds:.2f} s "
            f"(engine {cold.compute_seconds:.2f} s, write {cold.write_seconds:.2f} s, "
            f"{cold.written_count:,} rows written)"
        )
    times, cpu, result = [], [], None
    for _ in range(args.runs):
        cpu_before = time.process_time()
        seconds, result = timed_rebuild(rebuild, ws.id)
        cpu.append(time.process_time() - cpu_before)
        times.append(seconds)
        print(
            f"  run: {seconds:.2f} s (CPU {cpu[-1]:.2f} s; engine {result.compute_seconds:.2f} s, "
            f"compare and write {result.write_seconds:.2f} s, {result.written_count:,} written, "
            f"{result.deleted_count:,} deleted)"
        )
    best, median = min(times), statistics.median(times)
    print(f"full recompute: best {best:.2f} s, median {median:.2f} s of {args.runs}")
    print(f"ratio full / floor: {best / floor:.1f}×   (target: ≤ 20×)")

    engines = []
    for n in range(args.changes):
        change, one, one_cpu, partial = one_account_change(rebuild, ws.id, today, args.seed + n)
        engines.append(partial.compute_seconds)
        print(
            f"  one account: engine {partial.compute_seconds:.3f} s, {one:.3f} s with the write "
            f"(CPU {one_cpu:.3f} s); {change.external_id} of account {change.account_id} "
            f"upgraded today, then undone; {partial.snapshot_count:,} snapshots computed, "
            f"{partial.written_count:,} written, {partial.deleted_count:,} deleted"
        )
    print(
        f"one-account recompute: engine median {statistics.median(engines):.3f} s, "
        f"max {max(engines):.3f} s of {len(engines)} accounts (target: ≤ 0.2 s)"
    )
    print(f"snapshots: {getattr(result, 'snapshot_count', '?')}")


if __name__ == "__main__":
    main()
