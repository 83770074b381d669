"""Lead scoring in a real browser, in both languages: an editor changes a rule's points and
the hottest leads come in another order, with the new points among the reasons."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Channel, Lead, LeadScoringRule, Touchpoint
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"nav": "Lead scoring", "edit": "Edit", "save": "Save", "saved": "The rule is saved"},
    "de": {"nav": "Lead-Scoring", "edit": "Bearbeiten", "save": "Speichern",
           "saved": "Die Regel ist gespeichert"},
}  # fmt: skip


def _leads_in_order(page) -> list[str]:
    return [cell.strip() for cell in page.locator("#hottest-leads tbody th").all_inner_texts()]


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_editor_changes_a_rule_and_the_hottest_leads_change(live_server, page, language):
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    today = today_in(workspace.time_zone)
    with workspace_scope(workspace.id):
        web = Channel.objects.create(name="Web", key="web")
        demo = Lead.objects.create(external_id="L1", email_or_company="demo@example.com",
                                   created_at=today - timedelta(days=10))  # fmt: skip
        webinar = Lead.objects.create(external_id="L2", email_or_company="webinar@example.com",
                                      created_at=today - timedelta(days=10))  # fmt: skip
        Touchpoint.objects.create(lead=demo, occurred_at=today, channel=web, type="demo")
        Touchpoint.objects.create(lead=webinar, occurred_at=today, channel=web, type="webinar")
        rule = LeadScoringRule.objects.create(kind="touchpoint_type", label="Demo", points=40,
                                              value="demo")  # fmt: skip
        LeadScoringRule.objects.create(kind="touchpoint_type", label="Webinar", points=20,
                                       value="webinar")  # fmt: skip
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")

    with page.expect_navigation():
        page.click(f"nav.mainnav >> text={TEXT[language]['nav']}")
    assert _leads_in_order(page) == ["demo@example.com", "webinar@example.com"]
    assert "Demo (+40)" in page.locator("#hottest-leads").inner_text()

    row = page.locator("#scoring-rules tbody tr").filter(has_text="Demo")
    with page.expect_navigation():
        row.get_by_role("link", name=TEXT[language]["edit"]).click()
    assert page.locator("#id_points").input_value() == "40"
    page.fill("#id_points", "5")
    page.click(f"form button[type=submit]:has-text('{TEXT[language]['save']}')")
    page.wait_for_selector(f".message:has-text('{TEXT[language]['saved']}')")

    assert _leads_in_order(page) == ["webinar@example.com", "demo@example.com"]
    hottest = page.locator("#hottest-leads").inner_text()
    assert "Demo (+5)" in hottest and "Webinar (+20)" in hottest
    with workspace_scope(workspace.id):
        assert LeadScoringRule.objects.get(pk=rule.pk).points == 5
    assert errors == []


ADD = {
    "en": {"add": "Add", "delete": "Delete", "confirm": "Delete this rule?",
           "deleted": "The rule was deleted.", "kind": "Had a touchpoint of the type"},
    "de": {"add": "Hinzufügen", "delete": "Löschen", "confirm": "Diese Regel löschen?",
           "deleted": "Die Regel wurde gelöscht.", "kind": "Hatte einen Touchpoint vom Typ"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_editor_adds_a_rule_and_deletes_it_again(live_server, page, language):
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    today = today_in(workspace.time_zone)
    with workspace_scope(workspace.id):
        web = Channel.objects.create(name="Web", key="web")
        lead = Lead.objects.create(external_id="L1", email_or_company="event@example.com",
                                   created_at=today - timedelta(days=3))  # fmt: skip
        Touchpoint.objects.create(lead=lead, occurred_at=today, channel=web, type="event")
    errors = sign_in(page, live_server.url, "lead@example.com")
    page.goto(f"{live_server.url}/w/acme/leads/scoring/")
    page.wait_for_load_state("load")
    assert page.locator("#hottest-leads tbody td.num").inner_text().strip() == "0"

    page.fill("#id_label", "Messe")
    page.select_option("#id_kind", label=ADD[language]["kind"])
    page.fill("#id_value", "event")
    page.fill("#id_points", "25")
    page.click(f"form button[type=submit]:has-text('{ADD[language]['add']}')")
    page.wait_for_selector(f".message:has-text('{TEXT[language]['saved']}')")
    assert page.locator("#hottest-leads tbody td.num").inner_text().strip() == "25"
    assert "Messe (+25)" in page.locator("#hottest-leads").inner_text()

    page.once("dialog", lambda dialog: dialog.accept() if dialog.message == ADD[language][
        "confirm"] else dialog.dismiss())  # fmt: skip
    row = page.locator("#scoring-rules tbody tr").filter(has_text="Messe")
    row.get_by_role("button", name=ADD[language]["delete"]).click()
    page.wait_for_selector(f".message:has-text('{ADD[language]['deleted']}')")
    assert page.locator("#scoring-rules").count() == 0  # the empty state again
    assert page.locator("#hottest-leads tbody td.num").inner_text().strip() == "0"
    with workspace_scope(workspace.id):
        assert not LeadScoringRule.objects.exists()
    assert errors == []
