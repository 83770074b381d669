"""Annotations in a real browser, in both languages: an editor adds one on a KPI's page, sees
it drawn on the chart (the plugin's marker) and listed under it, then deletes it after the
confirmation."""

from datetime import date

from django.utils import translation

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from kpiapp.models import Annotation
from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"add": "Add an annotation", "submit": "Add", "added": "The annotation was added.",
           "empty": "No annotations in this range.", "deleted": "The annotation was deleted.",
           "delete": "Delete", "text": "Price list changed"},
    "de": {"add": "Anmerkung hinzufügen", "submit": "Hinzufügen",
           "added": "Die Anmerkung wurde hinzugefügt.",
           "empty": "Keine Anmerkungen in diesem Zeitraum.",
           "deleted": "Die Anmerkung wurde gelöscht.", "delete": "Löschen",
           "text": "Preisliste geändert"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_add_an_annotation_on_a_kpi_page_see_it_drawn_and_delete_it(live_server, page, language):
    words = TEXT[language]
    _, workspace = workspace_with_one_customer(language)
    today = today_in(workspace.time_zone)
    month = Period.containing("month", month_index(today) - 2)  # well inside the chart
    day = date(month.start.year, month.start.month, 14)
    errors = sign_in(page, live_server.url, "lead@example.com")

    page.goto(f"{live_server.url}/w/acme/kpis/mrr/")
    page.wait_for_load_state("load")
    assert words["empty"] in page.locator(".chart-annotations").inner_text()
    form = page.locator("form.annotation-form")
    if not form.is_visible():
        page.locator(f"summary:has-text('{words['add']}')").click()
    page.fill("#annotation-date", day.isoformat())
    page.fill("#annotation-text", words["text"])
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f".message:has-text('{words['added']}')")
    page.wait_for_selector("body[data-charts-ready]")

    listed = page.locator(".annotation-list li")
    assert listed.count() == 1 and words["text"] in listed.first.inner_text()
    drawn = page.evaluate(
        """() => {
          const chart = Chart.getChart("trend-chart");
          return {count: chart.canvas.dataset.annotationsDrawn,
                  notes: chart.$annotations.map(n => [n.text, chart.data.labels[n.index]])};
        }"""
    )
    assert drawn["count"] == "1"
    with translation.override(language):
        assert drawn["notes"] == [[words["text"], period_name(month)]]
    with workspace_scope(workspace.id):
        note = Annotation.objects.get()
        assert (note.day, note.kpi_key) == (day, "mrr")

    page.once("dialog", lambda dialog: dialog.accept())
    listed.first.locator(f"button:has-text('{words['delete']}')").click()
    page.wait_for_selector(f".message:has-text('{words['deleted']}')")
    assert words["empty"] in page.locator(".chart-annotations").inner_text()
    with workspace_scope(workspace.id):
        assert not Annotation.objects.exists()
    assert errors == []
