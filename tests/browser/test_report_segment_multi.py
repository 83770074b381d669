"""In a real browser, in both languages: an editor creates a report with a saved segment of two
conditions (a country and a plan) through the report form and reads that segment's MRR on the
report page (neither the country's nor the plan's), and why a deal KPI is left out."""

import pytest

from tests.browser.helpers import segment_company, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "option": "DE Pro (Country: Germany, Plan: Pro)",
        "save": "Save report",
        "saved": "The report was saved.",
        "mrr": "€950.00",
        "others": ("€1,350.00", "€1,100.00", "€1,500.00"),  # Germany, Pro, everyone
        "left_out": "This KPI cannot be shown for this combination of conditions",
    },
    "de": {
        "option": "DE Pro (Land: Deutschland, Tarif: Pro)",
        "save": "Bericht speichern",
        "saved": "Der Bericht wurde gespeichert.",
        "mrr": "950,00\xa0€",
        "others": ("1.350,00\xa0€", "1.100,00\xa0€", "1.500,00\xa0€"),
        "left_out": "Für diese Kombination von Bedingungen kann diese Kennzahl nicht angezeigt",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_report_with_a_saved_two_condition_segment(live_server, page, language):
    segment_company(language, saved_de_pro=True)
    words = WORDS[language]
    errors = sign_in(page, live_server.url, "chef@example.com")
    page.goto(f"{live_server.url}/w/acme/reports/new/")
    page.wait_for_load_state("load")
    page.fill("#id_title", "DE Pro")
    page.select_option("#id_segment", label=words["option"])
    page.select_option("#id_section-0-kpi", "mrr")
    page.select_option("#id_section-1-kpi", "win_rate")
    page.get_by_role("button", name=words["save"]).click()
    page.wait_for_url("**/reports/*/")
    page.wait_for_load_state("load")
    body = page.locator("main").inner_text()
    assert words["saved"] in body
    assert page.locator("[data-report-segment]").inner_text() == words["option"]
    mrr = page.locator(".report-section").nth(0)
    assert words["mrr"] in mrr.inner_text()
    assert not any(other in body for other in words["others"])
    left_out = page.locator(".report-section").nth(1).locator("[data-segment-missing]")
    assert words["left_out"] in left_out.inner_text()
    assert not errors
