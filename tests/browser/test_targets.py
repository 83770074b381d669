"""A real browser sets a quarterly target through the form and sees its progress."""

import pytest

from kpiapp.kpis.periods import Period, period_name, today_in
from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"save": "Save target", "title": "Targets", "on_track": "on track"},
    "de": {"save": "Ziel speichern", "title": "Ziele", "on_track": "im Plan"},
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_editor_sets_a_target_and_sees_its_progress(live_server, page, language):
    _user, workspace = workspace_with_one_customer(language)
    quarter = Period.of_start("quarter", today_in(workspace.time_zone))
    errors = sign_in(page, live_server.url, "lead@example.com")

    page.goto(f"{live_server.url}/w/acme/targets/")
    assert (
        page.locator("h1")
        .inner_text()
        .startswith(f"{TEXT[language]['title']} {period_name(quarter)}")
    )
    page.select_option("select[name=kpi_key]", "mrr")
    page.fill("input[name=value]", "5000")  # MRR is 5,000 € already: the target is met
    page.fill("input[name=note]", "Hold the line")
    page.click(f"button:has-text('{TEXT[language]['save']}')")
    page.check("input[name=confirm]")  # met on the quarter's first day: it asks to confirm
    page.click(f"button:has-text('{TEXT[language]['save']}')")

    row = page.locator("table.targets-table tbody tr").first
    row.wait_for()
    text = row.inner_text()
    assert "MRR" in text and "Hold the line" in text
    assert TEXT[language]["on_track"] in text
    assert page.locator("table.targets-table progress").count() == 1
    # The first save answered 400 to ask for the confirmation; nothing else went wrong.
    assert [e for e in errors if "status of 400" not in e] == []
