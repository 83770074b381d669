"""A real browser draws a KPI's trend and breakdown charts, in both languages."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = {"en": "Active customers", "de": "Aktive Kunden"}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_kpi_page_draws_its_charts_with_data(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        start = today_in(workspace.time_zone).replace(day=1) - timedelta(days=300)
        for n in range(5):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country="DE")
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=10_000,
                currency="EUR",
                interval="month",
                started_at=start + timedelta(days=40 * n),
            )
        snapshot_rebuild(workspace_id=workspace.id)
    errors = sign_in(page, live_server.url, "chef@example.com")

    page.goto(f"{live_server.url}/w/acme/kpis/customers_active/?dimension=country")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    assert page.locator("h1").inner_text() == TITLE[language]
    drawn = page.evaluate("""() => ['trend-chart', 'breakdown-chart'].map((id) => {
        const chart = Chart.getChart(id);
        const canvas = document.getElementById(id);
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return {values: chart.data.datasets[0].data, painted};
    })""")
    trend, breakdown = drawn
    assert max(v for v in trend["values"] if v is not None) == 5
    assert breakdown["values"] == [5]  # all five in DE
    assert trend["painted"] > 1000 and breakdown["painted"] > 500

    page.goto(f"{live_server.url}/w/acme/kpis/customer_churn_rate/")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    ticks = page.evaluate("() => Chart.getChart('trend-chart').scales.y.ticks.map((t) => t.label)")
    assert ticks and all(label.endswith("\u00a0%") for label in ticks), ticks
    assert errors == []
