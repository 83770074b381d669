"""The fixed cast and the test-only switches.

Workspace A ("acme"): alice (owner), adam (admin), erik (editor), vera (viewer).
Workspace B ("beta"): charlie (owner), an outsider to A.

`KZ_REQUIRE_SERVICES=1` (set by .ci/run) turns "no PostgreSQL/Redis" from a skip into a failure,
and `KZ_REQUIRE_BROWSER=1` does the same for Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls
# from "async" code unless told that this is deliberate (STACK.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.utils import translation

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from accounts.models import Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import _current_workspace_id, leaked_scope_clear, workspace_scope
from kpiapp.celery import app as celery_app
from kpiapp.imports.mapping import parse_options
from kpiapp.services.imports import data_import
from tests import table_reset
from tests.db_schema import record_migrations_applied, schema_from_models
from tests.report_data import write_report_snapshots

CHROMIUM = "/usr/bin/chromium"

# Property tests draw the same examples on every run and machine (a red run can be repeated,
# and CI never goes red by chance); no example database is kept between runs.
# KZ_HYPOTHESIS_PROFILE=explore searches new examples, many more of them, when hunting bugs.
hypothesis_settings.register_profile("kennzahl", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", max_examples=300, database=None)
hypothesis_settings.load_profile(os.environ.get("KZ_HYPOTHESIS_PROFILE", "kennzahl"))
PASSWORD = "correct-horse-battery-staple"


def _required(name: str) -> bool:
    return os.environ.get(name, "") in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    # Each test starts with an empty cache (login attempt counts live there); a process-local
    # cache keeps tests from touching the shared Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SILENCED_SYSTEM_CHECKS = ["axes.W001"]
    settings.TENANCY_STRICT = True  # a leaked workspace scope fails the test that leaks it
    table_reset.install()  # a committing test's rows deleted, not every table truncated
    if _required("KZ_REQUIRE_SERVICES"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError("KZ_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
        if not settings.REDIS_URL:
            raise pytest.UsageError("KZ_REQUIRE_SERVICES=1 but REDIS_URL is not set")


# Under pytest-xdist each worker process has its own Redis database (tests/xdist_services.py),
# so a real Celery worker only sees its own process's tasks. Every other test uses eager
# Celery and a process-local cache.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `./dev test` collects only tests/stack/ for its stack step: a stack test elsewhere would
    # never run there.
    misplaced = [
        item.nodeid
        for item in items
        if item.get_closest_marker("stack") and not item.nodeid.startswith("tests/stack/")
    ]
    if misplaced:
        raise pytest.UsageError(f"stack tests belong in tests/stack/: {', '.join(misplaced)}")
    if os.path.exists(CHROMIUM):
        return
    if _required("KZ_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"KZ_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
    skip = pytest.mark.skip(
        reason=f"browser test: no Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> Iterator[ExitStack]:
    # Runs just before pytest-django creates the test databases: their tables come straight
    # from the models (tests/db_schema.py) until `django_db_setup` below closes this stack.
    with ExitStack() as models_only:
        models_only.enter_context(schema_from_models())
        yield models_only


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_modify_db_settings: ExitStack, django_db_blocker
) -> None:
    django_db_modify_db_settings.close()  # the migrations are known again from here on
    with django_db_blocker.unblock():
        record_migrations_applied(connections[DEFAULT_DB_ALIAS])


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Playwright cannot download its own browser here: drive Debian's Chromium (STACK.md).
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Test-only switches, for each test (`_test_speedups`) and for data built once for many tests.
TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    # Recomputes run inline at commit, so a test reads their result at once; the fixture
    # `background_recompute` runs them on the worker thread instead, as the product does.
    "RECOMPUTE_IN_THREAD": False,
}


@contextmanager
def eager_celery() -> Iterator[None]:
    """Tasks run in the calling thread. Celery reads Django settings once at start: switch the
    app object itself (STACK.md)."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _test_speedups(settings) -> Iterator[None]:
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    cache.clear()
    with eager_celery():
        yield
    # A request in German leaves German active in this thread (LocaleMiddleware does not
    # switch back): the next test must not depend on which test ran before it.
    translation.activate(settings.LANGUAGE_CODE)


def make_user(email: str, name: str = "", password: str = PASSWORD) -> User:
    return User.objects.create_user(email=email, password=password, name=name)


def make_workspace(slug: str, owner: User, name: str | None = None) -> Workspace:
    workspace = Workspace.objects.create(name=name or slug.title(), slug=slug, language="en")
    Membership.all_workspaces.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice@example.com", "Alice Owner")


@pytest.fixture
def charlie(db: None) -> User:
    return make_user("charlie@example.com", "Charlie Outsider")


@pytest.fixture
def workspace(alice: User) -> Workspace:
    return make_workspace("acme", alice, "Acme GmbH")


@pytest.fixture
def other_workspace(charlie: User) -> Workspace:
    return make_workspace("beta", charlie, "Beta AG")


def _member(workspace: Workspace, email: str, name: str, role: str) -> User:
    user = make_user(email, name)
    Membership.all_workspaces.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def adam(workspace: Workspace) -> User:
    return _member(workspace, "adam@example.com", "Adam Admin", Role.ADMIN)


@pytest.fixture
def erik(workspace: Workspace) -> User:
    return _member(workspace, "erik@example.com", "Erik Editor", Role.EDITOR)


@pytest.fixture
def vera(workspace: Workspace) -> User:
    return _member(workspace, "vera@example.com", "Vera Viewer", Role.VIEWER)


@pytest.fixture
def cast(
    alice: User, adam: User, erik: User, vera: User, charlie: User, other_workspace: Workspace
) -> dict[str, User]:
    return {"owner": alice, "admin": adam, "editor": erik, "viewer": vera, "outsider": charlie}


class UnscopedClient(Client):
    """A test client whose requests begin outside the test's own workspace scope (the
    `scoped` fixture), as a request on a worker thread does; the request guard then checks
    that the request leaves no scope behind, and the test's scope is back afterwards."""

    def request(self, **request):
        held = leaked_scope_clear()
        try:
            return super().request(**request)
        finally:
            if held is not None:
                _current_workspace_id.set(held)


@pytest.fixture
def client_as() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = UnscopedClient()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def in_workspace() -> Callable[[Workspace], object]:
    return lambda ws: workspace_scope(ws.id)


def membership_of(user: User, workspace: Workspace) -> Membership:
    return Membership.all_workspaces.get(user=user, workspace=workspace)


@pytest.fixture
def run_import(workspace):
    """Import bytes (or text) into the cast's workspace; returns the ImportResult."""

    def run(kind, content, *, preset=None, maps=(), values=(), dry_run=False):
        data = content.encode() if isinstance(content, str) else content
        return data_import(
            workspace=workspace,
            kind=kind,
            data=data,
            preset=preset,
            mapping=parse_options(list(maps), list(values)),
            dry_run=dry_run,
        )

    return run


@pytest.fixture
def snapshots(workspace: Workspace) -> None:
    """Snapshot rows and an MRR target for the report tests (tests/report_data.py)."""
    write_report_snapshots(workspace)


@pytest.fixture
def scoped(workspace):
    with workspace_scope(workspace.id):
        yield workspace


@pytest.fixture
def background_recompute(settings, transactional_db):
    """Recomputes on the embedded default's worker thread (after the commit, not in the
    request); yields `flush()`, which waits until every submitted recompute has finished."""
    from kpiapp.services import recompute_thread

    settings.RECOMPUTE_IN_THREAD = True

    def flush(timeout: float = 30) -> None:
        assert recompute_thread.flush(timeout), "the background recompute did not finish"

    yield flush
    flush()


@pytest.fixture
def worker_on_redis():
    """A real Celery worker on the Redis broker, in a thread, for the duration of a test."""
    if not settings.REDIS_URL:
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail("KZ_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("needs REDIS_URL (a real Redis broker)")
    celery_app.conf.task_always_eager = False

    def close_worker_connections(**kwargs):
        # The worker thread opens its own database connection; close it so the test
        # database can be dropped at the end of the run.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
        ):
            yield
    finally:
        task_postrun.disconnect(close_worker_connections)
        celery_app.conf.task_always_eager = True
