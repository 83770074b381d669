"""The dashboard in a real browser, in both languages: a tile (anywhere on it, and by
keyboard) opens its KPI page, the MRR chart is drawn from the page's data, a new dashboard
is made, its tiles reordered with the buttons, and the tabs switch between dashboards."""

from django.utils import translation

import pytest
from playwright.sync_api import expect

from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"arr": "ARR", "manage": "Manage dashboards", "create": "Create dashboard",
           "down": "Move MRR down", "show": "Show this dashboard"},
    "de": {"arr": "ARR", "manage": "Dashboards verwalten", "create": "Dashboard anlegen",
           "down": "MRR nach unten verschieben", "show": "Dieses Dashboard anzeigen"},
}  # fmt: skip
CHART = """() => {
    const chart = Chart.getChart('mrr-chart');
    return {labels: chart.data.labels, kinds: chart.data.datasets.map((d) => d.type),
            mrr: chart.data.datasets[5].data, newMrr: chart.data.datasets[0].data};
}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_tiles_link_the_mrr_chart_draws_and_dashboards_switch_and_reorder(
    live_server, page, language
):
    user, workspace = workspace_with_one_customer(language)
    text = TEXT[language]
    base = f"{live_server.url}/w/acme"
    errors = sign_in(page, live_server.url, user.email, lands_on="/w/acme/")
    page.wait_for_selector("body[data-charts-ready='1']")

    # The MRR chart: the last twelve months in words, five stacked movements and the MRR line.
    month = month_index(today_in(workspace.time_zone))
    drawn = page.evaluate(CHART)
    with translation.override(language):
        months = [period_name(Period("month", m)) for m in range(month - 11, month + 1)]
    assert drawn["labels"] == months
    assert drawn["kinds"] == ["bar"] * 5 + ["line"]
    assert drawn["mrr"] == [5000] * 12  # one customer paying 5,000 € a month since 2020
    assert drawn["newMrr"] == [0] * 12

    # A click anywhere on a tile (here its value) opens the KPI's page.
    box = page.locator("article.tile[data-kpi=arr] .tile-value").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{base}/kpis/arr/?grain=month")
    page.go_back()
    # By keyboard: the tile's link takes the focus and Enter follows it.
    page.locator("article.tile[data-kpi=mrr] a.tile-link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/kpis/mrr/?grain=month")

    # A new dashboard, its first two tiles swapped with the buttons (no script needed).
    page.goto(f"{base}/")
    page.get_by_role("link", name=text["manage"]).click()
    page.fill("#new-dashboard-name", "Vertrieb")
    page.get_by_role("button", name=text["create"]).click()
    page.wait_for_url(f"{base}/dashboards/*/edit/")
    first_two = page.locator(".dashboard-tile-list .tile-title")
    assert first_two.nth(0).inner_text() == "MRR"
    page.get_by_role("button", name=text["down"]).click()
    expect(first_two.nth(1)).to_have_text("MRR")
    assert first_two.nth(0).inner_text() == text["arr"]

    # Its page shows the new order; the tabs switch between the two dashboards.
    page.get_by_role("link", name=text["show"]).click()
    tiles = page.locator("article.tile")
    assert tiles.nth(0).get_attribute("data-kpi") == "arr"
    assert tiles.nth(1).get_attribute("data-kpi") == "mrr"
    tabs = page.locator("nav.dashboard-tabs")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Vertrieb")
    # The first dashboard is named in the workspace's language (English), not the reader's.
    tabs.get_by_role("link", name="Overview").click()
    page.wait_for_url(f"{base}/")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Overview")
    assert tiles.nth(0).get_attribute("data-kpi") == "mrr"
    assert errors == []
