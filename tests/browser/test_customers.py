"""Movements to customers in a real browser, in both languages: a bar of the MRR movements
chart and a cell of its table open the customers behind that movement in that month, whose
amounts add up to it; a customer opens its page with its MRR timeline drawn."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TEXT = {
    "en": {"nav": "Customers", "title": "the customers", "timeline": "MRR over time"},
    "de": {"nav": "Kunden", "title": "die Kunden", "timeline": "MRR im Zeitverlauf"},
}
# (name, monthly cents, months before last month it started, day it ended in last month)
ROWS = [
    ("Altkunde GmbH", 10_000, 5, None),
    ("Neukunde AG", 20_000, 0, None),
    ("Zweitkunde KG", 15_000, 0, None),
    ("Abgang GmbH", 7_500, 4, 10),
]


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_movement_bar_and_cell_lead_to_its_customers_and_their_pages(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    last = Period("month", month_index(today_in(workspace.time_zone)) - 1)
    with workspace_scope(workspace.id):
        for n, (name, cents, before, ended) in enumerate(ROWS):
            account = Account.objects.create(external_id=f"A{n}", name=name)
            start = Period("month", last.first_month - before).start + timedelta(days=n)
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=cents,
                currency="EUR",
                interval="month",
                started_at=start,
                ended_at=last.start.replace(day=ended) if ended else None,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    errors = sign_in(page, live_server.url, "chef@example.com", lands_on="/w/acme/")
    text = TEXT[language]

    page.goto(f"{live_server.url}/w/acme/mrr/")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    # The new-MRR bar of last month (the chart's second to last period): click its middle.
    x, y = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById('movements-chart'));
          const meta = chart.getDatasetMeta(0);
          const bar = meta.data[meta.data.length - 2];
          const box = chart.canvas.getBoundingClientRect();
          return [box.left + bar.x, box.top + (bar.y + bar.base) / 2];
        }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url(f"**/w/acme/customers/?movement=mrr_new&period={last.label}")
    expect(page.locator("h1")).to_contain_text(text["title"])
    names = page.locator("table.customers-table tbody th").all_inner_texts()
    assert names == ["Neukunde AG", "Zweitkunde KG"]  # the larger contribution first
    new_total = sum(cents for _, cents, before, _ in ROWS if before == 0) // 100
    total = page.locator("table.customers-table tfoot td.num").inner_text()
    assert str(new_total) in total.replace(",", "").replace(".", "")

    # A cell of the table: last month's churn.
    page.goto(f"{live_server.url}/w/acme/mrr/")
    page.click(f"a[href$='movement=mrr_churn&period={last.label}']")
    page.wait_for_url(f"**/w/acme/customers/?movement=mrr_churn&period={last.label}")
    rows = page.locator("table.customers-table tbody tr")
    expect(rows).to_have_count(1)
    page.click("table.customers-table tbody th a")

    # The customer's page: its timeline drawn, its churn month listed, and the way back.
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    expect(page.locator("h1")).to_contain_text("Abgang GmbH")
    expect(page.locator("#timeline-title")).to_have_text(text["timeline"])
    assert page.locator("#customer-mrr-chart").bounding_box()["height"] > 100
    expect(page.locator("table.customer-movements tbody tr").first).to_contain_text("S3")
    page.click(f"nav.breadcrumbs >> text={text['nav']}")
    page.wait_for_url(f"**/w/acme/customers/?movement=mrr_churn&period={last.label}")
    page.click(f"nav.mainnav >> text={text['nav']}")
    expect(page.locator("table.customers-table tbody tr")).to_have_count(4)
    assert errors == []
