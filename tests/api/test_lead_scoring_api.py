"""/api/v1/workspaces/<slug>/lead-scoring/rules/ (viewers read, editors write, outsiders see
nothing, bad input stores nothing) and the leads' read-only `score` and `score_reasons`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Channel, Lead, LeadScoringRule, Touchpoint

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/lead-scoring/rules/"
DEMO = {"kind": "touchpoint_type", "label": "Demo angefragt", "points": 30, "value": "demo"}


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _rules(workspace) -> list[tuple[str, int]]:
    with workspace_scope(workspace.id):
        return list(LeadScoringRule.objects.order_by("id").values_list("label", "points"))


def test_an_editor_creates_changes_and_deletes_a_rule_and_each_is_audited(erik, workspace):
    created = _as(erik).post(URL, DEMO, format="json")
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert {k: rule[k] for k in DEMO} == DEMO and rule["minimum"] is None
    changed = _as(erik).patch(f"{URL}{rule['id']}/", {"points": -20}, format="json")
    assert changed.status_code == 200 and changed.json()["points"] == -20
    assert _rules(workspace) == [("Demo angefragt", -20)]
    assert _as(erik).delete(f"{URL}{rule['id']}/").status_code == 204
    assert _rules(workspace) == []
    with workspace_scope(workspace.id):
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["scoring_rule.created", "scoring_rule.changed", "scoring_rule.deleted"]


def test_viewers_read_the_rules_but_cannot_write_them(erik, vera, workspace):
    rule = _as(erik).post(URL, DEMO, format="json").json()
    listed = _as(vera).get(URL)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [rule["id"]]
    assert _as(vera).post(URL, DEMO, format="json").status_code == 403
    assert _as(vera).patch(f"{URL}{rule['id']}/", {"points": 1}, format="json").status_code == 403
    assert _as(vera).delete(f"{URL}{rule['id']}/").status_code == 403
    assert _rules(workspace) == [("Demo angefragt", 30)]


def test_another_workspace_sees_and_touches_nothing(erik, charlie, workspace, other_workspace):
    rule = _as(erik).post(URL, DEMO, format="json").json()
    assert _as(charlie).get(URL).status_code == 404
    theirs = f"/api/v1/workspaces/beta/lead-scoring/rules/{rule['id']}/"
    assert _as(charlie).get(theirs).status_code == 404
    assert _as(charlie).delete(theirs).status_code == 404
    assert _as(charlie).get("/api/v1/workspaces/beta/lead-scoring/rules/").json() == []
    assert _rules(workspace) == [("Demo angefragt", 30)]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({**DEMO, "points": 101}, "points", "Ensure this value is less than or equal to 100."),
        ({**DEMO, "value": "fax"}, "value", "Choose one of the touchpoint types."),
        ({**DEMO, "label": "  "}, "label", "This field may not be blank."),
        (
            {"kind": "country", "label": "DE", "points": 5, "value": "Deutschland"},
            "value",
            "Enter the country as its two-letter code, e.g. DE.",
        ),
        (
            {"kind": "company_size", "label": "Groß", "points": 5},
            "minimum",  # a constraint's message stands on its first field
            "Enter at least the lower or the upper number of employees.",
        ),
        (
            {"kind": "company_size", "label": "Groß", "points": 5, "minimum": 500, "maximum": 50},
            "minimum",
            "The upper number must not be below the lower one.",
        ),
        (
            {"kind": "recent_touchpoints", "label": "Aktiv", "points": 5, "minimum": 0},
            "minimum",
            "Enter how many touchpoints at least (1 or more).",
        ),
        ({**DEMO, "kind": "horoscope"}, "kind", '"horoscope" is not a valid choice.'),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(
    erik, workspace, values, field, message
):
    answer = _as(erik).post(URL, values, format="json")
    assert answer.status_code == 400
    assert answer.json()[field] == [message], answer.json()
    assert _rules(workspace) == []


def test_a_bad_change_leaves_the_rule_as_it_was(erik, workspace):
    rule = _as(erik).post(URL, DEMO, format="json").json()
    answer = _as(erik).patch(f"{URL}{rule['id']}/", {"points": -500}, format="json")
    assert answer.status_code == 400 and "points" in answer.json()
    assert _rules(workspace) == [("Demo angefragt", 30)]


def test_the_leads_api_carries_each_leads_score_and_reasons(erik, vera, workspace):
    with workspace_scope(workspace.id):
        today = today_in(workspace.time_zone)
        web = Channel.objects.create(name="Web", key="web")
        hot = Lead.objects.create(external_id="L1", created_at=today - timedelta(days=3))
        Lead.objects.create(external_id="L2", created_at=today - timedelta(days=3))
        Touchpoint.objects.create(lead=hot, occurred_at=today, channel=web, type="demo")
    rule = _as(erik).post(URL, DEMO, format="json").json()
    active = {"kind": "recent_touchpoints", "label": "Aktiv", "points": 5, "minimum": 1}
    second = _as(erik).post(URL, active, format="json").json()
    listed = _as(vera).get("/api/v1/workspaces/acme/leads/?ordering=external_id").json()
    rows = {row["external_id"]: row for row in listed["results"]}
    assert rows["L1"]["score"] == DEMO["points"] + active["points"]
    assert rows["L1"]["score_reasons"] == [
        {"rule": second["id"], "label": "Aktiv", "points": 5},
        {"rule": rule["id"], "label": "Demo angefragt", "points": 30},
    ]
    assert rows["L2"]["score"] == 0 and rows["L2"]["score_reasons"] == []
    one = _as(vera).get(f"/api/v1/workspaces/acme/leads/{hot.pk}/").json()
    assert one["score"] == 35
    # read-only: a score sent along is ignored, the lead is stored as the form reads it
    sent = {"external_id": "L3", "created_at": str(date(2026, 1, 5)), "score": 99}
    made = _as(erik).post("/api/v1/workspaces/acme/leads/", sent, format="json")
    assert made.status_code == 201 and made.json()["score"] == 0
