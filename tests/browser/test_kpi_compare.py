"""A person picks a range on a KPI's page and turns on the year-earlier line: the chart draws
both lines over the picked months, the second one dashed, in both languages (issue 19, item 5)."""

from django.utils import translation

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_end, month_index, month_start, period_name, today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINE_NAME = {"en": "Year earlier", "de": "Vorjahr"}
STARTS_AGO = [26, 20, 15, 11, 7, 4, 2]  # months before this one that each customer started
EUROS = 100  # each pays this a month


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_range_with_the_year_earlier_line(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    this_month = month_index(today_in(workspace.time_zone))
    starts = [month_start(this_month - ago) for ago in STARTS_AGO]
    with workspace_scope(workspace.id):
        for n, started in enumerate(starts):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}")
            Subscription.objects.create(
                external_id=f"S{n}", account=account, amount_cents=EUROS * 100,
                currency="EUR", interval="month", started_at=started,
            )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)

    def mrr(month: int) -> float:  # MRR at the month's end: everyone who started by then
        return float(EUROS * sum(1 for s in starts if s <= month_end(month)))

    first, last = this_month - 6, this_month - 1  # six complete months
    shown = [Period("month", m) for m in range(first, last + 1)]
    errors = sign_in(page, live_server.url, "chef@example.com")
    page.goto(f"{live_server.url}/w/acme/kpis/mrr/")
    page.wait_for_load_state("load")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    page.select_option("#range-start", shown[0].label)
    page.select_option("#range-end", shown[-1].label)
    page.check("#compare")
    page.click("form.range-picker button[type=submit]")
    page.wait_for_url("**compare=last_year**")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)

    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('trend-chart');
        return {labels: chart.data.labels, sets: chart.data.datasets.map((d) => ({
            label: d.label, data: d.data, dash: d.borderDash || []}))};
    }""")
    with translation.override(language):
        assert drawn["labels"] == [period_name(p) for p in shown]
    assert drawn["sets"][0]["data"] == [mrr(p.first_month) for p in shown]
    earlier = next(s for s in drawn["sets"] if s["label"] == LINE_NAME[language])
    assert earlier["data"] == [mrr(p.first_month - 12) for p in shown]
    assert earlier["dash"]  # dashed
    assert page.locator("th", has_text=LINE_NAME[language]).count() >= 1
    assert page.locator("#range-start").input_value() == shown[0].label
    assert page.locator("#compare").is_checked()
    assert errors == []
