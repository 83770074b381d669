"""In a real browser, in both languages: an editor creates a report with a segment chosen in
the report form and reads the segment's values, named as that segment, on the report page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kpiapp.kpis.periods import today_in
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace
from tests.report_data import write_snapshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"channel": "Channel", "save": "Save report", "saved": "The report was saved."},
    "de": {
        "channel": "Kanal",
        "save": "Bericht speichern",
        "saved": "Der Bericht wurde gespeichert.",
    },
}


def _money(amount: Decimal, language: str) -> str:
    if language == "de":
        return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + "\xa0€"
    return f"€{amount:,.2f}"


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_report_with_a_segment_shows_the_segments_values(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    last = today_in(workspace.time_zone).replace(day=1) - timedelta(days=1)
    month = date(last.year, last.month, 1)  # the last closed month, which the report ends with
    total, referral = Decimal("9876.00"), Decimal("1234.50")
    write_snapshots(workspace, [
        ("mrr", "month", month, str(total)),
        ("mrr", "month", month, str(referral), "channel", "Referral"),
    ])  # fmt: skip
    words = WORDS[language]
    sign_in(page, live_server.url, "chef@example.com")
    page.goto(f"{live_server.url}/w/acme/reports/new/")
    page.wait_for_load_state("load")
    page.fill("#id_title", "Referral")
    page.select_option("#id_segment", label=f"{words['channel']}: Referral")
    page.select_option("#id_section-0-kpi", "mrr")
    page.get_by_role("button", name=words["save"]).click()
    page.wait_for_url("**/reports/*/")
    page.wait_for_load_state("load")
    assert words["saved"] in page.content()
    assert page.locator("[data-report-segment]").inner_text() == f"{words['channel']}: Referral"
    body = page.locator("main").inner_text()
    assert _money(referral, language) in body and _money(total, language) not in body
