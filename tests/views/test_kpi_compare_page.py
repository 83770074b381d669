"""The KPI page with a picked range and the year-earlier line (issue 19, item 5): what the
address asks for is what the page shows (also from the page cache), and a bad range says so
and shows the default periods."""

from __future__ import annotations

import json
from datetime import date

from django.utils import translation

import pytest
from freezegun import freeze_time

from kpiapp.kpis.periods import Period, period_name
from kpiapp.selectors.kpi_range import TREND_PERIODS
from tests.report_data import write_snapshots

pytestmark = pytest.mark.django_db
TODAY = "2026-12-05 12:00"
MRR = {date(y, m, 1): 1000 * (y - 2023) + 10 * m for y in (2024, 2025, 2026) for m in range(1, 13)}
PAGE = "/w/acme/kpis/mrr/"


@pytest.fixture
def mrr(workspace):
    write_snapshots(workspace, [("mrr", "month", d, str(v)) for d, v in MRR.items()])
    return workspace


def names(days: list[date]) -> list[str]:
    with translation.override("en"):
        return [period_name(Period.of_start("month", d)) for d in days]


def chart(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="kpi-chart-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


@freeze_time(TODAY)
def test_a_range_and_the_year_earlier_line_are_drawn_and_tabled(client_as, vera, mrr):
    response = client_as(vera).get(PAGE + "?start=2026-01&end=2026-06&compare=last_year")
    assert response.status_code == 200
    data = chart(response)
    shown = [date(2026, m, 1) for m in range(1, 7)]
    assert data["labels"] == names(shown)
    assert data["values"] == [float(MRR[d]) for d in shown]
    assert data["earlier"]["values"] == [float(MRR[d.replace(year=2025)]) for d in shown]
    html = response.content.decode()
    assert "Year earlier" in html and "Change on a year earlier" in html
    june, june_before = MRR[date(2026, 6, 1)], MRR[date(2025, 6, 1)]
    assert f"{(june / june_before - 1) * 100:.1f}" in html  # June's change on June 2025
    # The breakdown's tabs keep the range and the toggle.
    assert "start=2026-01&amp;end=2026-06&amp;compare=last_year" in html


@freeze_time(TODAY)
def test_the_page_cache_keeps_ranges_and_the_toggle_apart(client_as, vera, mrr):
    client = client_as(vera)
    default = chart(client.get(PAGE))
    assert len(default["labels"]) == TREND_PERIODS["month"] and default["earlier"] is None
    picked = chart(client.get(PAGE + "?start=2026-01&end=2026-03"))
    assert picked["labels"] == names([date(2026, m, 1) for m in (1, 2, 3)])
    assert picked["earlier"] is None
    compared = chart(client.get(PAGE + "?start=2026-01&end=2026-03&compare=last_year"))
    assert compared["earlier"]["labels"] == names([date(2025, m, 1) for m in (1, 2, 3)])
    again = chart(client.get(PAGE))  # from the cache: still the default
    assert again == default


@freeze_time(TODAY)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?start=2026-06&end=2025-01", "The range ends before it starts"),
        ("?start=2026-01&end=2027-03", "cannot end after the running period"),
        ("?start=1990-01&end=2025-01", "can start in 2000 at the earliest"),
        ("?start=junk&end=2025-01", "Choose the start and the end of the range"),
    ],
)
def test_a_bad_range_says_why_and_shows_the_default_periods(client_as, vera, mrr, query, message):
    response = client_as(vera).get(PAGE + query + "&compare=last_year")
    assert response.status_code == 200
    assert message in response.content.decode()
    data = chart(response)
    assert len(data["labels"]) == TREND_PERIODS["month"] and data["labels"][-1] == "Dec. 2026"
    assert data["earlier"] is not None  # the toggle still holds


@freeze_time(TODAY)
def test_in_german_the_range_and_the_year_earlier_read_in_words(client_as, vera, mrr):
    vera.language = "de"
    vera.save()
    client = client_as(vera)
    html = client.get(PAGE + "?start=2026-06&end=2025-01").content.decode()
    assert "Der Zeitraum endet, bevor er beginnt" in html
    html = client.get(PAGE + "?start=2026-01&end=2026-03&compare=last_year").content.decode()
    assert "Vorjahr" in html and "Veränderung ggü. Vorjahr" in html
    assert "gestrichelt dieselben Zeiträume im Vorjahr" in html  # the chart's description
    assert '<option value="2026-01" selected>Jan. 2026</option>' in html
    assert "Standardzeitraum" in html


@freeze_time(TODAY)
def test_the_quarter_page_offers_quarters_back_to_the_first_value(client_as, vera, mrr):
    quarters = [date(2019, 1, 1), date(2026, 10, 1)]
    write_snapshots(mrr, [("mrr", "quarter", d, "1") for d in quarters])
    html = client_as(vera).get(PAGE + "?grain=quarter").content.decode()
    assert '<option value="2019-Q1">Q1 2019</option>' in html
    assert '<option value="2026-Q4" selected>Q4 2026</option>' in html
