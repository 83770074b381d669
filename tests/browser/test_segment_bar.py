"""In a real browser, in both languages: on the dashboard a person picks a country in the
segment bar, adds a plan to it, sees both conditions as chips and the MRR of the customers
matching both, then removes the country by its chip and sees the plan's MRR."""

import pytest

from tests.browser.helpers import SEGMENT_ACCOUNTS, euros, segment_company, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "germany": "Country: Germany",
        "pro": "Plan: Pro",
        "apply": "Apply",
        "add": "Add",
        "add_label": "Add a condition",
        "remove": " – remove",
    },
    "de": {
        "germany": "Land: Deutschland",
        "pro": "Tarif: Pro",
        "apply": "Anwenden",
        "add": "Hinzufügen",
        "add_label": "Bedingung hinzufügen",
        "remove": " – entfernen",
    },
}


def _sum(country: str = "", plan: str = "") -> int:
    return sum(e for c, p, e, _days in SEGMENT_ACCOUNTS if c in (country or c) and p in (plan or p))


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_person_adds_a_plan_to_a_country_and_removes_the_country(live_server, page, language):
    segment_company(language)
    words = WORDS[language]
    errors = sign_in(page, live_server.url, "chef@example.com", lands_on="/w/acme/")
    page.wait_for_load_state("load")
    bar = page.locator("[data-segment-bar]")
    mrr = page.locator("article.tile[data-kpi=mrr] .tile-value")
    chips = bar.locator(".segment-chip > span:first-child")
    assert words["add_label"] not in bar.inner_text()  # nothing to add to before a segment

    page.select_option("#segment-pick", label=words["germany"])
    bar.get_by_role("button", name=words["apply"]).click()
    page.wait_for_url("**segment=country%3ADE")
    page.wait_for_load_state("load")
    assert chips.all_inner_texts() == [words["germany"]]
    assert euros(_sum(country="DE"), language) in mrr.inner_text()

    page.get_by_label(words["add_label"]).select_option(label=words["pro"])
    bar.get_by_role("button", name=words["add"], exact=True).click()
    page.wait_for_url("**segment=country%3ADE%3Bplan%3APro")
    page.wait_for_load_state("load")
    assert chips.all_inner_texts() == [words["germany"], words["pro"]]
    assert bar.locator(".segment-status").get_attribute("data-segment-active") == (
        "country:DE;plan:Pro"
    )
    assert euros(_sum(country="DE", plan="Pro"), language) in mrr.inner_text()  # 950
    assert words["add_label"] not in bar.inner_text()  # no channels or campaigns here

    bar.get_by_role("link", name=words["germany"] + words["remove"]).click()
    page.wait_for_url("**segment=plan%3APro")
    page.wait_for_load_state("load")
    assert chips.all_inner_texts() == [words["pro"]]
    assert euros(_sum(plan="Pro"), language) in mrr.inner_text()  # 1,100
    assert "country%3ADE" not in page.url
    assert errors == []
