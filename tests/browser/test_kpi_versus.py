"""A person picks a second segment on a KPI's page: the chart draws "All customers" and that
segment as two lines with a legend naming both, and the table gets its column, in both
languages (issue 19, item 5)."""

from django.utils import translation

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_end, month_index, month_start, period_name, today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# (country, months before this one it started, monthly euros)
ACCOUNTS = [("DE", 14, 700), ("DE", 6, 400), ("AT", 9, 150), ("AT", 3, 90)]
WORDS = {
    "en": {"all": "All customers", "at": "Country: Austria", "button": "Compare"},
    "de": {"all": "Alle Kunden", "at": "Land: Österreich", "button": "Vergleichen"},
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_second_segment_beside_all_customers(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    this_month = month_index(today_in(workspace.time_zone))
    starts = [(c, month_start(this_month - ago), e) for c, ago, e in ACCOUNTS]
    with workspace_scope(workspace.id):
        for n, (country, started, euros) in enumerate(starts):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country=country)
            Subscription.objects.create(
                external_id=f"S{n}", account=account, amount_cents=euros * 100,
                currency="EUR", interval="month", started_at=started,
            )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)

    def mrr(month: int, country: str = "") -> float:  # at the month's end, by hand
        return float(
            sum(e for c, s, e in starts if s <= month_end(month) and (not country or c == country))
        )

    words = WORDS[language]
    errors = sign_in(page, live_server.url, "chef@example.com")
    page.goto(f"{live_server.url}/w/acme/kpis/mrr/")
    page.wait_for_load_state("load")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    page.select_option("#versus-pick", label=words["at"])
    page.locator("[data-versus-bar]").get_by_role("button", name=words["button"]).click()
    page.wait_for_url("**versus=country%3AAT**")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)

    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('trend-chart');
        const legend = chart.legend.legendItems.map((i) => i.text);
        return {labels: chart.data.labels, legend: legend, sets: chart.data.datasets.map(
            (d) => ({label: d.label, data: d.data, colour: d.borderColor}))};
    }""")
    with translation.override(language):
        month_of = {period_name(Period("month", m)): m for m in range(this_month - 40, this_month)}
    months = [month_of[label] for label in drawn["labels"] if label in month_of]
    assert len(months) >= 6  # the complete months shown
    first, second = drawn["sets"][0], next(s for s in drawn["sets"] if s["label"] == words["at"])
    at = {label: i for i, label in enumerate(drawn["labels"])}
    with translation.override(language):
        for m in months:
            name = period_name(Period("month", m))
            assert first["data"][at[name]] == mrr(m)
            assert second["data"][at[name]] == mrr(m, "AT")
    assert first["colour"] != second["colour"]
    assert drawn["legend"] == [words["all"], words["at"]]
    assert page.locator("th[data-versus-column]").text_content() == words["at"]
    assert page.locator("#versus-pick option:checked").inner_text() == words["at"]
    assert errors == []
