"""Setting up an alert in a real browser, in both languages: a value that is not a number is
refused with the message beside its field and nothing is stored; the corrected form sets the
alert up, it is listed in the KPI's words, and it can be paused."""

from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import AlertRule
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"nav": "Alerts", "empty": "No alerts yet", "submit": "Set up",
           "not_a_number": "Enter a number.", "done": "The alert is set up.",
           "kpi": "Customer churn rate", "kind": "Below a value", "value": "2.5",
           "shown": "2.5", "pause": "Pause", "paused": "paused"},
    "de": {"nav": "Alarme", "empty": "Noch keine Alarme", "submit": "Einrichten",
           "not_a_number": "Geben Sie eine Zahl ein.", "done": "Der Alarm ist eingerichtet.",
           "kpi": "Kundenabwanderungsrate", "kind": "Unter einem Wert", "value": "2,5",
           "shown": "2,5", "pause": "Pausieren", "paused": "pausiert"},
}  # fmt: skip


def _rules(workspace) -> list[AlertRule]:
    with workspace_scope(workspace.id):
        return list(AlertRule.objects.all())


@pytest.mark.parametrize("language", ["en", "de"])
def test_set_up_an_alert_after_a_refused_value(live_server, page, language):
    words = TEXT[language]
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")

    with page.expect_navigation():
        page.click(f"nav.mainnav >> text={words['nav']}")
    assert words["empty"] in page.locator("main").inner_text()

    form = page.locator("form:has(#id_threshold)")
    page.select_option("#id_kpi_key", "customer_churn_rate")
    page.select_option("#id_kind", "below")
    page.fill("#id_threshold", "zwei")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    beside = page.locator(".field.has-error:has(#id_threshold) .field-errors")
    assert beside.inner_text().strip() == words["not_a_number"]
    assert page.locator("#id_kpi_key").input_value() == "customer_churn_rate"  # kept
    assert _rules(workspace) == []

    page.fill("#id_threshold", words["value"])
    page.locator("form:has(#id_threshold) button[type=submit]").click()
    page.wait_for_selector(f".message:has-text('{words['done']}')")
    row = page.locator("table tbody tr").filter(has_text=words["kpi"])
    assert row.count() == 1
    assert words["kind"] in row.inner_text() and words["shown"] in row.inner_text()
    assert page.locator(".field-errors").count() == 0
    (rule,) = _rules(workspace)
    assert rule.kind == "below" and rule.threshold == Decimal("2.5") / 100  # a rate: a fraction

    with page.expect_navigation():
        row.locator(f"button:has-text('{words['pause']}')").click()
    assert words["paused"] in page.locator("table tbody tr").first.inner_text()
    assert not _rules(workspace)[0].active
    # The refused form was answered 400 (the browser logs that); nothing else went wrong.
    assert [e for e in errors if "status of 400" not in e] == []
