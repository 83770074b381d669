"""The demo workspace in a real browser, in both languages: the dashboard, a KPI page, a custom
KPI's page, the targets page and a saved report load, every chart is drawn with data, and
nothing logs an error."""

import pytest

from accounts.models import User
from kpiapp.demo.dashboards import DEMO_DASHBOARDS
from kpiapp.demo.seed import DEMO_OWNER, demo_seed
from kpiapp.kpis.periods import today_in
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADINGS = {"en": ("Targets", "Active customers"), "de": ("Ziele", "Aktive Kunden")}
CANVAS_PAINT = """(id) => {
    const canvas = document.getElementById(id);
    const chart = Chart.getChart(id);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    const values = chart.data.datasets[0].data.filter((v) => v !== null);
    return {painted, values: values.length};
}"""


def test_the_demo_workspace_in_the_browser(live_server, page):
    """One demo company (generating it takes seconds), toured in English, then in German."""
    demo_seed(slug="demo", seed=42, as_of=today_in("Europe/Berlin"), reset=False)
    owner = User.objects.get(email=DEMO_OWNER)
    errors = sign_in(page, live_server.url, DEMO_OWNER, lands_on="/w/demo/")
    for language in ("en", "de"):
        owner.language = language
        owner.save()
        _tour(page, live_server.url, language)
    assert errors == []


def _tour(page, base: str, language: str) -> None:
    page.goto(f"{base}/w/demo/")
    assert page.locator("article.tile").count() == len(DEMO_DASHBOARDS[0][2])
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.evaluate(CANVAS_PAINT, "mrr-chart")["painted"] > 1000
    assert page.locator("article.tile svg.sparkline polyline").count() >= 8

    page.goto(f"{base}/w/demo/kpis/customers_active/?grain=quarter&dimension=channel")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("h1").inner_text() == HEADINGS[language][1]
    for chart in ("trend-chart", "breakdown-chart"):
        drawn = page.evaluate(CANVAS_PAINT, chart)
        assert drawn["painted"] > 500 and drawn["values"] >= 3, chart

    page.goto(f"{base}/w/demo/kpis/custom_uptime/?grain=quarter")  # the team's own
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("h1").inner_text() == "Verfügbarkeit"
    drawn = page.evaluate(CANVAS_PAINT, "trend-chart")
    assert drawn["painted"] > 500 and drawn["values"] >= 3

    page.goto(f"{base}/w/demo/targets/")
    assert page.locator("h1").inner_text().startswith(HEADINGS[language][0])

    page.goto(f"{base}/w/demo/reports/")
    page.click("table a >> nth=-1")  # the oldest: the monthly review, with a comment
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("h1").inner_text() == "Monatsrückblick"  # the report's language
    for index in range(8):
        drawn = page.evaluate(CANVAS_PAINT, f"report-chart-{index}")
        assert drawn["painted"] > 500 and drawn["values"] >= 10, index
    assert "Abwanderung nach Kanal" in page.locator("#comments").inner_text()
