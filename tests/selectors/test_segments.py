"""Segments read from the snapshots: a condition gives that KPI's breakdown rows, equal to
the MRR of the segment's own rows by hand; a KPI without the dimension says so; the address
text is read strictly."""

from __future__ import annotations

from datetime import timedelta

from django.test import RequestFactory
from django.utils import translation

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.kpis.segments import Condition, SegmentError, segment_parse, segment_text
from kpiapp.models import KpiSnapshot
from kpiapp.selectors.analysis import mrr_movements
from kpiapp.selectors.kpi_detail import kpi_page
from kpiapp.selectors.segments import ActiveSegment, active_segment, segment_options
from kpiapp.selectors.tiles import dashboard_tiles
from tests.segment_data import TODAY, company_write, mrr_by_hand

pytestmark = pytest.mark.django_db
APRIL = Period("month", month_index(TODAY) - 1)
APRIL_END = Period("month", APRIL.first_month + 1).start - timedelta(days=1)


@pytest.fixture
def company(workspace):
    company_write(workspace)
    with workspace_scope(workspace.id):
        yield workspace


def test_a_segment_reads_like_the_address_writes_it():
    conditions = segment_parse(" country:DE ; plan: Pro ;")
    assert conditions == (Condition("country", "DE"), Condition("plan", "Pro"))
    assert segment_text(conditions) == "country:DE;plan:Pro"
    assert segment_parse("") == ()


@pytest.mark.parametrize("text", ["DE", "owner:Anna", "country:", "x" * 1001, "plan:a\nb"])
def test_a_segment_that_cannot_be_read_is_refused(text):
    with pytest.raises(SegmentError):
        segment_parse(text)


def test_the_kpi_page_of_a_segment_shows_its_breakdown_rows(company):
    kpi = KPI_BY_KEY["mrr"]
    page = kpi_page(workspace=company, kpi=kpi, grain="month", dimension=None, today=TODAY,
                    segment=ActiveSegment((Condition("country", "DE"),)))  # fmt: skip
    stored = {
        s.period_start: s.value
        for s in KpiSnapshot.objects.filter(
            kpi_key="mrr", grain="month", dimension="country", dimension_value="DE"
        )
    }
    assert page.periods and [p.start for p in page.periods] == sorted(stored)[-len(page.periods) :]
    assert page.values == [stored[p.start] for p in page.periods]
    april = page.values[page.periods.index(APRIL)]
    assert april == mrr_by_hand(APRIL_END, country="DE")
    assert april != mrr_by_hand(APRIL_END)  # the total differs: the filter did something
    assert page.breakdown is None and all(t is None for t in page.targets)
    whole = kpi_page(workspace=company, kpi=kpi, grain="month", dimension=None, today=TODAY)
    assert whole.breakdown is not None and whole.values != page.values


def test_the_tiles_of_a_segment_and_a_kpi_without_its_dimension(company):
    tiles = dashboard_tiles(
        workspace=company, keys=("mrr", "win_rate"), period=APRIL, compare="previous",
        today=TODAY, segment=active_segment(RequestFactory().get("/", {"segment": "plan:Pro"})),
    )  # fmt: skip
    mrr, win_rate = tiles
    assert mrr.value == mrr_by_hand(APRIL_END, plan="Pro")
    assert win_rate.value is None
    with translation.override("de"):
        segment = active_segment(RequestFactory().get("/", {"segment": "plan:Pro"}))
        assert str(segment.missing(KPI_BY_KEY["win_rate"])) == (
            "Für diese Kennzahl gibt es keine Aufteilung nach Tarif."
        )
    assert segment.missing(KPI_BY_KEY["mrr"]) == ""


def test_the_movements_of_a_segment_add_up_to_its_mrr(company):
    us = ActiveSegment((Condition("country", "US"),))
    rows = mrr_movements(workspace=company, grain="month", today=TODAY, segment=us)
    april = next(r for r in rows if r.period == APRIL)
    assert april.mrr == mrr_by_hand(APRIL_END, country="US")
    march_end = APRIL.start - timedelta(days=1)
    churned = mrr_by_hand(march_end, country="US") - april.mrr
    assert april.values["mrr_churn"] == -churned and churned > 0


def test_several_conditions_are_no_single_condition_and_a_bad_text_applies_none(company):
    several = active_segment(RequestFactory().get("/", {"segment": "country:US;plan:Pro"}))
    assert several.several and several.applied is None and several.active
    bad = active_segment(RequestFactory().get("/", {"segment": "Deutschland"}))
    assert bad.applied is None and bad.error


def test_the_filter_bar_offers_the_values_in_the_snapshots(company):
    options = segment_options()
    assert options.values["country"] == ["DE", "US"]
    assert options.values["plan"] == ["Basic", "Pro"]
