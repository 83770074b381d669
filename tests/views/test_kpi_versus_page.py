"""A KPI page with a second segment (`?versus=`): the column and chart line of that segment, the
first line named "All customers"; a bad text or a KPI without the breakdown gives a message,
not a 500; the year-earlier line gives way and the page says so."""

from __future__ import annotations

import pytest

from kpiapp.kpis.periods import Period, month_index, period_name
from tests.segment_data import TODAY, mrr_by_hand

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_may")]
APRIL = Period("month", month_index(TODAY) - 1)
APRIL_END = APRIL.start.replace(day=30)


@pytest.fixture
def company(segment_company):
    return segment_company


def test_the_second_segment_gets_a_line_and_a_column(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/mrr/?versus=country:US")
    assert response.status_code == 200
    chart = response.context["chart"]
    april = chart["labels"].index(period_name(APRIL))
    assert chart["values"][april] == float(mrr_by_hand(APRIL_END))
    assert chart["versus"]["values"][april] == float(mrr_by_hand(APRIL_END, country="US"))
    assert chart["versus"]["name"] == "Country: United States" and chart["name"] == "All customers"
    html = response.content.decode()
    assert "data-versus-column>Country: United States</th>" in html
    assert 'data-versus-active="country:US"' in html


def test_in_german_with_a_segment_first(client_as, vera, company):
    vera.language = "de"
    vera.save(update_fields=["language"])
    response = client_as(vera).get("/w/acme/kpis/mrr/?segment=country:DE&versus=country:US")
    chart = response.context["chart"]
    april = chart["labels"].index(period_name(APRIL))
    assert chart["values"][april] == float(mrr_by_hand(APRIL_END, country="DE"))
    assert (
        chart["name"] == "Land: Deutschland"
        and chart["versus"]["name"] == "Land: Vereinigte Staaten"
    )
    html = response.content.decode()
    assert "Land: Deutschland im Vergleich mit Land: Vereinigte Staaten" in html
    assert '<option value="country:DE" selected>Land: Deutschland</option>' in html


@pytest.mark.parametrize("text", ["country:US;plan:Pro", "owner:Anna", "DE", "x" * 2000])
def test_a_bad_versus_text_gives_a_message_and_no_line(client_as, vera, company, text):
    response = client_as(vera).get("/w/acme/kpis/mrr/", {"versus": text})
    assert response.status_code == 200
    assert response.context["versus_error"] and response.context["chart"]["versus"] is None
    assert "No second segment is shown." in response.content.decode()


def test_a_kpi_without_the_breakdown_says_so(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/win_rate/?versus=country:US")
    assert response.status_code == 200
    assert "This KPI has no breakdown by country." in response.content.decode()


def test_the_year_earlier_gives_way_and_the_page_says_so(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/mrr/?versus=plan:Pro&compare=last_year")
    assert response.context["chart"]["earlier"] is None
    assert response.context["chart"]["versus"] is not None
    assert "the year-earlier line is off" in response.content.decode()
    alone = client_as(vera).get("/w/acme/kpis/mrr/?compare=last_year")
    assert alone.context["chart"]["earlier"] is not None


def test_the_page_cache_tells_versus_apart(client_as, vera, company):
    client = client_as(vera)
    us = client.get("/w/acme/kpis/mrr/?versus=country:US").context["chart"]["versus"]
    de = client.get("/w/acme/kpis/mrr/?versus=country:DE")
    assert de.context is None or de.context["chart"]["versus"] != us
    assert b'data-versus-active="country:DE"' in de.content


def test_the_range_picker_keeps_both_segments(client_as, vera, company):
    """Choosing a range (or going back to the default one) keeps the segment and the second
    segment; the breakdown tabs keep the second segment too."""
    html = (
        client_as(vera)
        .get("/w/acme/kpis/mrr/?segment=country:DE&versus=country:US&start=2025-01&end=2025-04")
        .content.decode()
    )
    picker = html[html.index('class="card filter-bar period-picker range-picker"') :]
    picker = picker[: picker.index("</form>")]
    assert '<input type="hidden" name="segment" value="country:DE">' in picker
    assert '<input type="hidden" name="versus" value="country:US">' in picker
    assert "segment=country%3ADE" in picker and "versus=country%3AUS" in picker  # default range
    tabs = client_as(vera).get("/w/acme/kpis/mrr/?versus=country:US").content.decode()
    assert "&amp;versus=country%3AUS" in tabs  # the breakdown tabs' links
