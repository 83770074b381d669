"""In a real browser, in both languages: an editor saves a segment of two conditions (a
country and a plan), applies it on the dashboard and sees the MRR of the customers matching
both, then opens the cohorts page with it and sees that segment's cohorts."""

import pytest

from tests.browser.helpers import euros, segment_company, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "label": "Country: Germany, Plan: Pro",
        "saved": "The segment “DE Pro” was saved.",
        "apply": "Apply",
        "revenue": "Revenue (MRR)",
    },
    "de": {
        "label": "Land: Deutschland, Tarif: Pro",
        "saved": "Das Segment „DE Pro“ wurde gespeichert.",
        "apply": "Anwenden",
        "revenue": "Umsatz (MRR)",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_two_condition_segment_on_the_dashboard_and_the_cohorts(live_server, page, language):
    segment_company(language)
    words = WORDS[language]
    errors = sign_in(page, live_server.url, "chef@example.com")
    page.goto(f"{live_server.url}/w/acme/segments/")
    page.fill("#new-segment-name", "DE Pro")
    page.fill("#new-segment-conditions", "country:DE;plan:Pro")
    with page.expect_navigation():
        page.locator("form button[type=submit].btn-primary").click()
    assert words["saved"] in page.locator("body").inner_text()

    page.goto(f"{live_server.url}/w/acme/")
    page.select_option("#segment-pick", label="DE Pro")
    bar = page.locator("[data-segment-bar]")
    bar.get_by_role("button", name=words["apply"]).click()
    page.wait_for_url("**segment=country%3ADE%3Bplan%3APro**")
    page.wait_for_load_state("load")
    status = page.locator(".segment-status")
    assert status.get_attribute("data-segment-active") == "country:DE;plan:Pro"
    assert "DE Pro" in status.inner_text()
    chips = status.locator(".segment-chip > span:first-child").all_inner_texts()
    assert ", ".join(chips) == words["label"]
    mrr = page.locator("article.tile[data-kpi=mrr] .tile-value").inner_text()
    assert euros(700 + 250, language) in mrr  # Germany and Pro: not 1,350 nor 850
    assert "only the first" not in page.locator("body").inner_text()

    page.goto(f"{live_server.url}/w/acme/cohorts/")
    page.select_option("#segment-pick", label="DE Pro")
    page.locator("[data-segment-bar]").get_by_role("button", name=words["apply"]).click()
    page.wait_for_url("**/cohorts/**segment=country%3ADE%3Bplan%3APro**")
    page.wait_for_load_state("load")
    table = page.locator("[data-cohorts-segment='country:DE;plan:Pro'] table")
    sizes = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert sizes == ["1", "1"]  # the two German Pro customers, each in its own month
    page.get_by_role("link", name=words["revenue"]).click()
    page.wait_for_url("**measure=revenue**segment=country%3ADE%3Bplan%3APro**")
    assert page.locator("[data-cohorts-segment] table tbody tr").count() == 2
    assert errors == []
