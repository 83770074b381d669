"""The attribution page in a real browser, in both languages: switching the model changes the
shares without anything else to do, and a won customer's journey is one click away."""

import pytest
from playwright.sync_api import expect

from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace
from tests.journey_data import write_journeys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"title": "Attribution", "first": "First touch", "journey": "Journey of Alpha GmbH",
           "won": "Won day", "linear": "1.33", "first_ads": "2.00", "total": "3.00"},
    "de": {"title": "Attribution", "first": "Erster Kontakt",
           "journey": "Customer Journey von Alpha GmbH", "won": "Tag des Abschlusses",
           "linear": "1,33", "first_ads": "2,00", "total": "3,00"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_switch_the_model_and_open_a_journey(live_server, page, language):
    text = TEXT[language]
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    last_month = Period("month", month_index(today_in(workspace.time_zone)) - 1)
    write_journeys(workspace, last_month.start)
    errors = sign_in(page, live_server.url, "lead@example.com")

    page.goto(f"{live_server.url}/w/acme/kpis/")
    with page.expect_navigation():
        page.click(f".analysis-tabs >> text={text['title']}")
    assert page.locator("#period option:checked").inner_text() == period_name(last_month)
    ads = page.locator("#attribution-table tbody tr", has_text="Ads").locator("td").first
    expect(ads).to_have_text(text["linear"])  # ⅓ of Alpha's journey + all of Gamma's
    expect(page.locator("#attribution-table tfoot td").first).to_have_text(text["total"])
    page.wait_for_function("document.body.dataset.chartsReady === '1'")

    page.select_option("#model", label=text["first"])
    with page.expect_navigation():
        page.click("#attribution-filter button[type=submit]")
    expect(ads).to_have_text(text["first_ads"])  # Alpha and Gamma both start with Ads
    expect(page.locator("#attribution-table tbody tr", has_text="Webinar")).to_have_count(0)
    expect(page.locator("#attribution-table tfoot td").first).to_have_text(text["total"])

    with page.expect_navigation():
        page.click("#won-table >> text=Alpha GmbH")
    expect(page.locator("h1")).to_have_text(text["journey"])
    steps = page.locator("#journey-table tbody tr")
    expect(steps).to_have_count(4)  # Ads, Webinar, Sales, then the won day
    expect(steps.nth(3)).to_contain_text(text["won"])
    assert errors == []
