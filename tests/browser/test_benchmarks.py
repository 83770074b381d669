"""A real browser, in both languages: a KPI page with several references and their links, the
benchmarks page with the workspace's own value beside each, an admin picking the reference of the
dashboard; no horizontal overflow on a phone."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, month_start, today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {
    "en": {
        "worse": "worse",
        "median": "Market median (Recurly, 2019, B2B subscriptions, not only SaaS)",
        "seed": "Rule of thumb (source: SingularitySales blog)",
        "yours": "Your value (",
        "use": "Use on the dashboard",
        "in_use": "used on the dashboard",
    },
    "de": {
        "worse": "schlechter",
        "median": "Markt-Median (Recurly, 2019, B2B-Abonnements, nicht nur SaaS)",
        "seed": "Faustregel (Quelle: SingularitySales-Blog)",
        "yours": "Ihr Wert (",
        "use": "In der Übersicht verwenden",
        "in_use": "in der Übersicht verwendet",
    },
}
SHOTS = os.environ.get("KZ_SCREENSHOTS")  # a folder to keep the screenshots in, to look at


def _fits(page, name: str) -> None:
    """At 1280 and 390 px wide: nothing wider than the window; keep a screenshot if asked."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()  # as a phone would load it (charts size themselves on load)
        page.wait_for_load_state()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map((e) => e.tagName + '.' + e.className)""")
        assert overflow <= 0, (name, width, overflow, wide)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "de"])
def test_references_side_by_side_with_links_and_your_value(live_server, page, language):
    words = WORDS[language]
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    workspace.benchmark_segment = "early"  # no churn rows of its own: the four rows of `all`
    workspace.save()
    with workspace_scope(workspace.id):
        today = today_in(workspace.time_zone)
        last_month = Period.containing("month", month_index(today)).previous()
        start = month_start(last_month.first_month - 10)
        for n in range(4):  # one of four leaves in the last complete month: 25 % churn
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}")
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=10_000,
                currency="EUR",
                interval="month",
                started_at=start,
                ended_at=last_month.start + timedelta(days=9) if n == 0 else None,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    errors = sign_in(page, live_server.url, "chef@example.com")

    page.goto(f"{live_server.url}/w/acme/kpis/customer_churn_rate/?grain=month")
    refs = page.locator("#references-title ~ .ref-list > li")
    assert refs.count() == 4
    assert [refs.nth(i).locator(".verdict").inner_text() for i in range(4)] == [words["worse"]] * 4
    text = page.locator(".ref-list").inner_text()
    assert words["median"] in text and words["seed"] in text
    links = page.locator('.ref-list a[target="_blank"][rel="noopener noreferrer"]')
    assert links.count() == 3  # Recurly twice and ChartMogul; the seed article has no address
    assert "recurly.com/research/annual-subscription" in links.first.get_attribute("href")
    _fits(page, f"kpi-{language}")

    page.goto(f"{live_server.url}/w/acme/benchmarks/")
    churn = page.locator("section[aria-labelledby='ref-customer_churn_rate'] .ref-list > li")
    assert churn.count() == 4
    yours = churn.first.locator(".ref-yours").inner_text()
    assert yours.startswith(words["yours"]) and "25" in yours and words["worse"] in yours
    _fits(page, f"benchmarks-{language}")

    churn.nth(1).get_by_role("button", name=words["use"]).click()  # Recurly's web page
    page.wait_for_load_state()
    churn = page.locator("section[aria-labelledby='ref-customer_churn_rate'] .ref-list > li")
    assert words["in_use"] in churn.nth(1).inner_text()
    assert words["in_use"] not in churn.first.inner_text()
    assert errors == []
