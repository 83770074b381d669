"""Alerts in the audit log: set up, paused, resumed and deleted, each written with the change
and read in words (the KPI's name, the condition in its unit, whom it emails), in both
languages; the API's alerts are audited like the page's."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import AlertRule
from kpiapp.models.alerts import AlertComparison, AlertKind, AlertRecipients
from kpiapp.templatetags.kpi_format import kpi_value, percent

pytestmark = pytest.mark.django_db
URL = "/w/acme/alerts/"
AUDIT = "/w/acme/settings/audit/"
CHURN = {"kpi_key": "customer_churn_rate", "grain": "month", "kind": "above",
         "threshold": "3", "recipients": "team"}  # fmt: skip


def _actions(workspace) -> list[tuple[str, str | None]]:
    with workspace_scope(workspace.id):
        events = AuditEvent.objects.filter(action__startswith="alert.").order_by("id")
        return [(e.action, e.actor.email if e.actor else None) for e in events]


def _rule(workspace) -> AlertRule:
    with workspace_scope(workspace.id):
        return AlertRule.objects.get()


def _words(workspace, language: str) -> tuple[str, str, str]:
    """What the log should say of the churn alert, built from the words the app uses."""
    rule = _rule(workspace)
    kpi = KPI_BY_KEY["customer_churn_rate"]
    with translation.override(language):
        condition = f"{AlertKind.ABOVE.label} {kpi_value(rule.threshold, kpi.unit, 'EUR')}"
        return str(kpi.name), condition, str(AlertRecipients.TEAM.label)


def test_setting_up_pausing_resuming_and_deleting_an_alert_is_audited(client_as, erik, workspace):
    editor = client_as(erik)
    assert editor.post(URL, CHURN).status_code == 302
    rule = _rule(workspace)
    assert editor.post(URL, {"action": "pause", "rule": rule.pk}).status_code == 302
    assert not _rule(workspace).active
    assert editor.post(URL, {"action": "pause", "rule": rule.pk}).status_code == 302  # again
    assert "paused" in editor.get(URL).content.decode()
    assert editor.post(URL, {"action": "resume", "rule": rule.pk}).status_code == 302
    assert _rule(workspace).active
    assert _actions(workspace) == [
        ("alert.created", erik.email),
        ("alert.paused", erik.email),  # pausing a paused alert wrote nothing
        ("alert.resumed", erik.email),
    ]
    assert editor.post(URL, {"action": "delete", "rule": rule.pk}).status_code == 302
    assert _actions(workspace)[-1] == ("alert.deleted", erik.email)
    with workspace_scope(workspace.id):
        assert not AlertRule.objects.exists()


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        ("en", ["Set up an alert", "Paused an alert", "Resumed an alert", "Deleted an alert"]),
        ("de", ["Hat einen Alarm eingerichtet", "Hat einen Alarm pausiert",
                "Hat einen Alarm wieder aktiviert", "Hat einen Alarm gelöscht"]),
    ],
)  # fmt: skip
def test_the_audit_log_words_alert_events_in_the_readers_language(
    client_as, alice, erik, workspace, language, phrases
):
    editor = client_as(erik)
    editor.post(URL, CHURN)
    name, condition, recipients = _words(workspace, language)
    rule = _rule(workspace)
    for action in ("pause", "resume", "delete"):
        editor.post(URL, {"action": action, "rule": rule.pk})
    alice.language = language
    alice.save(update_fields=["language"])
    page = client_as(alice).get(AUDIT).content.decode()
    for phrase in (*phrases, name, condition, recipients):
        assert phrase in page, phrase
    table = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    for raw in ("customer_churn_rate", "alert.created", "above", "0.030000", "None"):
        assert raw not in table, raw


def test_a_change_alert_reads_with_its_percent_and_comparison(client_as, erik, alice, workspace):
    rule = {"kpi_key": "mrr", "grain": "month", "kind": "change", "change": "20",
            "compare_with": "last_year", "recipients": "me"}  # fmt: skip
    assert client_as(erik).post(URL, rule).status_code == 302
    stored = _rule(workspace)
    page = client_as(alice).get(AUDIT).content.decode()
    expected = (
        f"{AlertKind.CHANGE.label} {percent(stored.change)} "
        f"(against {AlertComparison.LAST_YEAR.label})"
    )
    assert stored.change == Decimal("0.2")
    assert str(KPI_BY_KEY["mrr"].name) in page
    assert expected in page


def test_alerts_made_and_deleted_through_the_api_are_audited(erik, workspace):
    api = APIClient()
    api.force_authenticate(erik)
    base = "/api/v1/workspaces/acme/alerts/"
    created = api.post(base, {"kpi_key": "mrr", "kind": "below", "threshold": "1000",
                              "recipients": "me"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    assert api.delete(f"{base}{created.json()['id']}/").status_code == 204
    assert _actions(workspace) == [("alert.created", erik.email), ("alert.deleted", erik.email)]


def test_a_refused_alert_writes_no_audit_event(client_as, erik, workspace):
    answer = client_as(erik).post(URL, {**CHURN, "threshold": ""})
    assert answer.status_code == 400
    assert _actions(workspace) == []
