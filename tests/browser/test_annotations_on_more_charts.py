"""Annotations beyond the KPI pages, in a real browser and both languages: one in the quarter
is drawn on the targets page's burn-up chart and on a report's chart (also through its share
link), numbered, and listed under each chart."""

from decimal import Decimal

from django.urls import reverse
from django.utils import formats, translation

import pytest
from playwright.sync_api import expect

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, today_in
from kpiapp.models import Annotation, Target
from kpiapp.services.share_links import share_link_create
from tests.browser.helpers import sign_in, workspace_with_one_customer
from tests.conftest import membership_of
from tests.report_data import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = {"en": "Annotations", "de": "Anmerkungen"}
TEXT = {"en": "Price list changed", "de": "Preisliste geändert"}
DRAWN = """(canvas) => {
    const chart = Chart.getChart(canvas);
    return {count: chart.canvas.dataset.annotationsDrawn,
            notes: chart.$annotations.map((n) => [n.number, n.text, n.index])};
}"""


def _drawn_and_listed(page, canvas: str, language: str, index: float) -> None:
    page.wait_for_selector("body[data-charts-ready='1']")
    drawn = page.locator(canvas).evaluate(DRAWN)
    assert drawn == {"count": "1", "notes": [[1, TEXT[language], index]]}
    card = page.locator(canvas).locator("xpath=ancestor::*[contains(@class, 'card')][1]")
    listed = card.locator(".chart-annotations")
    expect(listed.locator("h3")).to_have_text(TITLE[language])
    expect(listed.locator(".annotation-list li")).to_have_count(1)
    assert TEXT[language] in listed.locator(".annotation-list li").inner_text()


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_annotation_in_the_quarter_shows_on_the_burnup_and_on_a_report_chart(
    live_server, page, browser, language
):
    user, workspace = workspace_with_one_customer(language)
    quarter = Period.of_start("quarter", today_in(workspace.time_zone))
    day = quarter.start  # the quarter's first day: never in the future
    with workspace_scope(workspace.id):
        Annotation.objects.create(day=day, text=TEXT[language])
        Target.objects.create(kpi_key="mrr", quarter_start=quarter.start, value=Decimal(6000))
    report = make_report(user, workspace, language=language, range_kind="quarter_to_date",
                         sections=[{"kpi": "mrr"}])  # fmt: skip
    errors = sign_in(page, live_server.url, user.email)

    page.goto(f"{live_server.url}/w/acme/targets/")
    _drawn_and_listed(page, "canvas.burnup-chart", language, round(0.5 / 31, 3))
    with translation.override(language):
        words = formats.date_format(day, "DATE_FORMAT")
    assert words in page.locator(".burnup-card .annotation-date").inner_text()

    page.goto(f"{live_server.url}/w/acme/reports/{report.pk}/")
    _drawn_and_listed(page, "#report-chart-0", language, 0)
    assert errors == []

    # The share link, opened by someone without a login, draws it the same way.
    with workspace_scope(workspace.id):
        link = share_link_create(membership=membership_of(user, workspace), report=report)
    outsider = browser.new_page()
    outside_errors: list[str] = []
    outsider.on("console", lambda m: outside_errors.append(m.text) if m.type == "error" else None)
    outsider.goto(live_server.url + reverse("share", args=[link.token]))
    _drawn_and_listed(outsider, "#report-chart-0", language, 0)
    assert outsider.locator("a[href*='/w/acme/']").count() == 0
    assert outside_errors == []
    outsider.close()
