"""Alerts through a real Celery worker on Redis: evaluated by a task, delivered by another to
the test's own webhook receiver, which checks the signature; a duplicate delivery of either
task sends nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import AlertDelivery, AlertEvent, AlertRule, KpiSnapshot, WebhookSecret
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.tasks import deliver_alert, evaluate_alerts

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class _Receiver(BaseHTTPRequestHandler):
    calls: list[tuple[str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((self.headers["X-Kennzahl-Signature"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_fired_alert_reaches_the_webhook_once_signed(worker_on_redis, workspace, erik):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.calls = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    last_month = last_complete_period("month", today_in(workspace.time_zone)).start
    with workspace_scope(workspace.id):
        KpiSnapshot.objects.create(kpi_key="mrr", grain="month", period_start=last_month,
                                   value=Decimal(500), computed_at="2026-01-01T00:00Z")  # fmt: skip
        url = f"http://127.0.0.1:{server.server_port}/"
        AlertRule.objects.create(kpi_key="mrr", kind="below", threshold=Decimal(1000),
                                 recipients="none", webhook_url=url, created_by=erik)  # fmt: skip
    try:
        evaluate_alerts.delay(workspace.id).get(timeout=30)
        evaluate_alerts.delay(workspace.id).get(timeout=30)  # delivered twice: fires once
        deadline = time.monotonic() + 30
        while not _Receiver.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        with workspace_scope(workspace.id):
            delivery = AlertDelivery.objects.get()
            secret = WebhookSecret.objects.get().secret
            assert AlertEvent.objects.count() == 1
        assert deliver_alert.delay(workspace.id, delivery.pk).get(timeout=30) is False  # again
        ((signature, body),) = _Receiver.calls
        assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert json.loads(body)["condition"] == "below"
    finally:
        server.shutdown()
