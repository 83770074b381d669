"""The AARRR page in a real browser, in both languages: reached from the analysis tabs, the
five stages drawn as lines, the bottleneck named, and another grain and period chosen."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from kpiapp.models import Target
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace
from tests.report_data import write_snapshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"kpis": "KPIs", "title": "AARRR stages", "bottleneck": "Bottleneck: Acquisition",
           "stages": ["Acquisition", "Activation", "Retention", "Referral", "Revenue"],
           "show": "Show", "away": "10.0\u00a0% away from it", "past": "At or past the target"},
    "de": {"kpis": "Kennzahlen", "title": "AARRR-Stufen", "bottleneck": "Engpass: Akquisition",
           "stages": ["Akquisition", "Aktivierung", "Bindung", "Empfehlung", "Umsatz"],
           "show": "Anzeigen", "away": "10,0\u00a0% davon entfernt",
           "past": "Ziel erreicht oder übertroffen"},
}  # fmt: skip
LEADS, LEADS_TARGET = 270, 300  # the quarter's leads so far: (300 − 270) / 300 = 10 % behind


@pytest.mark.parametrize("language", ["en", "de"])
def test_aarrr_page_names_the_bottleneck_and_changes_grain(live_server, page, language):
    user = make_user("lead@example.com", "Lea Lead")
    user.language = language
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    today = today_in(workspace.time_zone)
    last = Period("month", month_index(today) - 1)
    quarter = Period.containing("quarter", last.first_month)
    months = [Period("month", last.first_month - i) for i in range(6)]
    rows = [("leads", "month", m.start, str(40 + 5 * i)) for i, m in enumerate(months)]
    rows += [("mrr", "month", m.start, str(10000 + 100 * i)) for i, m in enumerate(months)]
    rows += [("leads", "quarter", quarter.start, str(LEADS)),
             ("mrr", "quarter", quarter.start, "10500")]  # fmt: skip
    write_snapshots(workspace, rows)
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="leads", quarter_start=quarter.start, value=LEADS_TARGET)
        Target.objects.create(kpi_key="mrr", quarter_start=quarter.start, value=Decimal(10000))
    text = TEXT[language]
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")

    page.click(f"nav.mainnav >> text={text['kpis']}")
    page.click("nav.analysis-tabs >> text=AARRR")
    page.wait_for_url(f"{live_server.url}/w/acme/aarrr/")
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_have_text(text["title"])
    assert page.locator(".aarrr-stage h2").all_inner_texts()[0].startswith(text["stages"][0])
    assert [t.split("\n")[0].split(" ")[0] for t in
            page.locator(".aarrr-stage h2").all_inner_texts()] == text["stages"]  # fmt: skip
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    assert page.locator("canvas[data-aarrr]").count() == 2  # leads and MRR have values
    verdict = page.locator(".aarrr-verdict")
    expect(verdict.locator("h2")).to_have_text(text["bottleneck"])
    expect(verdict).to_contain_text(text["away"])
    expect(page.locator(".aarrr-stage.is-bottleneck")).to_have_count(1)
    expect(page.locator(".aarrr-stage").nth(4)).to_contain_text(text["past"])

    # the quarter, chosen as the grain with one of its months (the periods are named in words)
    page.select_option("#grain", "quarter")
    page.select_option("#period", Period("month", quarter.first_month).label)
    with page.expect_navigation():
        page.click(f"form.filter-bar >> text={text['show']}")
    expect(page.locator("#period")).to_have_value(quarter.label)
    expect(page.locator(".aarrr-verdict")).to_contain_text(period_name(quarter))
    expect(page.locator(".aarrr-verdict h2")).to_have_text(text["bottleneck"])

    # the link from a stage to its KPI's page
    page.click(".aarrr-stage.is-bottleneck .aarrr-headline a")
    page.wait_for_url(f"{live_server.url}/w/acme/kpis/leads/")
    assert errors == []
