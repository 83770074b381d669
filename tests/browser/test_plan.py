"""The quarter's plan in a real browser, in both languages: a new-MRR goal gives the steps per
channel, changing a rate changes them without a page load, saving sets the targets, and the
targets page shows them as the plan's."""

import pytest
from playwright.sync_api import expect

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace
from tests.plans.helpers import write_trailing_figures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"title": "Quarter plan", "save": "Save plan and set its targets",
           "saved": "was saved with its targets", "badge": "from the plan", "leads": "Leads",
           "zero": "does not divide by zero"},
    "de": {"title": "Quartalsplan", "save": "Plan speichern und Ziele setzen",
           "saved": "wurde mit seinen Zielen gespeichert", "badge": "aus dem Plan",
           "leads": "Leads", "zero": "teilt nicht durch null"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_plan_from_a_new_mrr_goal_what_if_and_save(live_server, page, language):
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    today = today_in(workspace.time_zone)
    last_closed = Period("month", month_index(today) - 1)
    with workspace_scope(workspace.id):
        write_trailing_figures(last_closed.start)
    quarter = Period.of_start("quarter", today)
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")

    with page.expect_navigation():  # plan.js listens once loaded: typing before is lost
        page.click(f"nav.mainnav >> text={TEXT[language]['title']}")
    assert (
        page.locator("h1")
        .inner_text()
        .startswith(f"{TEXT[language]['title']} {period_name(quarter)}")
    )
    page.fill("#goal_value", "10000")
    paid, partner = "#c1-opportunities-value", "#c2-opportunities-value"
    expect(page.locator(paid)).to_have_text("48")
    assert page.locator("#c1-leads-value").inner_text().strip() == "480"
    assert page.locator(partner).inner_text().strip() == "8"
    loads = page.evaluate("performance.getEntriesByType('navigation').length")
    url_before = page.evaluate("performance.timeOrigin")

    # What-if: Paid Ads wins every second deal → 24 opportunities, 48 SQLs, 240 leads.
    page.fill("#o-1-win_rate", "50")
    expect(page.locator(paid)).to_have_text("24")
    assert page.locator("#c1-leads-value").inner_text().strip() == "240"
    assert "⌈12 ÷ 50" in page.locator("#c1-opportunities-how").inner_text()
    assert page.evaluate("performance.timeOrigin") == url_before  # no page load
    assert page.evaluate("performance.getEntriesByType('navigation').length") == loads

    # A rate of 0 is said plainly, and the plan cannot be saved with it.
    page.fill("#o-2-win_rate", "0")
    expect(page.locator("#c2-opportunities-how")).to_contain_text(TEXT[language]["zero"])
    page.fill("#o-2-win_rate", "")
    expect(page.locator(partner)).to_have_text("8")

    page.click(f"button:has-text('{TEXT[language]['save']}')")
    page.wait_for_selector(f".message:has-text('{TEXT[language]['saved']}')")
    assert page.locator("#o-1-win_rate").input_value() == "50"  # the assumption is kept

    page.goto(f"{live_server.url}/w/acme/targets/?quarter={quarter.label}")
    rows = page.locator("table.targets-table tbody tr")
    assert rows.count() == 13  # six steps for two channels and the new MRR
    assert (
        page.locator(f"table.targets-table .badge:has-text('{TEXT[language]['badge']}')").count()
        == 13
    )
    leads = rows.filter(has_text=TEXT[language]["leads"]).filter(has_text="Paid Ads")
    assert "240" in leads.inner_text()
    assert errors == []
