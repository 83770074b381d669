"""A second segment beside a KPI's trend: its values are the MRR of that segment's own rows by
hand, on the same periods; a KPI without the breakdown says so; `?versus=` is read strictly;
countries read as names in the UI language."""

from __future__ import annotations

from datetime import timedelta

from django.test import RequestFactory
from django.utils import translation

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.kpis.segments import Condition
from kpiapp.selectors.kpi_detail import kpi_page
from kpiapp.selectors.kpi_versus import versus_param
from kpiapp.selectors.segments import ActiveSegment, condition_name, segment_options
from tests.segment_data import TODAY, company_write, mrr_by_hand

pytestmark = pytest.mark.django_db
APRIL = Period("month", month_index(TODAY) - 1)
MARCH = Period("month", month_index(TODAY) - 2)


def _end(period: Period) -> object:
    return Period("month", period.first_month + 1).start - timedelta(days=1)


@pytest.fixture
def company(workspace):
    company_write(workspace)
    with workspace_scope(workspace.id):
        yield workspace


def test_the_second_segment_has_its_own_values_on_the_same_periods(company):
    page = kpi_page(workspace=company, kpi=KPI_BY_KEY["mrr"], grain="month", dimension=None,
                    today=TODAY, versus=Condition("country", "US"),
                    name="All customers")  # fmt: skip
    assert page.versus is not None and not page.versus.missing
    assert len(page.versus.values) == len(page.periods)
    for period in (MARCH, APRIL):
        at = page.periods.index(period)
        assert page.values[at] == mrr_by_hand(_end(period))
        assert page.versus.values[at] == mrr_by_hand(_end(period), country="US")
        assert page.versus.values[at] != page.values[at]
    chart = page.chart_data()
    assert chart["name"] == "All customers"
    assert chart["versus"]["values"][page.periods.index(APRIL)] == float(
        mrr_by_hand(_end(APRIL), country="US")
    )


def test_a_segment_against_another_segment(company):
    page = kpi_page(workspace=company, kpi=KPI_BY_KEY["mrr"], grain="month", dimension=None,
                    today=TODAY, segment=ActiveSegment((Condition("plan", "Pro"),)),
                    versus=Condition("plan", "Basic"))  # fmt: skip
    at = page.periods.index(APRIL)
    assert page.values[at] == mrr_by_hand(_end(APRIL), plan="Pro")
    assert page.versus.values[at] == mrr_by_hand(_end(APRIL), plan="Basic")


def test_a_kpi_without_the_breakdown_says_so(company):
    page = kpi_page(workspace=company, kpi=KPI_BY_KEY["win_rate"], grain="month", dimension=None,
                    today=TODAY, versus=Condition("country", "US"))  # fmt: skip
    assert page.versus is not None and page.versus.values == []
    assert str(page.versus.missing) == "This KPI has no breakdown by country."
    assert page.chart_data()["versus"] is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("country:AT;plan:Pro", "one condition at a time"),
        ("owner:Anna", "A condition reads like"),
        ("DE", "A condition reads like"),
    ],
)
def test_a_versus_text_that_cannot_be_read(text, error):
    read = versus_param(RequestFactory().get("/", {"versus": text}))
    assert read.condition is None and error in read.error
    assert versus_param(RequestFactory().get("/", {"versus": "land:AT"})).condition == Condition(
        "country", "AT"
    )


def test_countries_and_dimensions_read_in_words_in_both_languages(company):
    with translation.override("de"):
        assert condition_name(Condition("country", "DE")) == "Land: Deutschland"
        assert condition_name(Condition("plan", "Pro")) == "Tarif: Pro"
        words = dict({d: v for d, _, v in segment_options().dimensions}["country"])
        assert words["country:US"] == "Land: Vereinigte Staaten"
    with translation.override("en"):
        assert condition_name(Condition("country", "DE")) == "Country: Germany"
        assert condition_name(Condition("country", "XX")) == "Country: XX"  # no code: as is
