"""Segments of several conditions, computed on demand with the engine's code: one condition
computed that way equals the stored breakdown rows exactly (every account-level KPI, every
period, month, quarter and year, reasons included); two conditions equal the figures by hand;
the cohort table and the customers behind a movement follow the segment; KPIs outside the
account-level families show one applicable condition or say why they cannot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache
from django.utils import translation

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.engine import ACCOUNT_LEVEL_KEYS
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.kpis.segments import Condition, segment_parse
from kpiapp.models import KpiSnapshot
from kpiapp.selectors import segment_points as points_module
from kpiapp.selectors.analysis import cohorts, mrr_movements
from kpiapp.selectors.customers import customer_rows, movement_customers
from kpiapp.selectors.segment_points import segment_rows, shown_snapshots
from kpiapp.selectors.segments import ActiveSegment
from kpiapp.selectors.tiles import dashboard_tiles
from tests.segment_multi_data import TODAY, multi_company_write

pytestmark = pytest.mark.django_db
MARCH = Period("month", month_index(date(2025, 3, 1)))
APRIL = Period("month", month_index(date(2025, 4, 1)))


@pytest.fixture
def company(workspace):
    multi_company_write(workspace)
    cache.clear()
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        yield workspace


def _segment(text: str) -> ActiveSegment:
    return ActiveSegment(segment_parse(text))


def _moves(workspace, text: str) -> dict:
    rows = mrr_movements(workspace=workspace, grain="month", today=TODAY, segment=_segment(text))
    return {r.period: r for r in rows}


def _value(workspace, text: str, key: str, period: Period) -> KpiSnapshot:
    (row,) = shown_snapshots(
        _segment(text),
        workspace=workspace,
        today=TODAY,
        kpis=[KPI_BY_KEY[key]],
        grain=period.grain,
        starts={period.start},
    )
    return row


def _stored(dimension: str, value: str) -> dict[tuple, tuple]:
    return {
        (s.kpi_key, s.grain, s.period_start): (s.value, s.reason, s.partial)
        for s in KpiSnapshot.objects.filter(
            kpi_key__in=ACCOUNT_LEVEL_KEYS, dimension=dimension, dimension_value=value
        )
    }


@pytest.mark.parametrize(
    "text",
    ["plan:Pro", "plan:Basic", "country:DE", "country:US", "channel:Ads", "campaign:Spring"],
)
def test_one_condition_on_demand_equals_its_stored_breakdown_rows(company, text):
    (condition,) = segment_parse(text)
    stored = _stored(condition.dimension, condition.value)
    run = {
        (key, grain, start): (value, reason, partial)
        for key, grain, start, dimension, _v, value, _n, _d, reason, partial in segment_rows(
            workspace=company, conditions=(condition,), today=TODAY
        )
        if dimension == ""
    }
    assert stored and set(run) == set(stored)
    assert {g for _k, g, _s in run} == {"month", "quarter", "year"}
    assert run == stored  # to the cent, with the same reasons (a missing dollar rate)
    with_rate = any("USD" in reason for _v, reason, _p in stored.values())
    assert with_rate == (text in ("plan:Pro", "country:US"))  # M4 pays in dollars


def test_two_conditions_equal_the_figures_by_hand(company):
    rows = _moves(company, "country:DE;channel:Ads")  # M1 (its lead's channel) and M3
    assert rows[Period("month", MARCH.first_month - 1)].mrr == Decimal("1300.00")  # 300 + 1000
    march = rows[MARCH]
    assert march.mrr == Decimal("1600.00")  # M1 switched from Basic 300 to Pro 600
    assert march.values["mrr_expansion"] == Decimal("300.00")
    assert march.values["mrr_new"] == march.values["mrr_churn"] == Decimal("0")
    de_pro = _segment("country:DE;plan:Pro")  # the Pro rows of M0, M1, M3 (M5 in its trial)
    tiles = dashboard_tiles(workspace=company, keys=("mrr", "customers_active", "leads"),
                            period=APRIL, compare="previous", today=TODAY,
                            segment=de_pro)  # fmt: skip
    mrr, active, leads = tiles
    assert mrr.value == Decimal("2600.00") and active.value == 3
    assert mrr.compare_value == Decimal("2600.00")  # March: 1000 + 600 + 1000
    assert leads.value is None and "combination" in leads.reason
    pro_march = _moves(company, "country:DE;plan:Pro")[MARCH]
    assert pro_march.values["mrr_new"] == Decimal("600.00")  # M1's Pro, new to the plan
    basic_march = _moves(company, "country:DE;plan:Basic")[MARCH]
    assert basic_march.values["mrr_churn"] == Decimal("-500.00")  # M0 200, M1 300


def test_quarters_and_years_of_two_conditions_come_from_the_same_run(company):
    quarter = Period("quarter", month_index(date(2025, 1, 1)))
    # M3's yearly plan (12,000 a year) came in February; M1's Basic stood at the end of 2024.
    assert _value(company, "country:DE;channel:Ads", "mrr_new", quarter).value == 1000
    year = Period("year", month_index(date(2024, 1, 1)))
    assert _value(company, "country:DE;channel:Ads", "mrr", year).value == 300


def test_contradicting_conditions_match_nobody(company):
    assert _value(company, "country:DE;country:AT", "mrr", APRIL).value == 0
    both = "plan:Pro;plan:Basic;country:DE"
    assert _value(company, both, "customers_active", APRIL).value == 0


def test_the_run_is_cached_per_data_version(company, monkeypatch):
    conditions = segment_parse("country:DE;plan:Pro")
    first = segment_rows(workspace=company, conditions=conditions, today=TODAY)
    monkeypatch.setattr(points_module, "segment_points", lambda *a, **k: pytest.fail("ran"))
    assert segment_rows(workspace=company, conditions=conditions, today=TODAY) == first


def test_the_cohorts_of_a_segment(company):
    rows, _width = cohorts(measure="revenue", workspace=company, today=TODAY,
                          segment=_segment("country:DE;channel:Ads"))  # fmt: skip
    by_cohort = {r.cohort: r for r in rows}
    assert set(by_cohort) == {Period("month", month_index(date(2024, 12, 1))),
                              Period("month", month_index(date(2025, 2, 1)))}  # fmt: skip
    december = by_cohort[Period("month", month_index(date(2024, 12, 1)))]
    assert december.size == 1 and december.cells[3] == 2  # March 600 against December 300
    logo, _width = cohorts(measure="logo", workspace=company, today=TODAY,
                           segment=_segment("country:DE;plan:Pro"))  # fmt: skip
    # The Pro rows' own start: M0 October, M3 February, M1 March (its Basic came before).
    assert [(r.cohort.first_month, r.size) for r in logo] == [
        (month_index(date(2024, 10, 1)), 1),
        (month_index(date(2025, 2, 1)), 1),
        (month_index(date(2025, 3, 1)), 1),
        (month_index(date(2025, 5, 1)), 1),
    ]
    whole, _ = cohorts(measure="logo")
    assert sum(r.size for r in whole) == 6


@pytest.mark.parametrize(
    ("text", "key", "period"),
    [
        ("country:DE;plan:Basic", "mrr_churn", MARCH),
        ("country:DE;plan:Pro", "mrr_new", Period("quarter", month_index(date(2025, 1, 1)))),
        ("country:DE;channel:Ads", "mrr_expansion", MARCH),
        ("plan:Pro", "mrr_reactivation", APRIL),
        ("country:US;channel:Referral", "mrr_fx_impact", APRIL),
    ],
)
def test_the_customers_behind_a_movement_add_up_to_the_segments_value(company, text, key, period):
    segment = _segment(text)
    listed = movement_customers(workspace=company, key=key, period=period, today=TODAY,
                                rows=customer_rows(workspace=company, today=TODAY),
                                conditions=segment.conditions)  # fmt: skip
    value = _value(company, text, key, period).value
    assert listed.customers and listed.total == Fraction(value)
    if "plan" in text:
        return  # a plan's amounts are its rows' (M1's switch: a churn of Basic, an expansion)
    whole = movement_customers(workspace=company, key=key, period=period, today=TODAY,
                               rows=customer_rows(workspace=company, today=TODAY))  # fmt: skip
    assert {c.customer.account_id for c in listed.customers} <= {
        c.customer.account_id for c in whole.customers
    }


def test_the_plan_amounts_of_a_movement(company):
    listed = movement_customers(workspace=company, key="mrr_churn", period=MARCH, today=TODAY,
                                rows=customer_rows(workspace=company, today=TODAY),
                                conditions=segment_parse("plan:Basic;country:DE"))  # fmt: skip
    # M1 moved from Basic to Pro (an expansion of the account, a churn of its Basic row).
    assert sorted((c.customer.name, c.amount) for c in listed.customers) == [
        ("Kunde M0", 200),
        ("Kunde M1", 300),
    ]


def test_other_kpis_show_the_one_condition_they_break_down_by_or_say_why_not(company):
    de_ads = _segment("country:DE;channel:Ads")
    leads, nps, win_rate = (KPI_BY_KEY[k] for k in ("leads", "nps", "win_rate"))
    assert de_ads.source(leads).condition == Condition("channel", "Ads")
    assert "“Channel: Ads” only" in de_ads.partly(leads)
    assert not de_ads.source(nps).shown  # country and channel: both break it down
    assert not _segment("country:DE;plan:Pro").source(win_rate).shown  # neither
    assert de_ads.source(KPI_BY_KEY["arpa"]).on_demand
    with translation.override("de"):
        assert str(de_ads.missing(nps)) == (
            "Für diese Kombination von Bedingungen kann diese Kennzahl nicht angezeigt werden: "
            "Sie ist immer nur nach einer Bedingung aufgeteilt."
        )
        assert str(_segment("country:DE;plan:Pro").missing(win_rate)) == (
            "Für diese Kombination von Bedingungen kann diese Kennzahl nicht angezeigt werden: "
            "Sie ist nach keiner davon aufgeteilt."
        )
        assert de_ads.partly(leads) == (
            "Diese Kennzahl zeigt nur „Kanal: Ads“: Nach den übrigen Bedingungen ist sie nicht "
            "aufgeteilt."
        )
