"""Golden tests for KPIS.md section 1 (recurring revenue), hand-computed to the cent.

Workspace: EUR, Europe/Berlin, gross margin 0.800. "Today" is 2026-01-15 unless a test says
otherwise, so every period of 2025 is complete.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from kpiapp.kpis.dependencies import AccountGroups, affected_keys
from kpiapp.kpis.engine import compute_workspace
from kpiapp.kpis.periods import month_index
from tests.kpis.helpers import (
    DEFAULT_TODAY,
    absent,
    account,
    campaign,
    channel,
    fx,
    kpi,
    lead,
    rebuild,
    sub,
    undefined,
    val,
)

pytestmark = pytest.mark.django_db


def test_normalised_mrr_of_monthly_quarterly_annual_and_half_yearly_rows(ws):
    a, b, c, d, e, f = (account() for _ in range(6))
    sub(a, "2025-01-10", amount="100.00")  # 100 / 1 = 100
    sub(b, "2025-01-10", amount="1000.00", interval="year")  # 1000 / 12 = 83.3333…
    # 300 × 2 × (1 − 0.10) / 3 = 180
    sub(c, "2025-01-10", amount="300.00", interval="quarter", quantity=2, discount=10)
    sub(d, "2025-01-10", amount="600.00", interval="month", interval_count=6)  # 600 / 6 = 100
    sub(e, "2025-01-10", amount="50.00", quantity=3, discount="12.5")  # 50 × 3 × 0.875 = 131.25
    sub(f, "2025-01-10", amount="0.00")  # a free plan: MRR 0, so not an active customer
    rebuild(ws)

    # 100 + 83.333333… + 180 + 100 + 131.25 = 594.583333… → 594.58
    assert val("mrr", "2025-03") == Decimal("594.58")
    # arr from the unrounded mrr: 1200 + 1000 + 2160 + 1200 + 1575 = 7135.00 (not 594.58 × 12)
    assert val("arr", "2025-03") == Decimal("7135.00")
    assert val("customers_active", "2025-03") == 5  # f has MRR 0
    # arpa = 594.583333… / 5 = 118.916666… → 118.92
    assert val("arpa", "2025-03") == Decimal("118.92")
    # January: everyone starts, m0 = 0 and never had MRR → all new
    assert val("mrr_new", "2025-01") == Decimal("594.58")
    assert val("customers_new", "2025-01") == 5
    assert val("mrr_new", "2025-02") == Decimal("0")
    # mrr_growth_rate Feb = (594.583… − 594.583…) / 594.583… = 0
    assert val("mrr_growth_rate", "2025-02") == Decimal("0")
    # states: a quarter and a year take their last month
    assert val("mrr", "2025-Q1") == Decimal("594.58")
    assert val("mrr", "2025") == Decimal("594.58")
    assert val("arr", "2025-Q4") == Decimal("7135.00")


def test_trials_are_not_mrr_until_they_end(ws):
    a, b, c = account(), account(), account()
    # a: in its trial while d < 2025-02-01, so not active on Jan 31, active from Feb 1
    sub(a, "2025-01-05", amount="200.00", trial_ends="2025-02-01")
    # b: a trial that never converts (ends when the trial ends): never active
    sub(b, "2025-01-20", amount="500.00", trial_ends="2025-02-03", ended="2025-02-03")
    # c: yearly 1200 → 100 / month; still in trial on Feb 28, active from Mar 1
    sub(c, "2025-02-10", amount="1200.00", interval="year", trial_ends="2025-03-01")
    rebuild(ws)

    assert val("mrr", "2025-01") == Decimal("0")
    assert val("customers_active", "2025-01") == 0
    assert val("customers_new", "2025-01") == 0
    assert val("mrr", "2025-02") == Decimal("200.00")  # a only
    assert val("mrr_new", "2025-02") == Decimal("200.00")
    assert val("customers_new", "2025-02") == 1
    assert val("customers_churned", "2025-02") == 0  # b was never active
    assert val("mrr_churn", "2025-02") == Decimal("0")
    assert val("mrr", "2025-03") == Decimal("300.00")  # 200 + 100
    assert val("mrr_new", "2025-03") == Decimal("100.00")  # c
    # Q1 flows sum: new MRR 0 + 200 + 100 = 300, new customers 0 + 1 + 1 = 2
    assert val("mrr_new", "2025-Q1") == Decimal("300.00")
    assert val("customers_new", "2025-Q1") == 2


def test_upgrade_and_downgrade_mid_month(ws):
    a, b, c, d = account(), account(), account(), account()
    sub(a, "2025-01-01", amount="100.00", ended="2025-03-15")  # upgrade on Mar 15
    sub(a, "2025-03-15", amount="150.00")
    sub(b, "2025-01-01", amount="200.00", ended="2025-03-10")  # downgrade on Mar 10
    sub(b, "2025-03-10", amount="120.00")
    sub(c, "2025-01-01", amount="20.00", quantity=3, ended="2025-03-20")  # 3 → 5 seats
    sub(c, "2025-03-20", amount="20.00", quantity=5)
    sub(d, "2025-01-01", amount="100.00", ended="2025-04-01")  # upgrade on Apr 1
    sub(d, "2025-04-01", amount="300.00")
    rebuild(ws)

    # Feb: 100 + 200 + 60 + 100 = 460; Mar: 150 + 120 + 100 + 100 = 470
    assert val("mrr", "2025-02") == Decimal("460.00")
    assert val("mrr", "2025-03") == Decimal("470.00")
    # expansion Mar: a (150 − 100) + c (100 − 60) = 90; d changes on Apr 1, not in March
    assert val("mrr_expansion", "2025-03") == Decimal("90.00")
    assert val("mrr_contraction", "2025-03") == Decimal("80.00")  # b: 200 − 120
    assert val("mrr_new", "2025-03") == Decimal("0")
    assert val("mrr_churn", "2025-03") == Decimal("0")
    assert val("mrr_reactivation", "2025-03") == Decimal("0")
    assert val("mrr_net_new", "2025-03") == Decimal("10.00")  # 90 − 80
    assert val("customers_new", "2025-03") == 0
    assert val("customers_churned", "2025-03") == 0
    # growth = (470 − 460) / 460 = 0.0217391… → 0.021739
    assert val("mrr_growth_rate", "2025-03") == Decimal("0.021739")
    # d on Apr 1: m0 = 100 (Mar 31), m1 = 300 → expansion 200; mrr Apr = 150+120+100+300 = 670
    assert val("mrr_expansion", "2025-04") == Decimal("200.00")
    assert val("mrr", "2025-04") == Decimal("670.00")
    # flows sum over the quarter: Q1 expansion 0 + 0 + 90 = 90, Q2 200 + 0 + 0 = 200
    assert val("mrr_expansion", "2025-Q1") == Decimal("90.00")
    assert val("mrr_contraction", "2025-Q1") == Decimal("80.00")
    assert val("mrr_expansion", "2025-Q2") == Decimal("200.00")


def test_change_and_its_reversal_inside_one_month_is_no_movement(ws):
    a, b, c = account(), account(), account()
    sub(a, "2025-01-01", amount="100.00", ended="2025-03-10")  # up on Mar 10 …
    sub(a, "2025-03-10", amount="150.00", ended="2025-03-20")
    sub(a, "2025-03-20", amount="100.00")  # … and back on Mar 20
    sub(b, "2025-01-01", amount="200.00", ended="2025-03-05")  # down on Mar 5 …
    sub(b, "2025-03-05", amount="50.00", ended="2025-03-25")
    sub(b, "2025-03-25", amount="200.00")  # … and back on Mar 25
    sub(c, "2025-01-01", amount="300.00", ended="2025-03-12")  # a pause inside March
    sub(c, "2025-03-19", amount="300.00")
    rebuild(ws)

    # m0 (Feb 28) = m1 (Mar 31) for every account: 100, 200, 300 → no movement at all
    for key in (
        "mrr_new",
        "mrr_reactivation",
        "mrr_expansion",
        "mrr_contraction",
        "mrr_churn",
        "mrr_net_new",
    ):
        assert val(key, "2025-03") == Decimal("0"), key
    assert val("customers_churned", "2025-03") == 0
    assert val("customers_reactivated", "2025-03") == 0
    assert val("mrr", "2025-03") == Decimal("600.00")  # 100 + 200 + 300
    assert val("customers_active", "2025-03") == 3


def test_mrr_pending_churn_is_notice_given_not_churn(ws):
    a, b, c = account(), account(), account()
    sub(a, "2025-01-01", amount="100.00", cancelled="2025-03-10", ended="2025-05-01")
    sub(b, "2025-01-01", amount="200.00")
    sub(c, "2025-01-01", amount="50.00", cancelled="2025-03-20", ended="2025-03-31")
    rebuild(ws)

    # end of February: no notice given yet ("gekündigt, läuft aus" starts on Mar 10)
    assert val("mrr_pending_churn", "2025-02") == Decimal("0")
    # end of March: a active with notice (100); c ended on Mar 31 (first day without service)
    assert val("mrr_pending_churn", "2025-03") == Decimal("100.00")
    assert val("mrr_pending_churn", "2025-04") == Decimal("100.00")
    assert val("mrr_pending_churn", "2025-05") == Decimal("0")  # a ended on May 1
    assert val("mrr_pending_churn", "2025-Q1") == Decimal("100.00")  # state: March
    # churn is recognised when the row ends, not when notice is given
    assert val("mrr_churn", "2025-03") == Decimal("50.00")  # c
    assert val("mrr_churn", "2025-04") == Decimal("0")
    assert val("mrr_churn", "2025-05") == Decimal("100.00")  # a
    assert val("mrr", "2025-03") == Decimal("300.00")  # notice given still counts: 100 + 200


def test_current_period_is_partial_and_later_periods_are_not_computed(ws):
    a, b, c, d = account(), account(), account(), account()
    sub(a, "2025-01-01", amount="100.00")
    sub(b, "2025-01-01", amount="200.00", ended="2025-03-10")
    sub(c, "2025-03-20", amount="300.00")  # starts after today
    sub(d, "2025-03-12", amount="50.00")
    rebuild(ws, today="2025-03-15")

    feb, mar = kpi("mrr", "2025-02"), kpi("mrr", "2025-03")
    assert feb.value == Decimal("300.00") and feb.partial is False  # 100 + 200
    # "the end of P" is today (Mar 15): a 100 + d 50 = 150; b ended Mar 10, c not started
    assert mar.value == Decimal("150.00") and mar.partial is True
    assert kpi("mrr_churn", "2025-03").value == Decimal("200.00")  # b, up to today
    assert kpi("mrr_new", "2025-03").value == Decimal("50.00")  # d; c is after today
    q1 = kpi("mrr", "2025-Q1")
    assert q1.value == Decimal("150.00") and q1.partial is True
    assert kpi("mrr", "2025").partial is True
    absent("mrr", "2025-04")
    absent("mrr", "2025-Q2")


def test_two_currencies_with_a_moving_rate(ws):
    a, b = account(), account()
    sub(a, "2024-12-01", amount="100.00", currency="USD", ended="2025-03-15")
    sub(a, "2025-03-15", amount="200.00", currency="USD")  # upgrade in USD
    sub(b, "2024-12-01", amount="50.00")  # EUR
    fx("2024-12-01", "USD", "0.88")
    fx("2025-01-01", "USD", "0.90")
    fx("2025-02-01", "USD", "0.92")
    fx("2025-03-01", "USD", "0.95")
    # no rate for April 2025
    rebuild(ws)

    assert val("mrr", "2024-12") == Decimal("138.00")  # 100 × 0.88 + 50
    assert val("mrr", "2025-01") == Decimal("140.00")  # 100 × 0.90 + 50
    assert val("mrr", "2025-02") == Decimal("142.00")  # 100 × 0.92 + 50
    assert val("mrr", "2025-03") == Decimal("240.00")  # 200 × 0.95 + 50
    # fx impact: Σ m0 at this month's rates − m0 at last month's rates
    assert val("mrr_fx_impact", "2025-01") == Decimal("2.00")  # 100 × (0.90 − 0.88)
    assert val("mrr_fx_impact", "2025-02") == Decimal("2.00")  # 100 × (0.92 − 0.90)
    assert val("mrr_fx_impact", "2025-03") == Decimal("3.00")  # 100 × (0.95 − 0.92)
    # a rate change is never expansion: Jan and Feb have no movement at all
    assert val("mrr_expansion", "2025-02") == Decimal("0")
    assert val("mrr_net_new", "2025-02") == Decimal("0")
    # March: m0 = 100 × 0.95 = 95, m1 = 200 × 0.95 = 190 (both at March's rate) → 95
    assert val("mrr_expansion", "2025-03") == Decimal("95.00")
    # Q1 sums: fx 2 + 2 + 3 = 7, net new 95; identity 138 + 95 + 7 = 240 = mrr(Q1)
    assert val("mrr_fx_impact", "2025-Q1") == Decimal("7.00")
    assert val("mrr_net_new", "2025-Q1") == Decimal("95.00")
    assert val("mrr", "2025-Q1") == Decimal("240.00")
    # identity per month: mrr(P) = mrr(P−1) + net_new(P) + fx(P)
    for prev, cur in (("2024-12", "2025-01"), ("2025-01", "2025-02"), ("2025-02", "2025-03")):
        assert val("mrr", cur) == val("mrr", prev) + val("mrr_net_new", cur) + val(
            "mrr_fx_impact", cur
        )
    # Q1 two-ends rates at the rates of March: m0 = 100 × 0.95 + 50 = 145, m1 = 190 + 50 = 240
    # nrr = (145 + 95) / 145 = 1.6551724… → 1.655172 (no FX in it)
    assert val("nrr", "2025-Q1") == Decimal("1.655172")
    assert val("mrr_churn_rate", "2025-Q1") == Decimal("0")

    # April has no USD rate: what needs it is undefined, and the reason names the currency
    assert "USD" in undefined("mrr", "2025-04")
    assert "USD" in undefined("mrr_fx_impact", "2025-04")
    assert "USD" in undefined("arr", "2025-04")


def test_identity_of_mrr_and_customers_over_every_month(ws):
    a, b, c, d = account(), account(), account(), account()
    sub(a, "2025-01-03", amount="99.99", quantity=3, discount=5)  # 284.9715
    sub(b, "2025-01-20", amount="1234.56", interval="year", ended="2025-06-01")  # 102.88
    sub(b, "2025-08-11", amount="1234.56", interval="year")  # returns
    sub(c, "2025-02-14", amount="333.33", interval="quarter", ended="2025-04-15")  # 111.11
    sub(c, "2025-04-15", amount="333.33", interval="quarter", quantity=2)  # 222.22
    sub(d, "2025-03-01", amount="10.00", trial_ends="2025-03-15", ended="2025-09-30")
    rebuild(ws)

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    for prev, cur in itertools.pairwise(months):
        expected = val("mrr", prev) + val("mrr_net_new", cur) + val("mrr_fx_impact", cur)
        # each rounded term may differ by a cent
        assert abs(val("mrr", cur) - expected) <= Decimal("0.02"), cur
        assert val("customers_active", cur) == (
            val("customers_active", prev)
            + val("customers_new", cur)
            + val("customers_reactivated", cur)
            - val("customers_churned", cur)
        ), cur
    # 284.9715 + 102.88 + 222.22 + 10.00 = 620.0715 → 620.07 in August after b returned
    assert val("mrr", "2025-08") == Decimal("620.07")
    assert val("mrr_reactivation", "2025-08") == Decimal("102.88")  # 1234.56 / 12
    assert val("customers_new", "2025") == 4  # b's return is a reactivation, not new again
    assert val("customers_reactivated", "2025") == 1


def test_mrr_by_channel_campaign_country_and_plan(ws):
    paid, partner = channel("Paid Search"), channel("Partner")
    spring = campaign(paid, "Spring Promo")
    a = account(channel=paid, campaign=spring, country="DE")
    b = account(country="GB")  # no own channel: its earliest converted lead's, Partner
    c = account(country="AT")  # no channel at all: "" (unattributed)
    lead("2025-01-05", channel=paid, account=b)  # not converted: does not attribute
    lead("2025-01-10", channel=partner, converted="2025-01-25", account=b)
    sub(a, "2025-01-01", amount="100.00", plan="Basic", ended="2025-03-10")
    sub(a, "2025-03-10", amount="250.00", plan="Pro")  # a plan change on Mar 10
    sub(b, "2025-02-01", amount="80.00", plan="Basic")
    sub(c, "2025-01-01", amount="300.00", plan="Pro")
    rebuild(ws)

    # totals, March: 250 + 80 + 300 = 630; a's change is expansion 150 (per account)
    assert val("mrr", "2025-03") == Decimal("630.00")
    assert val("mrr_expansion", "2025-03") == Decimal("150.00")
    assert val("mrr_new", "2025-03") == Decimal("0")
    assert val("mrr_churn", "2025-03") == Decimal("0")
    # by channel
    assert val("mrr", "2025-03", "channel", "Paid Search") == Decimal("250.00")
    assert val("mrr", "2025-03", "channel", "Partner") == Decimal("80.00")
    assert val("mrr", "2025-03", "channel", "") == Decimal("300.00")
    assert val("mrr_expansion", "2025-03", "channel", "Paid Search") == Decimal("150.00")
    assert val("mrr_new", "2025-02", "channel", "Partner") == Decimal("80.00")
    assert val("customers_new", "2025-02", "channel", "Partner") == 1
    assert val("customers_active", "2025-03", "channel", "Paid Search") == 1
    # by campaign: a has Spring Promo; b and c have none (80 + 300)
    assert val("mrr", "2025-03", "campaign", "Spring Promo") == Decimal("250.00")
    assert val("mrr", "2025-03", "campaign", "") == Decimal("380.00")
    # by country (ISO alpha-2)
    assert val("mrr", "2025-03", "country", "DE") == Decimal("250.00")
    assert val("mrr", "2025-03", "country", "AT") == Decimal("300.00")
    # by plan, per (account, plan) pair: a's change is churn in Basic and new in Pro
    assert val("mrr", "2025-03", "plan", "Basic") == Decimal("80.00")
    assert val("mrr", "2025-03", "plan", "Pro") == Decimal("550.00")  # 250 + 300
    assert val("mrr_churn", "2025-03", "plan", "Basic") == Decimal("100.00")
    assert val("mrr_new", "2025-03", "plan", "Pro") == Decimal("250.00")
    assert val("mrr_new", "2025-02", "plan", "Basic") == Decimal("80.00")  # b
    # customer counts by plan use the plan with the highest MRR that day: a Pro, b Basic, c Pro
    assert val("customers_active", "2025-03", "plan", "Pro") == 2
    assert val("customers_active", "2025-03", "plan", "Basic") == 1


def test_a_run_narrowed_to_one_plan_counts_its_customers_as_the_full_run_does(ws):
    """A change of a Basic customer's subscription recomputes the Basic breakdown alone, from
    the accounts that hold a Basic row; their rows of other plans still decide under which
    plan each counts (a added Pro beside Basic in March, so it counts under Pro from then)."""
    a, b, c = account(), account(), account()
    sub(a, "2025-01-01", amount="100.00", plan="Basic")
    sub(a, "2025-03-10", amount="250.00", plan="Pro")
    sub(b, "2025-02-01", amount="80.00", plan="Basic")
    sub(c, "2025-01-01", amount="300.00", plan="Pro")
    today = date.fromisoformat(DEFAULT_TODAY)
    keys = affected_keys({"subscriptions"}, [])
    basic_only = AccountGroups(frozenset(), plans=frozenset({"Basic"}))
    narrowed = compute_workspace(ws, today=today, keys=keys, groups=basic_only)
    full = compute_workspace(ws, today=today, keys=keys)

    def by_plan(points: list, plan: str) -> set:
        return {p for p in points if p.dimension == "plan" and p.dimension_value == plan}

    assert by_plan(narrowed, "Basic") == by_plan(full, "Basic") != set()
    assert not by_plan(narrowed, "Pro")
    active = {(p.grain, p.first_month): p.numerator for p in by_plan(full, "Basic")
              if p.key == "customers_active"}  # fmt: skip
    march, february = month_index(date(2025, 3, 1)), month_index(date(2025, 2, 1))
    assert (active[("month", february)], active[("month", march)]) == (2, 1)  # a, b; then b


def test_country_uk_becomes_gb(ws):
    # KPIS.md, Dimensions: "country (ISO 3166-1 alpha-2; `UK` becomes `GB`)"
    sub(account(country="UK"), "2025-01-01", amount="80.00")
    sub(account(country="GB"), "2025-01-01", amount="20.00")
    rebuild(ws)

    assert val("mrr", "2025-03", "country", "GB") == Decimal("100.00")  # 80 + 20
    assert val("customers_active", "2025-03", "country", "GB") == 2


def test_several_rows_of_one_account_are_one_customer(ws):
    a = account()
    sub(a, "2025-01-01", amount="100.00", plan="Base")
    sub(a, "2025-02-10", amount="15.00", quantity=2, plan="Add-on")  # an add-on: 30
    sub(a, "2025-03-01", amount="70.00", ended="2025-03-01")  # ended = started: never active
    rebuild(ws)

    assert val("customers_active", "2025-02") == 1
    assert val("mrr", "2025-02") == Decimal("130.00")  # 100 + 2 × 15
    assert val("mrr_expansion", "2025-02") == Decimal("30.00")  # per account: 100 → 130
    assert val("mrr_new", "2025-02") == Decimal("0")
    assert val("mrr_new", "2025-02", "plan", "Add-on") == Decimal("30.00")  # per (account, plan)
    assert val("mrr", "2025-03") == Decimal("130.00")
    assert val("mrr_expansion", "2025-03") == Decimal("0")
    # by plan, the customer counts under its plan with the highest MRR: Base (100 > 30)
    assert val("customers_active", "2025-03", "plan", "Base") == 1


def test_money_rounds_half_up_to_cents(ws):
    a, b, c = account(), account(), account()
    sub(a, "2025-01-01", amount="10.01", discount=50, plan="A", ended="2025-04-01")  # 5.005
    sub(b, "2025-01-01", amount="0.30", interval="year", plan="B")  # 0.30 / 12 = 0.025
    # quarterly billed every 2 quarters: 600 / (3 × 2) = 100
    sub(c, "2025-01-01", amount="600.00", interval="quarter", interval_count=2, plan="C")
    rebuild(ws)

    # half-up (kaufmännisch), not half-even: 5.005 → 5.01, 0.025 → 0.03
    assert val("mrr", "2025-03", "plan", "A") == Decimal("5.01")
    assert val("mrr", "2025-03", "plan", "B") == Decimal("0.03")
    assert val("mrr", "2025-03", "plan", "C") == Decimal("100.00")
    assert val("mrr", "2025-03") == Decimal("105.03")  # 5.005 + 0.025 + 100 exactly
    # a leaves on Apr 1: churn 5.005 → 5.01; net new −5.005 → −5.01 (half away from zero)
    assert val("mrr_churn", "2025-04") == Decimal("5.01")
    assert val("mrr_net_new", "2025-04") == Decimal("-5.01")
    assert val("mrr", "2025-04") == Decimal("100.03")  # 100.025


def test_today_is_the_date_in_the_workspace_time_zone(ws):
    sub(account(), "2025-01-01", amount="100.00")
    sub(account(), "2025-04-01", amount="50.00")
    # 2025-03-31 22:30 UTC is 2025-04-01 00:30 in Berlin: March is complete, April has begun
    rebuild(ws, today="2025-03-31", utc_time="22:30:00")

    mar, apr = kpi("mrr", "2025-03"), kpi("mrr", "2025-04")
    assert mar.value == Decimal("100.00") and mar.partial is False
    assert apr.value == Decimal("150.00") and apr.partial is True  # 100 + 50 on Apr 1
    assert kpi("mrr", "2025-Q1").partial is False
    assert kpi("mrr", "2025-Q2").partial is True
    absent("mrr", "2025-05")


def test_fx_churn_and_reactivation_at_the_month_rates(ws):
    a, b = account(), account()
    sub(a, "2024-12-01", amount="100.00", currency="USD", ended="2025-02-10")
    sub(a, "2025-03-05", amount="100.00", currency="USD")  # returns in March
    sub(b, "2024-12-01", amount="50.00")
    fx("2024-12-01", "USD", "0.88")
    fx("2025-01-01", "USD", "0.90")
    fx("2025-02-01", "USD", "0.92")
    fx("2025-03-01", "USD", "0.95")
    rebuild(ws, today="2025-03-20")

    assert val("mrr", "2025-01") == Decimal("140.00")  # 90 + 50
    # Feb: churn is m0 at February's rate, 100 × 0.92 = 92; fx 100 × (0.92 − 0.90) = 2
    assert val("mrr_churn", "2025-02") == Decimal("92.00")
    assert val("mrr_fx_impact", "2025-02") == Decimal("2.00")
    assert val("mrr", "2025-02") == Decimal("50.00")  # 140 − 92 + 2
    assert val("mrr_churn_rate", "2025-02") == Decimal("0.647887")  # 92 / 142 = 0.6478873…
    # Mar: reactivation is m1 at March's rate, 100 × 0.95 = 95; a had no MRR at the start
    assert val("mrr_reactivation", "2025-03") == Decimal("95.00")
    assert val("mrr_fx_impact", "2025-03") == Decimal("0")  # only b (EUR) at the start
    assert val("mrr", "2025-03") == Decimal("145.00")


def test_amounts_too_large_for_64_bit_sums_stay_exact(ws):
    # 90 billion a year for 1,000 seats: normalised, the row's MRR no longer fits the 64-bit
    # integers the engine uses otherwise, so it takes the exact (Python int) path.
    a, b = account(), account()
    sub(a, "2025-01-10", amount="90000000000.00", quantity=1000, interval="year")
    sub(b, "2025-01-10", amount="100.10", discount=10)  # 90.09
    rebuild(ws)

    # 90,000,000,000 × 1,000 / 12 = 7,500,000,000,000 exactly, plus 90.09
    assert val("mrr", "2025-03") == Decimal("7500000000090.09")
    assert val("mrr_new", "2025-01") == Decimal("7500000000090.09")
    assert val("customers_active", "2025-03") == 2
