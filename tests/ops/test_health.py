"""/healthz, /readyz and /metrics (PRODUCT.md, Interfaces, second round)."""

from __future__ import annotations

import json
import logging

from django.core.cache import cache
from django.db import connection
from django.test import Client

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import RecomputeState
from kpiapp.ops import health
from kpiapp.services.imports import import_observed


def test_healthz_answers_without_login_and_without_the_database(monkeypatch):
    # No database access at all: a database that is down does not fail the liveness probe.
    monkeypatch.setattr(
        connection, "cursor", lambda *a, **k: pytest.fail("healthz touched the database")
    )
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_database_redis_and_migrations_are():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@pytest.mark.parametrize("failing", ["database", "migrations", "redis"])
def test_readyz_names_the_failing_check_and_nothing_secret(monkeypatch, settings, failing):
    def broken() -> bool:
        raise RuntimeError("connection to server at 10.0.0.7 failed: password=hunter2")

    monkeypatch.setitem(health.CHECKS, failing, broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": failing}
    assert b"10.0.0.7" not in response.content and b"hunter2" not in response.content


@pytest.mark.django_db
def test_readyz_fails_while_a_migration_is_not_applied(monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    monkeypatch.setattr(health, "_migrated", False)  # as in a process just started
    MigrationRecorder.Migration.objects.filter(app="kpiapp").order_by("-id").first().delete()
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["failing"]) == (503, "migrations")


@pytest.mark.django_db
def test_readyz_fails_when_redis_cannot_be_reached(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == "redis"


@pytest.mark.django_db
def test_metrics_answer_loopback_and_token_only(settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    # Through a proxy on the same host (nginx): the request is not from loopback.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.get("/metrics").status_code == 404
    wrong = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.get("/metrics").status_code == 404
    right = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert right.get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def _sample(text: str, name: str, labels: str = "") -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in the metrics")


@pytest.mark.django_db
def test_metrics_report_recomputes_imports_digests_and_requests(workspace, client_as, alice):
    from django.utils import timezone

    with workspace_scope(workspace.id):
        RecomputeState.objects.create(
            duration_ms=1500, dirty_since=timezone.now() - timezone.timedelta(seconds=90)
        )
    cache.clear()
    import_observed(rows=5000, seconds=2.0)
    import_observed(rows=1000, seconds=1.0)
    from kpiapp.ops.counters import count

    count("digest_emails_sent", 3)
    client_as(alice).get(f"/w/{workspace.slug}/")

    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    label = f'{{workspace="{workspace.id}"}}'
    assert _sample(text, "kennzahl_recompute_duration_seconds", label) == 1.5
    assert 89 <= _sample(text, "kennzahl_recompute_lag_seconds", label) < 120
    assert _sample(text, "kennzahl_import_rows_total") == 6000
    assert _sample(text, "kennzahl_import_seconds_total") == 3.0
    assert _sample(text, "kennzahl_import_rows_per_second") == 1000.0
    assert _sample(text, "kennzahl_digest_emails_sent_total") == 3
    assert 'kennzahl_http_request_duration_seconds_count{method="GET",' in text
    assert 'view="kpiapp:dashboard"' in text
    assert "alice" not in text and workspace.slug not in text


def test_json_logs_carry_request_id_and_workspace_but_no_personal_data(settings):
    from kpiapp.ops.context import request_id
    from kpiapp.ops.logs import JsonFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    token = request_id.set("abc123def456")
    try:
        with workspace_scope(42):
            line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "hello world"
    assert line["request_id"] == "abc123def456"
    assert line["workspace_id"] == 42
    assert line["level"] == "INFO"


@pytest.mark.django_db
def test_each_request_gets_an_id_and_one_json_log_line(workspace, client_as, alice, caplog):
    from kpiapp.ops.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="kennzahl.request")
    response = client_as(alice).get(f"/w/{workspace.slug}/", HTTP_X_REQUEST_ID="lb-0123456789")
    assert response["X-Request-ID"] == "lb-0123456789"
    lines = [r for r in caplog.records if r.name == "kennzahl.request"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["request_id"] == "lb-0123456789"
    assert entry["workspace_id"] == workspace.id
    assert entry["view"] == "kpiapp:dashboard"
    assert entry["status"] == 200
    assert "alice" not in json.dumps(entry)
    # An id that does not look like one (here: a header injection) is replaced.
    other = client_as(alice).get("/healthz", HTTP_X_REQUEST_ID="x\nforged")
    assert other["X-Request-ID"] != "x\nforged" and len(other["X-Request-ID"]) == 32


def test_sentry_is_off_without_a_dsn(monkeypatch):
    from kpiapp.ops.sentry import sentry_init

    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert sentry_init() is False
