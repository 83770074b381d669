"""Page benchmark: server time of the dashboard and KPI pages of the large workspace, and their
throughput under a real WSGI server against a trivial view of the same app, in one run.

    python bench/pages.py                       # PostgreSQL kennzahl_bench on 127.0.0.1
    python bench/pages.py --requests 200 --duration 10 --connections 8 --workers 2
    DATABASE_URL=postgres://... python bench/pages.py

Needs the workspace `bench-recompute` of bench/recompute.py (run that first); rebuilds its
snapshots once when it has none. A member `bench@kennzahl.example` (owner) is created if missing.

Runs as production does: DEBUG off (a throwaway SECRET_KEY, static files collected into a
temporary STATIC_ROOT for the manifest storage, no SSL redirect on loopback).

1. Server time in-process: Django's test client, logged in; per page 10 warm-up requests, then
   the median and p95 of 200 (perf_counter around `client.get`); then five more with their
   queries (count, summed time and slowest query of the request of median SQL time). Every
   response is checked: 200 and the page's marker (the dashboard's `class="card tile"`, the
   KPI page's charts).
2. Throughput: gunicorn (2 sync workers) serving this module's `application`: the project's
   own WSGI handler, settings and middleware, with one extra URL `/bench/trivial/` (a view
   returning "ok") in front of the project's URLconf. wrk (or a threaded Python client when wrk
   is missing) drives each URL for 10 s with 8 connections, every request with the session
   cookie (and a CSRF cookie, as a browser has), so the trivial view pays the same session and
   user lookup as the pages. Two rounds
   over all URLs; per URL the best round counts (the ceiling, least disturbed by other work on
   the machine). `/favicon.ico` (a redirect of the project's, no template) is a second baseline.

   The pages are served from the page cache after their first view (`pagecache/decorator`);
   "…, first view" asks for a new address each time, so the page is rendered every time (the
   dashboard with its tiles' own cache warm), which is what a user meets after a change.
   Run with REDIS_URL set for production's cache (Redis); without it, the cache is per process.

Targets (issue): dashboard median < 50 ms; dashboard throughput ≥ ½ the trivial view's.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_bench")


def production_env() -> Path:
    """DEBUG off as in production; gunicorn inherits the same environment (the session is
    signed with SECRET_KEY, so both processes must share it). Returns the STATIC_ROOT."""
    static_root = Path(tempfile.mkdtemp(prefix="kennzahl-bench-static-"))
    os.environ["STATIC_ROOT"] = str(static_root)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # plain HTTP on the loopback
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return static_root


STATIC_ROOT = production_env() if __name__ == "__main__" else None

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.models import Membership, User, Workspace  # noqa: E402
from accounts.roles import Role  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.models import KpiSnapshot  # noqa: E402
from kpiapp.urls import urlpatterns as app_urlpatterns  # noqa: E402

SLUG = "bench-recompute"
EMAIL = "bench@kennzahl.example"
TRIVIAL = "/bench/trivial/"


# --- the trivial view, served by the same app -----------------------------------------------


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


# This module is the URLconf of the gunicorn run: the project's URLs plus the trivial view.
urlpatterns = [path(TRIVIAL.strip("/") + "/", trivial), *app_urlpatterns]


def __getattr__(name: str) -> WSGIHandler:
    """`gunicorn bench.pages:application`: the project's WSGI handler (as kpiapp.wsgi builds
    it) with this module as the URLconf."""
    if name != "application":
        raise AttributeError(name)
    settings.ROOT_URLCONF = __name__
    handler = WSGIHandler()
    globals()["application"] = handler
    return handler


# --- the pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    marker: bytes  # must be in the response body (b"" for none)
    in_process: bool = True
    under_load: bool = True
    uncached: bool = False  # a new address each request: the page cache never answers


def pages(slug: str) -> list[Page]:
    return [
        Page("trivial view", TRIVIAL, b"ok"),
        Page("favicon (redirect)", "/favicon.ico", b"", in_process=False),
        Page("dashboard", f"/w/{slug}/", b'class="card tile"'),
        Page(
            "dashboard, first view",
            f"/w/{slug}/",
            b'class="card tile"',
            under_load=False,
            uncached=True,
        ),
        Page("KPI page mrr", f"/w/{slug}/kpis/mrr/", b'id="trend-chart"'),
        Page(
            "KPI page, first view",
            f"/w/{slug}/kpis/mrr/",
            b'id="trend-chart"',
            under_load=False,
            uncached=True,
        ),
        Page(
            "KPI churn by campaign",
            f"/w/{slug}/kpis/customer_churn_rate/?dimension=campaign",
            b'id="breakdown-chart"',
        ),
    ]


def check(page: Page, status: int, body: bytes) -> None:
    expected = (301, 302) if page.marker == b"" else (200,)
    if status not in expected or page.marker not in body:
        raise SystemExit(f"{page.url}: status {status}, marker {page.marker!r} missing")


# --- setup ------------------------------------------------------------------------------------


def migrate() -> None:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("applying migrations …")
        call_command("migrate", verbosity=0)


def bench_workspace() -> Workspace:
    ws = Workspace.objects.filter(slug=SLUG).first()
    if ws is None:
        raise SystemExit(f"workspace {SLUG!r} missing: run `python bench/recompute.py` first")
    with workspace_scope(ws.id):
        count = KpiSnapshot.objects.count()
        if not count:
            from kpiapp.services.snapshots import snapshot_rebuild

            print("no snapshots: rebuilding once …")
            count = snapshot_rebuild(workspace_id=ws.id).snapshot_count
    print(f"workspace {SLUG} (id {ws.id}): {count:,} snapshots")
    return ws


def bench_member(ws: Workspace) -> User:
    user = User.objects.filter(email=EMAIL).first() or User.objects.create_user(EMAIL)
    membership, _ = Membership.all_workspaces.get_or_create(
        user=user, workspace=ws, defaults={"role": Role.OWNER}
    )
    if membership.role != Role.OWNER:
        membership.role = Role.OWNER
        membership.save(update_fields=["role"])
    return user


def auth_backend() -> str:
    """The backend that finds a session's user again: the first ModelBackend (axes' has no
    `get_user`, and accounts' LoginLimitBackend finds nobody: its `get_user` returns None)."""
    for backend in settings.AUTHENTICATION_BACKENDS:
        if isinstance(load_backend(backend), ModelBackend):
            return backend
    raise SystemExit("no ModelBackend among the authentication backends")


def login_session(user: User) -> SessionStore:
    """A session as `django.contrib.auth.login` writes it, for the gunicorn client."""
    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = auth_backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session


def collect_static() -> None:
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"static files collected in {time.perf_counter() - started:.1f} s")


# --- 1. server time in-process ----------------------------------------------------------------


@dataclass
class ServerTime:
    median_ms: float
    p95_ms: float
    queries: int
    size_kb: float
    sql_ms: float  # the database's share of one request
    slowest: tuple[float, str]  # its slowest query: ms, SQL
    marks: int  # how often the page's marker occurs (the dashboard: its tiles)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def server_time(client: Client, page: Page, runs: int, warmup: int) -> ServerTime:
    requests = itertools.count()
    run = secrets.token_hex(4)  # pages cached by an earlier run must not answer

    def url() -> str:  # an unused address for an uncached page (the tiles' cache still helps)
        joiner = "&" if "?" in page.url else "?"
        return f"{page.url}{joiner}view={run}-{next(requests)}" if page.uncached else page.url

    for _ in range(warmup):
        response = client.get(url())
        check(page, response.status_code, response.content)
    times = []
    for _ in range(runs):
        address = url()
        started = time.perf_counter()
        response = client.get(address)
        times.append(time.perf_counter() - started)
        check(page, response.status_code, response.content)
    runs_sql = []  # five more requests with their queries; the one of median SQL time counts
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url())
        sql = [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]
        runs_sql.append((sum(ms for ms, _ in sql), sql))
    sql_ms, sql = sorted(runs_sql, key=lambda run: run[0])[len(runs_sql) // 2]
    return ServerTime(
        statistics.median(times) * 1000,
        percentile(times, 0.95) * 1000,
        len(sql),
        len(response.content) / 1024,
        sql_ms,
        max(sql, default=(0.0, "")),
        response.content.count(page.marker),
    )


def in_process(
    user: User, todo: list[Page], runs: int, warmup: int, client: Client | None = None
) -> dict[str, ServerTime]:
    if client is None:
        client = Client()
        client.force_login(user, backend=auth_backend())
    results = {}
    # The trivial view lives in this module's URLconf, the pages in the project's (the same).
    with override_settings(ROOT_URLCONF=sys.modules[__name__]):
        for page in todo:
            results[page.label] = server_time(client, page, runs, warmup)
    return results


# --- 2. throughput under gunicorn -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, url: str, header: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers=dict([header.split(": ", 1)]))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def gunicorn(workers: int, header: str) -> Iterator[int]:
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        str(binary if binary.exists() else shutil.which("gunicorn") or "gunicorn"),
        "bench.pages:application",
        f"--chdir={ROOT}",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{(port := free_port())}",
        "--log-level=warning",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {proc.returncode}")
            try:
                if fetch(port, TRIVIAL, header)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        print(f"gunicorn {workers} sync workers on 127.0.0.1:{port} (pid {proc.pid})")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(f"gunicorn stopped ({proc.returncode})")


@dataclass
class Load:
    rps: float
    requests: int
    p50_ms: float
    errors: int


def _find(pattern: str, output: str) -> str:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"unexpected wrk output (no {pattern!r}):\n{output}")
    return match.group(1)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def wrk(port: int, url: str, header: str, seconds: float, connections: int) -> Load:
    threads = min(connections, os.cpu_count() or 2)
    output = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-H",
            header,
            f"http://127.0.0.1:{port}{url}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", output))
    total = int(_find(r"(\d+) requests in", output))
    # "50%" at a line's start: the Latency Distribution (a "+/- Stdev" column can end in 50%).
    p50 = _ms(_find(r"^\s*50%\s+(\S+)", output))
    failures = r"(?:Non-2xx or 3xx responses:|connect|read|write|timeout) (\d+)"
    errors = sum(int(n) for n in re.findall(failures, output))
    return Load(rps, total, p50, errors)


def python_load(port: int, url: str, header: str, seconds: float, connections: int) -> Load:
    """A threaded keep-alive client (http.client reconnects when the server closes)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while (started := time.perf_counter()) < stop:
            try:
                conn.request("GET", url, headers=dict([header.split(": ", 1)]))
                response = conn.getresponse()
                response.read()
                bad += response.status >= 400
            except (OSError, http.client.HTTPException):
                conn.close()
                bad += 1
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    began = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    p50 = statistics.median(latencies) * 1000 if latencies else math.nan
    return Load(len(latencies) / elapsed, len(latencies), p50, errors[0])


def throughput(
    args: argparse.Namespace, user: User, todo: list[Page], header: str = ""
) -> dict[str, list[Load]]:
    """`header`: the one credentials header every request sends (default: the session)."""
    session = login_session(user)
    # A browser that has seen a page sends its CSRF cookie too; without one, every page with a
    # form would mint a new CSRF secret and set it again.
    csrf = get_random_string(32, CSRF_ALLOWED_CHARS)
    header = header or (
        f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key};"
        f" {settings.CSRF_COOKIE_NAME}={csrf}"
    )
    load = wrk if shutil.which("wrk") and not args.python_client else python_load
    print(
        f"load generator: {'wrk' if load is wrk else 'Python threads'}; load average before:"
        f" {os.getloadavg()[0]:.2f} (other work on the machine lowers every figure)"
    )
    results: dict[str, list[Load]] = {page.label: [] for page in todo}
    try:
        with gunicorn(args.workers, header) as port:
            for page in todo:  # the gunicorn responses must be the pages, logged in
                check(page, *fetch(port, page.url, header))
            for page in todo:  # both workers warm on every page
                load(port, page.url, header, args.warmup_seconds, args.connections)
                fetch(port, TRIVIAL, header)  # queued behind the backlog: the server is idle
            # Rounds over all URLs, so that a disturbance hits one round, not one URL.
            for number in range(1, args.rounds + 1):
                for page in todo:
                    result = load(port, page.url, header, args.duration, args.connections)
                    fetch(port, TRIVIAL, header)
                    results[page.label].append(result)
                    print(f"  round {number} {page.label}: {result.rps:,.0f} req/s")
    finally:
        session.delete()
    return results


# --- report -----------------------------------------------------------------------------------


def report(
    todo: list[Page],
    times: dict[str, ServerTime],
    rounds: dict[str, list[Load]],
    args: argparse.Namespace,
) -> None:
    # Per URL the best round: the ceiling, least disturbed by anything else on the machine.
    best = {label: max(loads, key=lambda lo: lo.rps) for label, loads in rounds.items()}
    trivial_rps = best["trivial view"].rps
    print(
        f"\n{'page':<22} {'median':>8} {'p95':>8} {'SQL':>8} {'queries':>7} {'kB':>5}"
        f" │ {'req/s':>6} {'(rounds)':>13} {'p50 load':>9} {'×trivial':>8} {'errors':>6}"
    )
    for page in todo:
        t, lo = times.get(page.label), best.get(page.label)
        left = (
            f"{t.median_ms:>6.1f}ms {t.p95_ms:>6.1f}ms {t.sql_ms:>6.1f}ms {t.queries:>7}"
            f" {t.size_kb:>5.1f}"
            if t
            else f"{'–':>8} {'–':>8} {'–':>8} {'–':>7} {'–':>5}"
        )
        if lo is None:  # not put under load
            print(f"{page.label:<22} {left} │ {'–':>6}")
            continue
        spread = "–".join(f"{r.rps:,.0f}" for r in rounds[page.label])
        errors = sum(r.errors for r in rounds[page.label])
        print(
            f"{page.label:<22} {left} │ {lo.rps:>6,.0f} {'(' + spread + ')':>13}"
            f" {lo.p50_ms:>7.1f}ms {lo.rps / trivial_rps:>8.2f} {errors:>6}"
        )
    print(
        f"in-process: {args.requests} requests after {args.warmup} warm-up (Django test client;"
        " SQL: the queries' time per request). gunicorn: "
        f"{args.workers} sync workers, {args.connections} connections, {args.duration:g} s per"
        f" URL, best of {args.rounds} rounds; DEBUG={settings.DEBUG}; {os.cpu_count()} CPUs;"
        f" cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        " shared by gunicorn, PostgreSQL and the load generator."
    )
    for label, t in times.items():
        ms, sql = t.slowest
        if ms >= 5:
            print(f"slowest query of {label}: {ms:.1f} ms  {' '.join(sql.split())[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per page")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all URLs")
    parser.add_argument("--warmup-seconds", type=float, default=2, help="load warm-up per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        migrate()
        ws = bench_workspace()
        user = bench_member(ws)
        collect_static()
        todo = pages(ws.slug)
        times = in_process(user, [p for p in todo if p.in_process], args.requests, args.warmup)
        for label, t in times.items():
            print(
                f"  {label}: median {t.median_ms:.1f} ms, p95 {t.p95_ms:.1f} ms, {t.marks} × marker"
            )
        loads = throughput(args, user, [p for p in todo if p.under_load])
        report(todo, times, loads, args)
        median = times["dashboard"].median_ms
        best = {label: max(rounds, key=lambda lo: lo.rps) for label, rounds in loads.items()}
        ratio = best["dashboard"].rps / best["trivial view"].rps
        verdict = "met" if median < 50 else "MISSED"
        print(f"\ndashboard median {median:.1f} ms: {verdict} (< 50 ms)")
        verdict = "met" if ratio >= 0.5 else "MISSED"
        print(f"dashboard throughput {ratio:.2f} × trivial: {verdict} (≥ 0.5)")
    finally:
        if STATIC_ROOT is not None:
            shutil.rmtree(STATIC_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
