"""Alerts (issue 20): each kind fires on its condition, once per period, and is delivered by
email in the recipient's language and to a webhook whose signature the receiver checks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.core import mail
from django.core.exceptions import PermissionDenied

import pytest

from accounts.models import Membership
from accounts.tenancy import workspace_scope
from kpiapp.models import AlertDelivery, AlertEvent, AlertRule, KpiSnapshot, Target
from kpiapp.services.alerts import (
    DeliveryFailed,
    alert_deliver,
    alert_rule_create,
    alerts_evaluate,
    webhook_secret,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 5)


def _mrr(values: dict[str, int]) -> None:
    for month, value in values.items():
        KpiSnapshot.objects.update_or_create(
            kpi_key="mrr", grain="month", period_start=date.fromisoformat(month + "-01"),
            dimension="", dimension_value="",
            defaults={"value": Decimal(value), "computed_at": "2026-12-05T00:00Z"},
        )  # fmt: skip


@pytest.fixture
def editor(workspace, erik):
    with workspace_scope(workspace.id):
        yield Membership.objects.get(user=erik)


def _rule(editor, **values):
    base = {"kpi_key": "mrr", "grain": "month", "dimension": "", "dimension_value": "",
            "threshold": None, "change": None, "compare_with": "previous", "recipients": "me",
            "webhook_url": "", "webhook_format": "json"}  # fmt: skip
    return alert_rule_create(membership=editor, values={**base, **values})


def test_a_threshold_alert_fires_once_for_the_last_complete_month(editor):
    _mrr({"2026-10": 95_000, "2026-11": 101_000, "2026-12": 120_000})
    _rule(editor, kind="above", threshold=Decimal(100_000))
    first = alerts_evaluate(today=TODAY)
    assert len(first) == 1  # one email to the rule's author
    (event,) = AlertEvent.objects.all()
    assert (event.period_start, event.condition, event.value) == (
        date(2026, 11, 1),
        "above",
        101_000,
    )
    assert alerts_evaluate(today=TODAY) == []  # the same period and condition: nothing again
    assert AlertDelivery.objects.count() == 1


def test_change_and_anomaly_alerts(editor):
    months = {f"2025-{m:02}": 100_000 + (m % 3) * 1000 for m in range(11, 13)}
    months |= {f"2026-{m:02}": 100_000 + (m % 3) * 1000 for m in range(1, 11)}
    months["2026-11"] = 140_000
    _mrr(months)
    _rule(editor, kind="change", change=Decimal("0.25"))
    _rule(editor, kind="anomaly")
    _rule(editor, kind="change", change=Decimal("0.5"))  # 40 % is not enough for this one
    alerts_evaluate(today=TODAY)
    assert sorted(AlertEvent.objects.values_list("condition", flat=True)) == [
        "rise", "unusually_high"
    ]  # fmt: skip


def test_a_target_at_risk_fires_for_the_quarter(editor):
    _mrr({"2026-09": 100_000, "2026-10": 100_500, "2026-11": 101_000, "2026-12": 101_000})
    KpiSnapshot.objects.create(kpi_key="mrr", grain="quarter", period_start=date(2026, 10, 1),
                               value=Decimal(101_000), computed_at="2026-12-05T00:00Z")  # fmt: skip
    Target.objects.create(kpi_key="mrr", quarter_start=date(2026, 10, 1), value=Decimal(150_000))
    _rule(editor, kind="target_at_risk")
    alerts_evaluate(today=TODAY)
    (event,) = AlertEvent.objects.all()
    assert event.condition in ("at_risk", "off_track") and event.grain == "quarter"


def test_the_email_speaks_the_recipients_language(editor, erik):
    erik.language = "de"
    erik.save()
    _mrr({"2026-11": 90_000})
    _rule(editor, kind="below", threshold=Decimal(100_000))
    (delivery_id,) = alerts_evaluate(today=TODAY)
    assert alert_deliver(delivery_id=delivery_id) is True
    assert alert_deliver(delivery_id=delivery_id) is False  # sent once
    (message,) = mail.outbox
    assert "MRR im Nov. 2026: 90.000,00\xa0€, unter 100.000,00\xa0€." in message.body
    assert message.subject == "Kennzahl-Alarm: MRR"


class _Receiver(BaseHTTPRequestHandler):
    calls: list[tuple[dict, bytes]] = []
    answer = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.calls, _Receiver.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()


def test_a_webhook_call_is_signed_and_a_failed_one_is_tried_again(editor, receiver):
    url, calls = receiver
    _mrr({"2026-11": 90_000})
    _rule(editor, kind="below", threshold=Decimal(100_000), recipients="none", webhook_url=url)
    (delivery_id,) = alerts_evaluate(today=TODAY)
    calls.answer = 503
    with pytest.raises(DeliveryFailed):
        alert_deliver(delivery_id=delivery_id)
    calls.answer = 200
    assert alert_deliver(delivery_id=delivery_id) is True
    headers, body = calls.calls[-1]
    expected = hmac.new(webhook_secret().encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Kennzahl-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert (payload["kpi"], payload["condition"], payload["value"]) == (
        "mrr",
        "below",
        "90000.000000",
    )
    assert AlertDelivery.objects.get().attempts == 2


def test_slack_gets_a_text_message(editor, receiver):
    url, calls = receiver
    _mrr({"2026-11": 90_000})
    _rule(editor, kind="below", threshold=Decimal(100_000), recipients="none", webhook_url=url,
          webhook_format="slack")  # fmt: skip
    (delivery_id,) = alerts_evaluate(today=TODAY)
    alert_deliver(delivery_id=delivery_id)
    payload = json.loads(calls.calls[-1][1])
    assert list(payload) == ["text"] and "MRR" in payload["text"]


def test_viewers_cannot_set_up_alerts(workspace, vera):
    with workspace_scope(workspace.id):
        viewer = Membership.objects.get(user=vera)
        with pytest.raises(PermissionDenied):
            _rule(viewer, kind="anomaly")
        assert AlertRule.objects.count() == 0
