"""Load: 50 simulated users of 5 workspaces (locust, headless, bounded, loopback only) against
gunicorn with DEBUG=0, while a Celery worker imports a CSV and recomputes every 30 s. Prints
p95 and errors per page type; every MRR movements answer is checked for a half-written set
(bench/locustfile.py).

    pip install -e ".[bench]"       # locust
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kennzahl_load \\
    REDIS_URL=redis://127.0.0.1:6379/8 python bench/load.py [--minutes 10] [--users 50]

The database is created, migrated and seeded when missing (5 workspaces, 10 members each,
1,500 customers with subscriptions each); the workspaces are reused afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_load")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import psycopg  # noqa: E402


def ensure_database() -> None:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import Membership, User, Workspace  # noqa: E402
from accounts.roles import Role  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.celery import app  # noqa: E402
from kpiapp.imports.mapping import parse_options  # noqa: E402
from kpiapp.models import ImportJob, ImportStatus  # noqa: E402
from kpiapp.services import imports  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "load-test-password-42"  # noqa: S105 (a generated bench database)
WORKSPACES = 5
MEMBERS = 10
CUSTOMERS = 1500


def _csvs(n: int, rng: random.Random) -> tuple[bytes, bytes]:
    channels = ["Paid ads", "Organic", "Referral", "Events"]
    accounts = ["external_id,name,channel,created_at"]
    subs = ["external_id,account,amount,interval,started_at,ended_at"]
    for i in range(n):
        year, month = rng.randint(2024, 2026), rng.randint(1, 9)
        accounts.append(f"A{i},Kunde {i},{rng.choice(channels)},{year}-0{month}-01")
        ended = f"{year + 1}-0{month}-01" if year < 2026 and rng.random() < 0.3 else ""
        subs.append(f"S{i},A{i},{rng.randint(20, 900)},month,{year}-0{month}-01,{ended}")
    return "\n".join(accounts).encode(), "\n".join(subs).encode()


def seed() -> list[list[str]]:
    users = []
    rng = random.Random(8)
    app.conf.task_always_eager = True  # the seed's recomputes run here, once
    for w in range(WORKSPACES):
        slug = f"load-{w}"
        workspace = Workspace.objects.filter(slug=slug).first()
        fresh = workspace is None
        if fresh:
            workspace = Workspace.objects.create(name=f"Load {w}", slug=slug, language="en")
        for m in range(MEMBERS):
            email = f"member{m}@{slug}.example"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=PASSWORD, name=f"M {m}")
                role = Role.OWNER if m == 0 else Role.VIEWER
                Membership.all_workspaces.create(user=user, workspace=workspace, role=role)
            users.append([slug, email, PASSWORD])
        if fresh:
            accounts, subs = _csvs(CUSTOMERS, rng)
            with workspace_scope(workspace.id):
                for kind, data in (("accounts", accounts), ("subscriptions", subs)):
                    imports.data_import(workspace=workspace, kind=kind, data=data, preset=None,
                                        mapping=parse_options([], []), dry_run=False)  # fmt: skip
    app.conf.task_always_eager = False
    return users


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def importer(stop: threading.Event, counts: dict[str, int]) -> None:
    """Every 30 s a member uploads a file of changed prices; the worker checks, imports and
    recomputes it while the users read."""
    rng = random.Random(3)
    workspace = Workspace.objects.get(slug="load-0")
    owner = Membership.all_workspaces.get(workspace=workspace, role=Role.OWNER)
    while not stop.wait(30 if counts["imports"] else 5):
        rows = ["external_id,account,amount,interval,started_at"]
        rows += [f"S{i},A{i},{rng.randint(20, 900)},month,2026-0{rng.randint(1, 9)}-01"
                 for i in rng.sample(range(CUSTOMERS), 300)]  # fmt: skip
        with workspace_scope(workspace.id):
            data = "\n".join(rows).encode()
            job = imports.import_job_create(
                membership=owner, kind="subscriptions", filename="prices.csv", data=data
            )
            imports.import_job_set_mapping(job=job, columns=job.columns, values={})
            status = _wait(job.pk, {ImportStatus.CHECKED, ImportStatus.FAILED})
            if status == ImportStatus.CHECKED and not ImportJob.objects.get(pk=job.pk).result.get(
                "errors"
            ):
                imports.import_job_start(job=ImportJob.objects.get(pk=job.pk))
                status = _wait(job.pk, {ImportStatus.DONE, ImportStatus.FAILED})
        counts["imports" if status == ImportStatus.DONE else "import_failures"] += 1


def _wait(job_id: int, states: set[str]) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status in states:
            return status
        time.sleep(0.5)
    return "timeout"


def wait_ready(port: int, seconds: float = 300) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit("the web app did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    users = seed()
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(40),
           "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
           "LOAD_USERS": json.dumps(users)}  # fmt: skip
    logs = Path(tempfile.gettempdir())
    env["STATIC_ROOT"] = str(logs / "kennzahl-load-static")
    subprocess.run(  # noqa: S603 (manage.py of this checkout)
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env, check=True, cwd=ROOT,
    )  # fmt: skip
    web = subprocess.Popen(  # noqa: S603 (our own venv's gunicorn)
        [str(BIN / "gunicorn"), "kpiapp.wsgi", "--workers", str(args.web_workers), "--bind",
         f"127.0.0.1:{port}", "--no-control-socket", "--timeout", "60"],
        env=env, cwd=ROOT, stdout=(logs / "kennzahl-load-web.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(  # noqa: S603 (our own venv's celery)
        [str(BIN / "celery"), "-A", "kpiapp", "worker", "--concurrency", "1", "--loglevel",
         "WARNING", "--hostname", f"load-{port}@%h"],
        env=env, cwd=ROOT, stdout=(logs / "kennzahl-load-worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    stop, counts = threading.Event(), {"imports": 0, "import_failures": 0}
    thread = threading.Thread(target=importer, args=(stop, counts), daemon=True)
    prefix = logs / f"kennzahl-load-{port}"
    try:
        wait_ready(port)
        thread.start()
        seconds = int(args.minutes * 60)
        subprocess.run(  # noqa: S603 (our own venv's locust)
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", "10", "-t", f"{seconds}s", "--host",
             f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
             "--loglevel", "WARNING", "--stop-timeout", "10"],
            env=env, check=False, timeout=seconds + 120,
        )  # fmt: skip
    finally:
        stop.set()
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            process.wait(60)
    report(Path(f"{prefix}_stats.csv"), Path(f"{prefix}_failures.csv"), args, counts)


def report(stats: Path, failures: Path, args: argparse.Namespace, counts: dict[str, int]) -> None:
    print(f"\n{args.users} users, {args.minutes:g} min, {counts['imports']} imports recomputed "
          f"by the worker meanwhile ({counts['import_failures']} failed)")  # fmt: skip
    print(f"{'page type':<22}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    with stats.open() as file:
        for row in csv.DictReader(file):
            print(f"{row['Name']:<22}{row['Request Count']:>9}{row['Failure Count']:>8}"
                  f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}")  # fmt: skip
    with failures.open() as file:
        for row in csv.DictReader(file):
            print(f"error: {row['Name']}: {row['Error']} ({row['Occurrences']}x)")


if __name__ == "__main__":
    main()
