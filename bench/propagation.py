"""Propagation benchmark: how long a change made through the API takes to be visible in the
series endpoint, end to end (the save, the recompute, the read).

    python bench/propagation.py                 # embedded default: SQLite, eager tasks, demo
    python bench/propagation.py --services      # PostgreSQL + Redis + one Celery worker,
        DATABASE_URL=postgres://.../kz_bench REDIS_URL=redis://127.0.0.1:6379/5
    python bench/propagation.py --runs 30
    python bench/propagation.py --poll 0.1      # read the series every 100 ms (default 20)

Three changes, `--runs` times each, one after the other: a subscription's amount (the total
MRR of this month moves by its MRR), a deal's stage (won today and reopened: this month's
won deals move by one) and a lead's channel (a lead of this month that is no customer and has
no deal, as most leads: this month's leads by channel, one moves to the other channel). Each
is a PATCH through the API (Django's test client in this process, with the workspace owner);
then the series endpoint is polled every 20 ms until it shows the exact new value. Printed
per change: the save's answer time and the time until visible (p50, p95, max).

`--services` uses the 20,000-account workspace of bench/recompute.py in DATABASE_URL and starts
one Celery worker process (solo pool) on REDIS_URL. The embedded default seeds the demo
workspace into a fresh SQLite file; recomputes run on the in-process worker thread.

Targets (issue 17): services p50 < 1 s and p95 < 2 s until visible; embedded: the save
answers in < 300 ms and the value is visible < 1 s later.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _environment(services: bool) -> str | None:
    """Settings are read once at start: choose the database and broker before Django."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
    os.environ.setdefault("API_RATE", "100000000/min")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-propagation-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    if services:
        if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
            raise SystemExit("--services needs DATABASE_URL=postgres://... and REDIS_URL=...")
        return None
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    folder = tempfile.mkdtemp(prefix="kz-propagation-")
    os.environ["SQLITE_PATH"] = str(Path(folder) / "demo.sqlite3")
    os.environ["RECOMPUTE_IN_THREAD"] = "1"
    return folder


@dataclass
class Change:
    name: str
    patch: Callable[[int], tuple[str, dict]]  # run number -> (url, body)
    series: Callable[[int], tuple[str, dict[str, str]]]  # run number -> (url, point filter)
    expected: Callable[[int], Decimal]  # run number -> the value to wait for


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", action="store_true", help="PostgreSQL + Redis + worker")
    parser.add_argument("--runs", type=int, default=30, help="changes of each kind")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait per change")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between two reads")
    args = parser.parse_args()
    folder = _environment(args.services)

    import django

    django.setup()
    # One JSON line per request (production's log) would bury the figures.
    logging.getLogger("kennzahl.request").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    worker = None
    try:
        if args.services:
            workspace = _services_workspace()
            worker = _start_worker()
        else:
            workspace = _demo_workspace()
        run(workspace, args)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        if folder:
            print(f"(demo database in {folder})")


def _services_workspace():
    from accounts.models import Workspace

    workspace = Workspace.objects.filter(slug="bench-recompute").first()
    if workspace is None:
        raise SystemExit("No workspace bench-recompute: run bench/recompute.py first")
    return workspace


def _demo_workspace():
    from kpiapp.demo.seed import demo_seed
    from kpiapp.kpis.periods import today_in

    started = time.perf_counter()
    demo_seed(slug="demo", seed=42, as_of=today_in("Europe/Berlin"), reset=True)
    print(f"seeded the demo workspace in {time.perf_counter() - started:.1f} s")
    from accounts.models import Workspace

    return Workspace.objects.get(slug="demo")


def _start_worker() -> subprocess.Popen:
    from kpiapp.celery import app

    command = [sys.executable, "-m", "celery", "-A", "kpiapp", "worker", "--pool", "solo",
               "--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat",
               "--without-gossip", "--without-mingle"]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            print("one Celery worker (solo pool) answers")
            return worker
    worker.terminate()
    raise SystemExit("the Celery worker did not start within 60 s")


def run(workspace, args: argparse.Namespace) -> None:
    from django.db import connection

    from rest_framework.test import APIClient

    from accounts.models import Membership
    from accounts.tenancy import workspace_scope

    owner = Membership.all_workspaces.filter(workspace=workspace, role="owner").first().user
    client = APIClient()
    client.force_authenticate(owner)
    with workspace_scope(workspace.id):
        changes = _changes(workspace)
    print(f"database: {connection.vendor}; workspace {workspace.slug}; {args.runs} runs each")
    failures = 0
    for change in changes:
        saves, visible = [], []
        for n in range(args.runs):
            url, body = change.patch(n)
            series_url, match = change.series(n)
            want = change.expected(n)
            started = time.perf_counter()
            response = client.patch(url, body, format="json")
            saved = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{change.name}: PATCH answered {response.status_code}: "
                                 f"{response.content[:300]!r}")  # fmt: skip
            while True:
                got = _value(client.get(series_url).json(), match)
                elapsed = time.perf_counter() - started
                if got == want:
                    break
                if elapsed > args.timeout:
                    failures += 1
                    print(f"  {change.name} #{n}: still {got} after {elapsed:.0f} s, want {want}")
                    break
                time.sleep(args.poll)
            saves.append(saved)
            visible.append(elapsed)
        print(
            f"{change.name:<22} save p50 {statistics.median(saves) * 1000:6.0f} ms, "
            f"p95 {percentile(saves, 0.95) * 1000:6.0f} ms | visible p50 "
            f"{statistics.median(visible):5.2f} s, p95 {percentile(visible, 0.95):5.2f} s, "
            f"max {max(visible):5.2f} s"
        )
    if failures:
        print(f"{failures} changes did not become visible within {args.timeout:.0f} s")


def _value(body: dict, match: dict[str, str]) -> Decimal | None:
    for point in body.get("points", []):
        if all(point.get(k) == v for k, v in match.items()):
            return None if point["value"] is None else Decimal(point["value"])
    return None


def _changes(workspace) -> list[Change]:
    """The three changes, on records chosen so that the new value is known exactly."""
    from django.db.models import Q

    from kpiapp.kpis.periods import Period, month_index, today_in
    from kpiapp.models import Channel, Deal, KpiSnapshot, Lead, Subscription

    today = today_in(workspace.time_zone)
    month = Period("month", month_index(today))
    label, base = month.label, f"/api/v1/workspaces/{workspace.slug}/"

    def stored(key: str, dimension: str = "", value: str = "") -> Decimal:
        row = KpiSnapshot.objects.filter(
            kpi_key=key, grain="month", period_start=month.start, dimension=dimension,
            dimension_value=value,
        ).first()  # fmt: skip
        return Decimal(0) if row is None or row.value is None else row.value

    def series(key: str, dimension: str = "") -> str:
        query = f"start={label}&end={label}" + (f"&dimension={dimension}" if dimension else "")
        return f"{base}kpis/{key}/series/?{query}"

    sub = (
        Subscription.objects.filter(
            interval="month", interval_count=1, currency=workspace.currency, ended_at=None,
            cancelled_at=None, started_at__lt=month.start, amount_cents__gt=0,
        )
        .filter(Q(trial_ends_at=None) | Q(trial_ends_at__lt=month.start))
        .order_by("id")
        .first()
    )  # fmt: skip
    mrr = stored("mrr")
    step = Decimal(100) * sub.quantity * (100 - sub.discount_percent) / 100 / 100  # +1.00/seat
    subscription = Change(
        "subscription amount",
        lambda n: (f"{base}subscriptions/{sub.pk}/",
                   {"amount": f"{(sub.amount_cents + (100 if n % 2 == 0 else 0)) / 100:.2f}"}),
        lambda n: (series("mrr"), {}),
        lambda n: (mrr + (step if n % 2 == 0 else 0)).quantize(Decimal("0.01")),
    )  # fmt: skip

    deal = (
        Deal.objects.filter(stage__in=["qualified", "demo", "proposal"], closed_at=None,
                            kind="new", amount_cents__isnull=False, created_at__lt=today)
        .order_by("-id").first()
    )  # fmt: skip
    won = stored("deals_won")
    stage = Change(
        "deal stage",
        lambda n: (f"{base}deals/{deal.pk}/",
                   {"stage": "won", "closed_at": today.isoformat()} if n % 2 == 0
                   else {"stage": deal.stage, "closed_at": None}),
        lambda n: (series("deals_won"), {}),
        lambda n: won + (1 if n % 2 == 0 else 0),
    )  # fmt: skip

    lead = (
        Lead.objects.filter(campaign=None, channel__isnull=False, created_at__gte=month.start,
                            created_at__lte=today, account=None, deals=None)
        .order_by("id").first()
    )  # fmt: skip
    other = Channel.objects.exclude(pk=lead.channel_id).order_by("id").first()
    before = stored("leads", "channel", other.name)
    channel = Change(
        "lead channel",
        lambda n: (f"{base}leads/{lead.pk}/",
                   {"channel": other.pk if n % 2 == 0 else lead.channel_id}),
        lambda n: (series("leads", "channel"), {"dimension_value": other.name}),
        lambda n: before + (1 if n % 2 == 0 else 0),
    )  # fmt: skip
    return [subscription, stage, channel]


if __name__ == "__main__":
    main()
