"""Golden tests for KPIS.md section 3 (value of a customer and cost of winning one).

Workspace: EUR, gross margin 0.800 unless a test changes it. "Today" is 2026-01-15.
Spend is marketing + sales unless named otherwise.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import (
    account,
    campaign,
    channel,
    deal,
    fx,
    lead,
    rebuild,
    spend,
    sub,
    undefined,
    val,
)

pytestmark = pytest.mark.django_db


def _ten_customers_and_one_more() -> None:
    """Ten customers at 100 from Dec 2024; one leaves in Feb, two in Apr; k joins in March.

    customer_churn_rate per month (accounts active at the start and not at the end / at start):
    Dec 2024 undefined (nobody at its start), Jan 0/10 = 0, Feb 1/10 = 0.1, Mar 0/9 = 0,
    Apr 2/10 = 0.2, May..Dec 0/8 = 0. arpa stays 100 (every customer pays 100).
    """
    customers = [account() for _ in range(10)]
    for index, customer in enumerate(customers):
        ended = {0: "2025-02-10", 1: "2025-04-05", 2: "2025-04-05"}.get(index)
        sub(customer, "2024-12-01", amount="100.00", ended=ended)
    sub(account(), "2025-03-10", amount="100.00")  # k: the one new customer of 2025
    spend("2024-12-01", "3000.00")
    spend("2025-02-01", "500.00")
    spend("2025-03-01", "1200.00")


def test_clv_and_ltv_revenue_use_the_mean_churn_of_up_to_six_months(ws):
    _ten_customers_and_one_more()
    rebuild(ws)

    # Jan: the window Aug 2024..Jan 2025 has one defined rate, 0 → c = 0 → undefined
    undefined("clv", "2025-01")
    undefined("ltv_revenue", "2025-01")
    undefined("clv", "2024-12")  # no defined rate at all
    # Feb: rates 0, 0.1 → c = 0.05; arpa 900 / 9 = 100; clv = 100 × 0.8 / 0.05 = 1600
    assert val("clv", "2025-02") == Decimal("1600.00")
    assert val("ltv_revenue", "2025-02") == Decimal("2000.00")  # 100 / 0.05
    # Mar: rates 0, 0.1, 0 → c = 0.1 / 3; arpa 1000 / 10 = 100; clv = 80 × 30 = 2400
    assert val("clv", "2025-03") == Decimal("2400.00")
    assert val("ltv_revenue", "2025-03") == Decimal("3000.00")  # 100 × 30
    # Jun: rates Jan..Jun 0, 0.1, 0, 0.2, 0, 0 → c = 0.3 / 6 = 0.05; arpa 800 / 8 = 100
    assert val("clv", "2025-06") == Decimal("1600.00")
    assert val("ltv_revenue", "2025-06") == Decimal("2000.00")
    # Aug: the window Mar..Aug is 0, 0.2, 0, 0, 0, 0 → c = 0.2 / 6; clv = 80 × 30 = 2400
    assert val("clv", "2025-08") == Decimal("2400.00")
    # Nov: Jun..Nov are all 0 → c = 0 → undefined
    undefined("clv", "2025-11")
    # a state: a quarter takes its last month
    assert val("clv", "2025-Q1") == Decimal("2400.00")
    assert val("clv", "2025-Q2") == Decimal("1600.00")


def test_cac_clv_cac_ratio_and_payback(ws):
    _ten_customers_and_one_more()
    rebuild(ws)

    # Dec 2024: 3000 / 10 new = 300; payback 3000 / (1000 × 0.8) = 3.75 months
    assert val("cac", "2024-12") == Decimal("300.00")
    assert val("cac_payback_months", "2024-12") == Decimal("3.75")
    undefined("clv_cac_ratio", "2024-12")  # clv is undefined then
    # Feb: 500 spent, nobody new → 500 / 0 is undefined, never 0
    undefined("cac", "2025-02")
    undefined("cac_payback_months", "2025-02")  # 500 / (0 × 0.8)
    undefined("cac", "2025-01")  # 0 / 0
    # Mar: 1200 / 1 = 1200; clv 2400 → ratio 2; payback 1200 / (100 × 0.8) = 15
    assert val("cac", "2025-03") == Decimal("1200.00")
    assert val("clv_cac_ratio", "2025-03") == Decimal("2")
    assert val("cac_payback_months", "2025-03") == Decimal("15")
    # Q1: spend 500 + 1200 = 1700, new customers 1 → cac 1700; clv(Q1) = clv(Mar) = 2400
    assert val("cac", "2025-Q1") == Decimal("1700.00")
    # 2400 / 1700 = 1.4117647… → 1.411765
    assert val("clv_cac_ratio", "2025-Q1") == Decimal("1.411765")
    assert val("cac_payback_months", "2025-Q1") == Decimal("21.25")  # 1700 / (100 × 0.8)


def test_gross_margin_setting_applies_to_clv_and_payback_only(ws):
    ws.gross_margin = Decimal("0.600")
    ws.save()
    _ten_customers_and_one_more()
    rebuild(ws)

    assert val("clv", "2025-03") == Decimal("1800.00")  # 100 × 0.6 / (0.1 / 3)
    assert val("ltv_revenue", "2025-03") == Decimal("3000.00")  # no margin
    assert val("cac_payback_months", "2025-03") == Decimal("20")  # 1200 / (100 × 0.6)
    assert val("clv_cac_ratio", "2025-03") == Decimal("1.5")  # 1800 / 1200


def test_spend_kpis_in_total_and_by_channel_and_campaign(ws):
    paid, events = channel("Paid Search"), channel("Events")
    spring = campaign(paid, "Spring Promo")
    # four new customers in March: mrr_new = 100 + 200 + 300 + 25 = 625
    sub(account(channel=paid, campaign=spring), "2025-03-03", amount="100.00")
    sub(account(channel=paid), "2025-03-10", amount="200.00")
    sub(account(channel=events), "2025-03-12", amount="300.00")
    sub(account(), "2025-03-15", amount="25.00")
    # March spend: marketing 1000 + 800 + 450 + 500 = 2750, sales 800 → total 3550
    spend("2025-03-01", "1000.00", channel=paid, campaign=spring)
    spend("2025-03-01", "800.00", channel=paid)
    spend("2025-03-01", "450.00", channel=events)
    spend("2025-03-01", "500.00")  # unattributed marketing
    spend("2025-03-01", "800.00", category="sales")  # unattributed sales
    # five leads created in March
    l1 = lead("2025-03-02", channel=paid, campaign=spring)
    lead("2025-03-04", channel=paid, campaign=spring)
    lead("2025-03-06", channel=paid)
    lead("2025-03-08", channel=events)
    lead("2025-03-09")
    # five deals won in March (all kinds), one lost, one won in April
    deal("won", amount="6000", created="2025-02-01", closed="2025-03-05", campaign=spring)
    deal("won", kind="expansion", amount="2400", created="2025-02-01", closed="2025-03-06", lead=l1)
    deal(
        "won",
        kind="renewal",
        amount="10000",
        created="2025-03-01",
        closed="2025-03-07",
        campaign=spring,
    )
    deal("won", amount="3000", created="2025-02-01", closed="2025-03-08", channel=events)
    deal("won", amount="1000", created="2025-02-01", closed="2025-03-09")
    deal("lost", amount="50000", created="2025-02-01", closed="2025-03-10", campaign=spring)
    deal("won", amount="7000", created="2025-03-01", closed="2025-04-02", campaign=spring)
    rebuild(ws)

    # cac = 3550 / 4 = 887.50
    assert val("cac", "2025-03") == Decimal("887.50")
    assert val("cac", "2025-03", "channel", "Paid Search") == Decimal("900.00")  # 1800 / 2
    assert val("cac", "2025-03", "channel", "Events") == Decimal("450.00")  # 450 / 1
    # unattributed: (500 + 800) spend without a channel / 1 customer without one
    assert val("cac", "2025-03", "channel", "") == Decimal("1300.00")
    assert val("cac", "2025-03", "campaign", "Spring Promo") == Decimal("1000.00")  # 1000 / 1
    # payback = 3550 / (625 × 0.8) = 3550 / 500 = 7.1
    assert val("cac_payback_months", "2025-03") == Decimal("7.1")
    # Paid Search: 1800 / ((100 + 200) × 0.8) = 1800 / 240 = 7.5
    assert val("cac_payback_months", "2025-03", "channel", "Paid Search") == Decimal("7.5")
    # cost per lead: marketing spend only: 2750 / 5 = 550
    assert val("cost_per_lead", "2025-03") == Decimal("550.00")
    assert val("cost_per_lead", "2025-03", "channel", "Paid Search") == Decimal("600.00")  # 1800/3
    assert val("cost_per_lead", "2025-03", "channel", "Events") == Decimal("450.00")  # 450 / 1
    # unattributed: 500 marketing (the 800 are sales) / 1 lead without a channel
    assert val("cost_per_lead", "2025-03", "channel", "") == Decimal("500.00")
    assert val("cost_per_lead", "2025-03", "campaign", "Spring Promo") == Decimal("500.00")  # /2
    # cost per order: 3550 / 5 deals won (all kinds) = 710
    assert val("cost_per_order", "2025-03") == Decimal("710.00")
    # Spring Promo: 1000 / 3 won deals (own campaign ×2, one through its lead) = 333.33…
    assert val("cost_per_order", "2025-03", "campaign", "Spring Promo") == Decimal("333.33")
    # Spring Promo's deals through the deal's own campaign, else its lead's: 6000, 2400, 10000
    assert val("deals_won", "2025-03", "campaign", "Spring Promo") == 3
    # campaign ROI: won new + expansion amount of the campaign (6000 + 2400 through the lead;
    # the renewal, the lost deal and April's win are out) against its spend 1000
    # (8400 − 1000) / 1000 = 7.4
    assert val("campaign_roi", "2025-03", "campaign", "Spring Promo") == Decimal("7.4")
    # April: no marketing spend and no leads: undefined, never 0
    undefined("cost_per_lead", "2025-04")  # 0 / 0 leads


def test_campaign_roi_without_wins_is_minus_one(ws):
    events = channel("Events")
    fair = campaign(events, "Trade Fair")
    spend("2025-03-01", "300.00", channel=events, campaign=fair)
    spend("2025-03-01", "200.00", category="sales", channel=events, campaign=fair)
    deal("lost", amount="9000", created="2025-02-01", closed="2025-03-10", campaign=fair)
    rebuild(ws)

    # (0 − (300 + 200)) / 500 = −1
    assert val("campaign_roi", "2025-03", "campaign", "Trade Fair") == Decimal("-1")
    # 500 spend / 0 deals won → undefined
    undefined("cost_per_order", "2025-03", "campaign", "Trade Fair")


def test_spend_converts_at_the_rate_of_its_month(ws):
    fx("2025-03-01", "USD", "0.90")
    sub(account(), "2025-03-10", amount="100.00")
    sub(account(), "2025-04-10", amount="100.00")
    spend("2025-03-01", "1000.00", currency="USD")  # 1000 × 0.90 = 900 EUR
    spend("2025-04-01", "100.00", currency="USD")  # no rate for April
    rebuild(ws)

    assert val("cac", "2025-03") == Decimal("900.00")  # 900 / 1
    assert val("cost_per_lead", "2025-03") is None  # 900 / 0 leads
    assert "USD" in undefined("cac", "2025-04")
