"""In a real browser, in both languages: a person picks a segment on the dashboard, the tiles
show that segment, a tile leads to its KPI page with the segment still applied, and an editor
saves the segment, which the picker then offers by name."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (country, monthly amount in euros)
ACCOUNTS = [("DE", 700), ("DE", 400), ("US", 150)]
WORDS = {
    "en": {
        "country": "Country",
        "us": "United States",
        "all": "All customers",
        "saved": "The segment “USA” was saved.",
    },
    "de": {
        "country": "Land",
        "us": "Vereinigte Staaten",
        "all": "Alle Kunden",
        "saved": "Das Segment „USA“ wurde gespeichert.",
    },
}


def _company(language: str) -> None:
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        start = today_in(workspace.time_zone).replace(day=1) - timedelta(days=400)
        for n, (country, euros) in enumerate(ACCOUNTS):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country=country)
            Subscription.objects.create(
                external_id=f"S{n}", account=account, amount_cents=euros * 100,
                currency="EUR", interval="month", started_at=start,
            )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)


def _mrr_text(page) -> str:
    return page.locator("article.tile[data-kpi=mrr] .tile-value").inner_text()


def _euros(amount: int, language: str) -> str:
    if language == "de":
        return f"{amount:,}".replace(",", ".") + ",00\xa0€"
    return f"€{amount:,}.00"


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_segment_on_the_dashboard_follows_to_the_kpi_page(live_server, page, language):
    _company(language)
    words = WORDS[language]
    us = sum(e for c, e in ACCOUNTS if c == "US")
    total = sum(e for _, e in ACCOUNTS)
    errors = sign_in(page, live_server.url, "chef@example.com", lands_on="/w/acme/")
    page.wait_for_load_state("load")
    assert _euros(total, language) in _mrr_text(page)
    bar = page.locator("[data-segment-bar]")
    assert words["all"] in bar.inner_text()

    page.select_option("#segment-pick", label=f"{words['country']}: {words['us']}")
    bar.get_by_role("button", name={"en": "Apply", "de": "Anwenden"}[language]).click()
    page.wait_for_url("**segment=country%3AUS**")
    page.wait_for_load_state("load")
    assert _euros(us, language) in _mrr_text(page)
    assert f"{words['country']}: {words['us']}" in page.locator(".segment-status").inner_text()

    page.locator("article.tile[data-kpi=mrr] a.tile-link").click()
    page.wait_for_url("**/kpis/mrr/**segment=country%3AUS**")
    page.wait_for_load_state("load")
    status = page.locator(".segment-status")
    assert status.get_attribute("data-segment-active") == "country:US"
    assert f"{words['country']}: {words['us']}" in status.inner_text()
    assert _euros(us, language) in page.locator("table").first.inner_text()
    assert _euros(total, language) not in page.locator("table").first.inner_text()

    page.fill("#segment-name", "USA")
    with page.expect_navigation():
        page.locator(".segment-save button[type=submit]").click()
    assert words["saved"] in page.locator("body").inner_text()
    assert "/kpis/mrr/" in page.url
    assert page.locator("#segment-pick option:checked").inner_text() == "USA"

    with page.expect_navigation():
        page.locator("a.segment-reset").click()
    assert page.locator(".segment-status").get_attribute("data-segment-active") == ""
    assert errors == []
