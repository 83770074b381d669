"""The pages with charts, a shared report and the API docs work in Chromium under the Content
Security Policy: the charts are drawn, the cohort heat map is coloured from the stylesheet,
and the browser reports no violation (neither in the console nor as a
`securitypolicyviolation` event)."""

import os

import pytest

from accounts.models import User
from accounts.tenancy import workspace_scope
from kpiapp.demo.seed import DEMO_OWNER, demo_seed
from kpiapp.kpis.periods import today_in
from kpiapp.models import Report
from kpiapp.services.share_links import share_link_create
from tests.browser.helpers import sign_in
from tests.conftest import membership_of

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy: collects every violation.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""
CHARTS = [
    ("/w/demo/", "mrr-chart"),
    ("/w/demo/kpis/mrr/", "trend-chart"),
    ("/w/demo/mrr/", "movements-chart"),
    ("/w/demo/funnel/", "funnel-chart"),
]
PAINTED = """(id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""


def _screenshot(page, name: str) -> None:
    """Saved for a person to look at when KZ_SCREENSHOTS names a folder."""
    folder = os.environ.get("KZ_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _policy_messages(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def test_charts_share_page_and_api_docs_draw_without_policy_violations(
    live_server, page, browser, settings
):
    settings.SITE_URL = live_server.url
    demo_seed(slug="demo", seed=42, as_of=today_in("Europe/Berlin"), reset=False)
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    errors = sign_in(page, live_server.url, DEMO_OWNER)
    csp = page.goto(f"{live_server.url}/w/demo/").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp

    for path, chart in CHARTS:
        page.goto(live_server.url + path)
        page.wait_for_selector("body[data-charts-ready='1']")
        assert page.evaluate(PAINTED, chart) > 500, path
        assert page.evaluate("window.__csp") == [], path

    page.goto(f"{live_server.url}/w/demo/cohorts/")
    cell = page.locator("td.heat-10, td.heat-9, td.heat-8").first
    colour = cell.evaluate("(td) => getComputedStyle(td).backgroundColor")
    assert colour.startswith("rgba(31, 95, 191") and colour != "rgba(31, 95, 191, 0)"
    assert page.evaluate("window.__csp") == []
    _screenshot(page, "cohorts")

    owner = User.objects.get(email=DEMO_OWNER)
    with workspace_scope(owner.memberships.get().workspace_id):
        report = Report.objects.filter(visibility="shared").order_by("pk").first()
        link = share_link_create(
            membership=membership_of(owner, report.workspace), report=report
        ).url
    page.goto(f"{live_server.url}/w/demo/reports/{report.pk}/")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.evaluate(PAINTED, "report-chart-0") > 500
    # The delete button asks first (a listener in app.js, no inline handler); dismissed, the
    # report stays.
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click("form.danger-zone button[type=submit]")
    assert asked == [page.locator("form.danger-zone").get_attribute("data-confirm")]
    assert page.locator("h1").inner_text() == report.title
    assert page.evaluate("window.__csp") == []

    visitor = browser.new_context()
    shared = visitor.new_page()
    shared.add_init_script(RECORD_VIOLATIONS)
    shared_console: list[str] = []
    shared.on("console", lambda m: shared_console.append(m.text))
    shared.goto(link)
    shared.wait_for_selector("body[data-charts-ready='1']")
    assert shared.evaluate(PAINTED, "report-chart-0") > 500
    assert shared.evaluate("window.__csp") == []
    _screenshot(shared, "share")

    shared.goto(f"{live_server.url}/api/v1/docs/")
    shared.wait_for_selector(".swagger-ui .info .title")
    assert "Kennzahl API" in shared.locator(".swagger-ui .info .title").inner_text()
    shared.wait_for_selector(".opblock")  # the operations, from the schema
    assert shared.evaluate("window.__csp") == []
    visitor.close()

    page.goto(f"{live_server.url}/w/demo/")
    page.wait_for_selector("body[data-charts-ready='1']")
    _screenshot(page, "dashboard")
    assert _policy_messages(console) == [] and _policy_messages(shared_console) == []
    assert errors == []
