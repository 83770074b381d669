"""The production stack as processes (README, "Production"): PostgreSQL (a database of its
own), a Redis of its own on a spare port (the fault tests restart it), `migrate`,
`collectstatic`, `check --deploy`, two gunicorn "web nodes", two Celery workers and one beat,
all with DEBUG=0. Started once per test session; every process is stopped by its id."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "stack-test-password-42"
OWNER = "owner@stack.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    """Stop a process we started, by its id; its children (pool processes) if it leaves any."""
    if process.poll() is not None:
        return
    children = _children(process.pid)
    process.send_signal(sig)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    database_url: str
    redis_port: int
    web: dict[str, int] = field(default_factory=dict)  # node name -> port
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def manage_together(self, *commands: tuple[str, ...], timeout: float = 900) -> None:
        """Run independent manage.py commands at once (migrate and collectstatic)."""
        running = [
            (args, subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=self.tmp,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            ))
            for args in commands
        ]  # fmt: skip
        for args, process in running:
            output, _ = process.communicate(timeout=timeout)
            assert process.returncode == 0, f"manage.py {' '.join(args)}:\n{output}"

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def start_web(self, name: str) -> None:
        port = free_port()
        self.web[name] = port
        self.spawn(name, [
            str(BIN / "gunicorn"), "kpiapp.wsgi", "--workers", "2", "--preload",
            "--bind", f"127.0.0.1:{port}",
            "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket",
        ])  # fmt: skip

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.spawn(name, [
            str(BIN / "celery"), "-A", "kpiapp", "worker", "--concurrency", "1",
            "--hostname", f"{name}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle",
        ])  # fmt: skip

    def start_beat(self) -> None:
        self.spawn("beat", [
            str(BIN / "celery"), "-A", "kpiapp", "beat", "--loglevel", "INFO",
            "--pidfile", str(self.tmp / "beat.pid"),
        ])  # fmt: skip

    def start_redis(self) -> None:
        self.spawn("redis", [
            shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        ])  # fmt: skip
        wait_for(lambda: _redis_up(self.redis_port), 20, "Redis")

    def shell(self, code: str) -> str:
        """What `code` printed last (the shell may print a note about its imports first)."""
        lines = self.manage("shell", "--no-imports", "-c", code).strip().splitlines()
        return lines[-1] if lines else ""

    def workspace_id(self, slug: str) -> int:
        return self.sql("SELECT id FROM accounts_workspace WHERE slug = %s", (slug,))[0][0]

    def worker_that_received(self, task: str, offsets: dict[str, int]) -> str | None:
        """The worker whose log shows `task` received since `offsets` (log sizes)."""
        for name, offset in offsets.items():
            text = self.log(name)[offset:]
            if any(task in line and "received" in line for line in text.splitlines()):
                return name
        return None

    def log_sizes(self, *names: str) -> dict[str, int]:
        return {name: len(self.log(name)) for name in names}

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def wait_ready(self, seconds: float = 120) -> None:
        for name, port in self.web.items():
            wait_for(lambda p=port: _ready(p), seconds, f"{name} /readyz")

    def stop_all(self) -> None:
        for name in list(self.processes)[::-1]:
            stop(self.processes.pop(name))


def _ready(port: int) -> bool:
    try:
        answer = requests.get(
            f"http://127.0.0.1:{port}/readyz", headers={"Host": "kpi.example.test"}, timeout=30
        )
    except requests.RequestException:
        return False
    return answer.status_code == 200


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(condition, seconds: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _stack_database(url: str) -> tuple[str, str]:
    """(the stack's own database URL, the maintenance database URL) on the same server."""
    parts = urlsplit(url)
    # One per xdist process (pytest-django names the test databases the same way).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = parts.path.lstrip("/") + "_stack" + (f"_{worker}" if worker else "")
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _services_or_skip() -> str:
    url = os.environ.get("DATABASE_URL", "")
    missing = []
    if not url.startswith("postgres"):
        missing.append("DATABASE_URL (PostgreSQL)")
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if missing:
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail(f"KZ_REQUIRE_SERVICES=1 but missing: {', '.join(missing)}")
        pytest.skip(f"the stack test needs {', '.join(missing)}")
    return url


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    base_url = _services_or_skip()
    database_url, maintenance = _stack_database(base_url)
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("stack")
    redis_port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp)),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "kpiapp.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kpi.example.test,127.0.0.1",
        "SITE_URL": "https://kpi.example.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_FORMAT": "json",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # Short enough for the fault tests to see a dead worker's claim lapse (README).
        "RECOMPUTE_LEASE_SECONDS": "6",
        "RECOMPUTE_HEARTBEAT_SECONDS": "2",
        "RECOMPUTE_SWEEP_SECONDS": "3",
        "IMPORT_STALE_SECONDS": "10",
    }
    stack = Stack(tmp=tmp, env=env, database_url=database_url, redis_port=redis_port)
    try:
        stack.start_redis()
        started = time.monotonic()
        stack.manage_together(
            ("migrate", "--noinput"),
            ("collectstatic", "--noinput"),
            ("check", "--deploy", "--fail-level", "WARNING"),
        )
        stack.timings["migrate, collectstatic, check --deploy"] = time.monotonic() - started
        stack.start_web("node_a")
        stack.start_web("node_b")
        stack.start_worker("worker1")
        stack.start_worker("worker2")
        stack.start_beat()
        stack.wait_ready()
        stack.timings["processes up"] = time.monotonic() - started
        yield stack
    finally:
        stack.stop_all()
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
