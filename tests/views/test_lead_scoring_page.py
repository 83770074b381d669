"""/w/<slug>/leads/scoring/: editors add, change and delete rules; viewers read; the hottest
open leads with their reasons, the backtest and the empty states."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import User
from accounts.services import WorkspaceSettings, workspace_create
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Channel, Lead, LeadScoringRule, Touchpoint
from kpiapp.services.lead_scoring import DEFAULT_RULES

pytestmark = pytest.mark.django_db
URL = "/w/acme/leads/scoring/"
DEMO = {"action": "create", "kind": "touchpoint_type", "label": "Demo requested",
        "points": "30", "value": "Demo", "minimum": "", "maximum": ""}  # fmt: skip


def _rules(workspace):
    with workspace_scope(workspace.id):
        return list(LeadScoringRule.objects.order_by("id").values_list("label", "points", "value"))


def test_an_empty_workspace_shows_every_empty_state(client_as, vera):
    page = client_as(vera).get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "No rules yet: every lead scores 0." in text
    assert "No open leads" in text and "No decided leads yet" in text
    assert "Start with the suggested rules" not in text  # viewers cannot


def test_an_editor_adds_edits_and_deletes_a_rule(client_as, erik, workspace):
    assert client_as(erik).post(URL, DEMO).status_code == 302
    assert _rules(workspace) == [("Demo requested", 30, "demo")]  # the type by its name
    rule_id = LeadScoringRule.all_workspaces.get().pk
    form = client_as(erik).get(f"{URL}?edit={rule_id}").content.decode()
    assert "Change the rule “Demo requested”" in form
    changed = {**DEMO, "action": "update", "rule": rule_id, "points": "-15"}
    assert client_as(erik).post(URL, changed).status_code == 302
    assert _rules(workspace) == [("Demo requested", -15, "demo")]
    listed = client_as(erik).get(URL).content.decode()
    assert "Had a touchpoint of the type Demo" in listed and "-15" in listed
    gone = client_as(erik).post(URL, {"action": "delete", "rule": rule_id})
    assert gone.status_code == 302 and _rules(workspace) == []


def test_bad_input_is_said_next_to_its_field_and_nothing_changes(client_as, erik, workspace):
    answer = client_as(erik).post(URL, {**DEMO, "points": "250", "value": "fax"})
    assert answer.status_code == 400
    assert answer.context["form"].errors["points"] == [
        "Ensure this value is less than or equal to 100."
    ]
    answer = client_as(erik).post(URL, {**DEMO, "value": "fax"})
    assert answer.status_code == 400
    assert answer.context["form"].errors["value"] == ["Choose one of the touchpoint types."]
    assert _rules(workspace) == []


def test_viewers_cannot_change_rules(client_as, erik, vera, workspace):
    client_as(erik).post(URL, DEMO)
    rule_id = LeadScoringRule.all_workspaces.get().pk
    assert "Add a rule" not in client_as(vera).get(URL).content.decode()
    assert client_as(vera).post(URL, DEMO).status_code == 403
    assert client_as(vera).post(URL, {"action": "delete", "rule": rule_id}).status_code == 403
    assert len(_rules(workspace)) == 1


def test_outsiders_get_not_found(client_as, charlie, other_workspace):
    assert client_as(charlie).get(URL).status_code == 404


def test_an_editor_takes_the_suggested_rules_once(client_as, erik, workspace):
    client_as(erik).post(URL, {"action": "suggest"})
    client_as(erik).post(URL, {"action": "suggest"})
    assert len(_rules(workspace)) == len(DEFAULT_RULES)


def test_a_new_workspace_starts_with_the_suggested_rules_in_its_language(db):
    owner = User.objects.create_user(email="neu@example.com", password="x" * 12)
    made = workspace_create(owner=owner, settings_=WorkspaceSettings(name="Neu GmbH",
                                                                     language="de"))  # fmt: skip
    labels = [label for label, _points, _value in _rules(made)]
    assert len(labels) == len(DEFAULT_RULES) and "Demo angefragt" in labels


def test_the_hottest_leads_show_their_score_and_reasons(client_as, erik, vera, workspace):
    client_as(erik).post(URL, DEMO)
    with workspace_scope(workspace.id):
        today = today_in(workspace.time_zone)
        web = Channel.objects.create(name="Web", key="web")
        hot = Lead.objects.create(external_id="L-hot", email_or_company="hot@example.com",
                                  created_at=today - timedelta(days=5))  # fmt: skip
        Lead.objects.create(external_id="L-cold", email_or_company="cold@example.com",
                            created_at=today - timedelta(days=2))  # fmt: skip
        Touchpoint.objects.create(lead=hot, occurred_at=today, channel=web, type="demo")
    page = client_as(vera).get(URL)
    text = page.content.decode()
    rows = page.context["hottest"]
    assert [(r.lead.external_id, r.score.score) for r in rows] == [("L-hot", 30), ("L-cold", 0)]
    assert "Demo requested (+30)" in text and "No rule applies." in text
    assert text.index("hot@example.com") < text.index("cold@example.com")


def test_the_page_speaks_german_with_the_backtest_in_words(client_as, vera, workspace):
    vera.language = "de"
    vera.save(update_fields=["language"])
    with workspace_scope(workspace.id):
        today = today_in(workspace.time_zone)
        Lead.objects.create(external_id="L-old", created_at=today - timedelta(days=200))
    text = client_as(vera).get(URL).content.decode()
    assert "Treffen die Regeln die richtigen Leads?" in text
    assert "oder am Tag vor dem Abschluss, falls dieser früher lag" in text
    assert "Noch keine Regeln: Jeder Lead hat den Score 0." in text
    assert "Konversionsrate" in text and "0–19" in text
