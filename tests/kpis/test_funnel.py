"""Golden tests for KPIS.md section 4 (funnel and pipeline), hand-computed.

Workspace: EUR, Europe/Berlin; stage probabilities lead 0.05, qualified 0.10, demo 0.20,
proposal 0.40, negotiation 0.60. "Today" is 2026-01-15.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpiapp.kpis.engine import compute_workspace
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.results import Point
from tests.kpis.helpers import (
    campaign,
    channel,
    deal,
    fx,
    kpi,
    lead,
    moved,
    rebuild,
    traffic,
    undefined,
    val,
)

pytestmark = pytest.mark.django_db


def _funnel() -> None:
    """Traffic and six leads (one from February, five from March).

    lead  channel / campaign          created  qualified  opportunity  converted
    l0    Paid Search                 02-20    03-01      03-03        03-30
    l1    Paid Search / Spring Promo  03-02    03-10      03-20        04-05
    l2    Paid Search / Spring Promo  03-05    04-02      —            —
    l3    Paid Search                 03-08    03-09      03-15        —
    l4    Events                      03-12    —          —            —
    l5    —                           03-25    03-26      03-27        03-28
    """
    paid, events = channel("Paid Search"), channel("Events")
    spring = campaign(paid, "Spring Promo")
    traffic("2025-02-01", 800, channel=paid)  # a whole month
    traffic("2025-03-01", 1000, channel=paid)
    traffic("2025-03-01", 100, channel=events, on="2025-03-03")  # days
    traffic("2025-03-01", 150, channel=events, on="2025-03-20")
    lead(
        "2025-02-20",
        channel=paid,
        qualified="2025-03-01",
        opportunity="2025-03-03",
        converted="2025-03-30",
    )
    lead(
        "2025-03-02",
        channel=paid,
        campaign=spring,
        qualified="2025-03-10",
        opportunity="2025-03-20",
        converted="2025-04-05",
    )
    lead("2025-03-05", channel=paid, campaign=spring, qualified="2025-04-02")
    lead("2025-03-08", channel=paid, qualified="2025-03-09", opportunity="2025-03-15")
    lead("2025-03-12", channel=events)
    lead("2025-03-25", qualified="2025-03-26", opportunity="2025-03-27", converted="2025-03-28")


def test_funnel_volumes_and_cohort_conversion_rates(ws):
    _funnel()
    rebuild(ws)

    # volumes count events in the month
    assert val("visits", "2025-03") == 1250  # 1000 + 100 + 150
    assert val("leads", "2025-03") == 5  # l1..l5
    assert val("sqls", "2025-03") == 4  # qualified in March: l0, l1, l3, l5
    assert val("opportunities", "2025-03") == 4  # l0, l1, l3, l5
    assert val("sqls", "2025-04") == 1  # l2
    # rates follow the cohort created in March (l1..l5), whenever the later steps happened
    assert val("visitor_to_lead_rate", "2025-03") == Decimal("0.004")  # 5 / 1250
    assert val("lead_to_sql_rate", "2025-03") == Decimal("0.8")  # 4 (l1 l2 l3 l5) / 5
    assert val("sql_to_opportunity_rate", "2025-03") == Decimal("0.75")  # 3 (l1 l3 l5) / 4
    assert val("opportunity_to_customer_rate", "2025-03") == Decimal("0.666667")  # 2 / 3
    assert val("lead_to_opportunity_rate", "2025-03") == Decimal("0.6")  # 3 / 5
    assert val("lead_to_customer_rate", "2025-03") == Decimal("0.4")  # 2 (l1 l5) / 5
    assert val("visitor_to_customer_rate", "2025-03") == Decimal("0.0016")  # 2 / 1250
    # February: cohort l0 alone, 800 visits
    assert val("visitor_to_lead_rate", "2025-02") == Decimal("0.00125")  # 1 / 800
    assert val("lead_to_customer_rate", "2025-02") == Decimal("1")
    # Q1: flows sum, rates over the quarter's cohort (l0..l5)
    assert val("visits", "2025-Q1") == 2050  # 800 + 1250
    assert val("leads", "2025-Q1") == 6
    assert val("sqls", "2025-Q1") == 4  # l2 was qualified in April
    assert val("visitor_to_lead_rate", "2025-Q1") == Decimal("0.002927")  # 6 / 2050 = 0.0029268…
    assert val("lead_to_sql_rate", "2025-Q1") == Decimal("0.833333")  # 5 / 6
    assert val("lead_to_customer_rate", "2025-Q1") == Decimal("0.5")  # 3 (l0 l1 l5) / 6
    # April: no visits, no leads created → undefined, never 0
    undefined("visitor_to_lead_rate", "2025-04")
    undefined("lead_to_sql_rate", "2025-04")


def test_cohort_rates_of_the_current_month_count_steps_up_to_today(ws):
    paid = channel("Paid Search")
    traffic("2025-03-01", 100, channel=paid, on="2025-03-02")
    traffic("2025-03-01", 300, channel=paid, on="2025-03-20")  # after today
    lead("2025-03-02", channel=paid, qualified="2025-03-05", converted="2025-03-10")
    lead("2025-03-03", channel=paid, qualified="2025-03-14", converted="2025-03-20")
    lead("2025-03-04", channel=paid, qualified="2025-03-25")
    lead("2025-03-18", channel=paid)  # created after today
    rebuild(ws, today="2025-03-15")

    # "flows count up to and including today": 3 leads, 2 qualified, 1 converted so far
    leads = kpi("leads", "2025-03")
    assert leads.value == 3 and leads.partial is True
    assert val("visits", "2025-03") == 100
    assert val("sqls", "2025-03") == 2
    assert val("lead_to_sql_rate", "2025-03") == Decimal("0.666667")  # 2 / 3
    assert val("lead_to_customer_rate", "2025-03") == Decimal("0.333333")  # 1 / 3
    assert val("visitor_to_lead_rate", "2025-03") == Decimal("0.03")  # 3 / 100


def test_funnel_by_channel_and_campaign(ws):
    _funnel()
    rebuild(ws)

    assert val("leads", "2025-03", "channel", "Paid Search") == 3  # l1 l2 l3
    assert val("leads", "2025-03", "channel", "Events") == 1
    assert val("leads", "2025-03", "channel", "") == 1  # l5
    assert val("visits", "2025-03", "channel", "Paid Search") == 1000
    assert val("visits", "2025-03", "channel", "Events") == 250  # 100 + 150
    assert val("visitor_to_lead_rate", "2025-03", "channel", "Paid Search") == Decimal("0.003")
    assert val("visitor_to_lead_rate", "2025-03", "channel", "Events") == Decimal("0.004")
    assert val("lead_to_sql_rate", "2025-03", "channel", "Paid Search") == Decimal("1")  # 3 / 3
    assert val("leads", "2025-03", "campaign", "Spring Promo") == 2  # l1 l2
    assert val("leads", "2025-03", "campaign", "") == 3  # l3 l4 l5
    assert val("lead_to_customer_rate", "2025-03", "campaign", "Spring Promo") == Decimal("0.5")
    assert val("sqls", "2025-04", "campaign", "Spring Promo") == 1  # l2


def _deals() -> None:
    """Closed deals of Feb and March 2025 (cycle = closed − created in days).

    deal  kind       owner  amount  services  created  closed  stage  cycle
    d6    new        anna    3000             01-31    02-14   won    14
    d1    new        anna   12000    2000     01-10    03-05   won    54
    d2    expansion  ben     6000             02-20    03-20   won    28
    d3    renewal    anna   24000     500     03-01    03-10   won
    d4    new        ben     9000             02-01    03-15   lost
    d5    renewal    ben     5000             03-01    03-25   lost
    """
    deal("won", owner="anna", amount="3000", created="2025-01-31", closed="2025-02-14")
    deal(
        "won",
        owner="anna",
        amount="12000",
        services="2000",
        created="2025-01-10",
        closed="2025-03-05",
    )
    deal(
        "won",
        kind="expansion",
        owner="ben",
        amount="6000",
        created="2025-02-20",
        closed="2025-03-20",
    )
    deal(
        "won",
        kind="renewal",
        owner="anna",
        amount="24000",
        services="500",
        created="2025-03-01",
        closed="2025-03-10",
    )
    deal("lost", owner="ben", amount="9000", created="2025-02-01", closed="2025-03-15")
    deal(
        "lost",
        kind="renewal",
        owner="ben",
        amount="5000",
        created="2025-03-01",
        closed="2025-03-25",
    )


def test_deal_flows_and_means(ws):
    _deals()
    rebuild(ws)

    assert val("deals_won", "2025-03") == 3  # d1 d2 d3 (all kinds)
    assert val("deals_lost", "2025-03") == 2  # d4 d5
    assert val("win_rate", "2025-03") == Decimal("0.666667")  # new + expansion: 2 / (2 + 1)
    assert val("avg_deal_size", "2025-03") == Decimal("9000.00")  # (12000 + 6000) / 2
    assert val("services_revenue", "2025-03") == Decimal("2500.00")  # 2000 + 500 (renewal too)
    assert val("sales_cycle_days", "2025-03") == Decimal("41")  # (54 + 28) / 2
    # Q1: flows sum; means pooled over the quarter's deals, never a mean of monthly means
    assert val("deals_won", "2025-Q1") == 4
    assert val("win_rate", "2025-Q1") == Decimal("0.75")  # 3 / (3 + 1)
    assert val("avg_deal_size", "2025-Q1") == Decimal("7000.00")  # (3000 + 12000 + 6000) / 3
    assert val("sales_cycle_days", "2025-Q1") == Decimal("32")  # (14 + 54 + 28) / 3
    # April: nothing closed → counts 0, ratios and means undefined
    assert val("deals_won", "2025-04") == 0
    undefined("win_rate", "2025-04")
    undefined("avg_deal_size", "2025-04")
    undefined("sales_cycle_days", "2025-04")


def test_deal_kpis_by_owner_and_kind(ws):
    _deals()
    rebuild(ws)

    assert val("deals_won", "2025-03", "owner", "anna") == 2  # d1 d3
    assert val("deals_won", "2025-03", "owner", "ben") == 1  # d2
    assert val("deals_lost", "2025-03", "owner", "ben") == 2  # d4 d5
    assert val("win_rate", "2025-03", "owner", "ben") == Decimal("0.5")  # d2 / (d2 + d4)
    assert val("win_rate", "2025-03", "owner", "anna") == Decimal("1")  # d1 / d1
    assert val("avg_deal_size", "2025-03", "owner", "anna") == Decimal("12000.00")  # d1
    assert val("sales_cycle_days", "2025-03", "owner", "ben") == Decimal("28")  # d2
    assert val("deals_won", "2025-03", "kind", "renewal") == 1
    assert val("deals_lost", "2025-03", "kind", "renewal") == 1
    assert val("deals_won", "2025-03", "kind", "expansion") == 1
    assert val("services_revenue", "2025-03", "kind", "renewal") == Decimal("500.00")


def _pipeline() -> None:
    """Open deals and their stage histories (dates at noon in Berlin unless a time is given).

    p1 anna 10000 created 02-01: lead → demo 02-15 → proposal 03-10 → negotiation 04-05
    p2 ben   5000 created 03-01: qualified, no history
    p3 anna  —    created 03-01: demo, no amount (left out)
    p4 anna 20000 created 03-15: lead → negotiation at 2025-03-31 22:30 UTC (= Apr 1, 00:30
                  in Berlin) → won 04-10
    p5 ben   7000 created 02-01: proposal → lost 03-20
    p6 ben   3000 created 04-02: demo, no history
    p7 anna  1000 no created_at: lead (never open)
    p8 ben   1500 created 02-28 (open that day): qualified → lost 03-31 (not open on Mar 31)
    """
    p1 = deal("negotiation", owner="anna", amount="10000", created="2025-02-01")
    moved(p1, "2025-02-01", "", "lead")
    moved(p1, "2025-02-15", "lead", "demo")
    moved(p1, "2025-03-10", "demo", "proposal")
    moved(p1, "2025-04-05", "proposal", "negotiation")
    deal("qualified", owner="ben", amount="5000", created="2025-03-01")
    deal("demo", owner="anna", created="2025-03-01")
    p4 = deal("won", owner="anna", amount="20000", created="2025-03-15", closed="2025-04-10")
    moved(p4, "2025-03-15", "", "lead")
    moved(p4, "2025-03-31T22:30:00+00:00", "lead", "negotiation")
    moved(p4, "2025-04-10", "negotiation", "won")
    p5 = deal("lost", owner="ben", amount="7000", created="2025-02-01", closed="2025-03-20")
    moved(p5, "2025-02-01", "", "proposal")
    moved(p5, "2025-03-20", "proposal", "lost")
    deal("demo", owner="ben", amount="3000", created="2025-04-02")
    deal("lead", owner="anna", amount="1000")
    p8 = deal("lost", owner="ben", amount="1500", created="2025-02-28", closed="2025-03-31")
    moved(p8, "2025-02-28", "", "qualified")
    moved(p8, "2025-03-31", "qualified", "lost")


def test_pipeline_value_and_weighted_pipeline_from_stage_history(ws):
    _pipeline()
    rebuild(ws)

    # end of Feb: p1 (demo since 02-15), p5 (proposal) and p8 (qualified) are open
    assert val("pipeline_value", "2025-02") == Decimal("18500.00")  # 10000 + 7000 + 1500
    # 0.2 × 10000 + 0.4 × 7000 + 0.1 × 1500 = 2000 + 2800 + 150 = 4950
    assert val("weighted_pipeline", "2025-02") == Decimal("4950.00")
    # end of Mar: p1 proposal, p2 qualified, p4 still lead on Mar 31 in Berlin; p5, p8 closed
    assert val("pipeline_value", "2025-03") == Decimal("35000.00")  # 10000 + 5000 + 20000
    # 0.4 × 10000 + 0.1 × 5000 + 0.05 × 20000 = 4000 + 500 + 1000 = 5500
    assert val("weighted_pipeline", "2025-03") == Decimal("5500.00")
    # end of Apr: p1 negotiation, p2 qualified, p6 demo; p4 won on 04-10
    assert val("pipeline_value", "2025-04") == Decimal("18000.00")  # 10000 + 5000 + 3000
    # 0.6 × 10000 + 0.1 × 5000 + 0.2 × 3000 = 6000 + 500 + 600 = 7100
    assert val("weighted_pipeline", "2025-04") == Decimal("7100.00")
    # states: a quarter takes its last month
    assert val("pipeline_value", "2025-Q1") == Decimal("35000.00")
    assert val("weighted_pipeline", "2025-Q1") == Decimal("5500.00")
    assert val("weighted_pipeline", "2025-Q2") == Decimal("7100.00")  # nothing moves after April
    # by owner, March: anna p1 + p4, ben p2
    assert val("pipeline_value", "2025-03", "owner", "anna") == Decimal("30000.00")
    assert val("weighted_pipeline", "2025-03", "owner", "anna") == Decimal("5000.00")
    assert val("pipeline_value", "2025-03", "owner", "ben") == Decimal("5000.00")
    assert val("weighted_pipeline", "2025-03", "owner", "ben") == Decimal("500.00")


def test_weighted_pipeline_uses_the_workspace_probabilities(ws):
    ws.stage_probabilities = {
        "lead": "0.05",
        "qualified": "0.10",
        "demo": "0.20",
        "proposal": "0.50",
        "negotiation": "0.60",
    }
    ws.save()
    _pipeline()
    rebuild(ws)

    # 0.5 × 10000 + 0.1 × 5000 + 0.05 × 20000 = 5000 + 500 + 1000 = 6500
    assert val("weighted_pipeline", "2025-03") == Decimal("6500.00")


def test_deal_amounts_convert_at_the_rate_of_their_month(ws):
    fx("2025-02-01", "USD", "0.80")
    fx("2025-03-01", "USD", "0.90")
    deal("won", amount="10000", created="2025-02-10", closed="2025-03-10")
    # won in March: converts at March's rate, 10000 × 0.90 = 9000 (not February's)
    deal("won", amount="10000", currency="USD", created="2025-02-10", closed="2025-03-12")
    # open: converts at the rate of the period's last month
    deal("demo", amount="5000", currency="USD", created="2025-03-01")
    rebuild(ws)

    assert val("avg_deal_size", "2025-03") == Decimal("9500.00")  # (10000 + 9000) / 2
    assert val("pipeline_value", "2025-03") == Decimal("4500.00")  # 5000 × 0.90
    assert val("weighted_pipeline", "2025-03") == Decimal("900.00")  # 0.2 × 4500
    assert val("pipeline_value", "2025-Q1") == Decimal("4500.00")
    # April has no USD rate: the open USD deal cannot be valued
    assert "USD" in undefined("pipeline_value", "2025-04")


def test_won_deal_without_a_rate_is_undefined(ws):
    fx("2025-03-01", "USD", "0.90")
    deal("won", amount="10000", currency="USD", created="2025-03-10", closed="2025-04-12")
    rebuild(ws)

    assert val("deals_won", "2025-04") == 1  # a count needs no rate
    assert "USD" in undefined("avg_deal_size", "2025-04")  # closed in April: April's rate


def test_deals_of_the_current_month_count_up_to_today(ws):
    deal("won", amount="1000", created="2025-03-01", closed="2025-03-10")
    deal("won", amount="3000", created="2025-03-01", closed="2025-03-20")  # after today
    rebuild(ws, today="2025-03-15")

    won = kpi("deals_won", "2025-03")
    assert won.value == 1 and won.partial is True
    assert val("avg_deal_size", "2025-03") == Decimal("1000.00")
    # the second deal is still open today: pipeline at the end of P = today
    assert val("pipeline_value", "2025-03") == Decimal("3000.00")


def test_a_partial_recompute_reads_the_stage_history_of_every_month_end_it_emits(ws):
    """Emitted from April 2025 on, with the year 2025: the year's state is its last month's,
    but the months April and May are emitted too, and their ends read the history of a deal
    that was in proposal at the end of April and won in May."""
    ws.stage_probabilities = {"qualified": "0.10", "proposal": "0.50"}
    ws.save()
    won_in_may = deal("won", amount="10000", created="2025-03-03", closed="2025-05-20")
    moved(won_in_may, "2025-04-10", "qualified", "proposal")
    moved(won_in_may, "2025-05-20", "proposal", "won")
    today, april = date(2025, 6, 18), month_index(date(2025, 4, 1))
    keys = {"pipeline_value", "weighted_pipeline"}
    full = compute_workspace(ws, today=today, keys=keys)
    partial = compute_workspace(ws, today=today, keys=keys, since_month=april)

    def weighted(points: list[Point], grain: str, first_month: int) -> list:
        return [
            p.numerator
            for p in points
            if (p.key, p.grain, p.first_month, p.dimension)
            == ("weighted_pipeline", grain, first_month, "")
        ]

    assert weighted(partial, "month", april) == weighted(full, "month", april) == [5000]
    assert set(partial) <= set(full)
