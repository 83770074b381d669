"""Issue 18 in a real browser, in both languages: an invalid target shows its message next to
the field, a doubtful one asks to be confirmed, a target is edited in place, and the dashboard
tile draws the target's burn-up chart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, today_in
from kpiapp.models import Target
from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "save": "Save target",
        "rate": "Enter a value between 0 % and 100 %.",
        "met": "This target is already met at the quarter's start",
        "keep": "Yes, keep this target",
        "edit": "Edit",
        "store": "Save",
        "statement": "MRR at the quarter's end ≥ €6,000",
    },
    "de": {
        "save": "Ziel speichern",
        "rate": "Geben Sie einen Wert zwischen 0 % und 100 % ein.",
        "met": "Dieses Ziel ist schon zu Quartalsbeginn erreicht",
        "keep": "Ja, dieses Ziel behalten",
        "edit": "Bearbeiten",
        "store": "Speichern",
        "statement": "MRR am Quartalsende ≥ 6.000\u00a0€",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_invalid_target_is_refused_next_to_its_field(live_server, page, language):
    workspace_with_one_customer(language)
    errors = sign_in(page, live_server.url, "lead@example.com")
    page.goto(f"{live_server.url}/w/acme/targets/")
    page.select_option("select[name=kpi_key]", "customer_churn_rate")
    assert page.locator("select[name=rate_basis]").is_visible()  # a rate: its basis is asked
    page.fill("#target-form input[name=value]", "250")
    page.click(f"button:has-text('{TEXT[language]['save']}')")
    field = page.locator("#target-form .field.has-error")
    field.wait_for()
    assert field.locator("input[name=value]").count() == 1  # the message sits at the value
    assert field.locator(".field-errors").inner_text() == TEXT[language]["rate"]
    assert page.locator("table.targets-table").count() == 0  # nothing was saved

    # MRR is 5,000 € already: a 4,000 € target is met on day one and asks to be confirmed.
    page.select_option("select[name=kpi_key]", "mrr")
    assert not page.locator("select[name=rate_basis]").is_visible()  # a stock: no basis
    page.fill("#target-form input[name=value]", "4000")
    page.click(f"button:has-text('{TEXT[language]['save']}')")
    page.locator("#target-form .field-errors").wait_for()
    assert TEXT[language]["met"] in page.locator("#target-form .field-errors").inner_text()
    page.check("#target-form input[name=confirm]")
    page.click(f"button:has-text('{TEXT[language]['save']}')")
    page.locator("table.targets-table tbody tr").first.wait_for()
    assert page.locator("table.targets-table tbody tr").count() == 1
    # The refused posts answer 400 (the browser logs that); nothing else went wrong.
    assert [e for e in errors if "status of 400" not in e] == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_target_is_edited_in_place(live_server, page, language):
    _user, workspace = workspace_with_one_customer(language)
    quarter = Period.of_start("quarter", today_in(workspace.time_zone))
    _target(workspace, quarter, Decimal(5500))
    errors = sign_in(page, live_server.url, "lead@example.com")
    page.goto(f"{live_server.url}/w/acme/targets/")
    row = page.locator("table.targets-table tbody tr").first
    row.locator(f"summary:has-text('{TEXT[language]['edit']}')").click()
    value = row.locator("input[name=value]")
    assert value.is_visible() and value.input_value() == "5500"
    value.fill("6000")
    with page.expect_navigation():
        row.locator(f"button:has-text('{TEXT[language]['store']}')").click()
    row = page.locator("table.targets-table tbody tr").first
    assert TEXT[language]["statement"] in row.inner_text()
    history = page.locator(".history").inner_text()
    assert "→" in history  # 5,500 → 6,000 in the changes
    assert errors == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_dashboard_tile_draws_the_targets_burn_up_chart(live_server, page, language):
    _user, workspace = workspace_with_one_customer(language)
    today = today_in(workspace.time_zone)
    shown = Period.containing("month", month_index(today) - 1)  # the last complete month
    _target(workspace, Period.containing("quarter", shown.first_month), Decimal(6000))
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")
    page.wait_for_selector("body[data-charts-ready='1']")
    tile = page.locator("article.tile[data-kpi='mrr']")
    canvas = tile.locator(".tile-burnup canvas")
    assert canvas.count() == 1
    drawn = canvas.evaluate(
        "c => { const chart = Chart.getChart(c); return chart ? chart.data.datasets.map("
        "d => d.data.filter(v => v !== null).length) : null; }"
    )
    assert drawn is not None and drawn[0] >= 2  # the actual line has points
    assert drawn[1] == 4 and drawn[2] == 4  # milestones and the target across the quarter
    pixels = canvas.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
    )
    assert pixels > 100  # something is painted, not an empty canvas
    text = tile.inner_text()
    assert ("Milestone" if language == "en" else "Meilenstein") in text
    assert tile.locator("progress").count() == 1
    assert errors == []


def _target(workspace, quarter: Period, value: Decimal) -> None:
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=quarter.start, value=value)
