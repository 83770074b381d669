"""Golden tests for KPIS.md section 2 (customers, churn and retention), hand-computed.

Workspace: EUR, Europe/Berlin. "Today" is 2026-01-15, so every period of 2025 is complete.
Rates are fractions rounded to 6 decimals.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import account, channel, rebuild, sub, undefined, val

pytestmark = pytest.mark.django_db


def _quarter_story() -> None:
    """Five customers since Nov 2024 and a Q1 2025 with every kind of movement.

    MRR per account at the end of each month (EUR):

        account   Dec 31  Jan 31  Feb 28  Mar 31
        a           100     100     100     100
        b           200     200     300     300   upgrade Feb 10
        c           300     150     150     150   downgrade Jan 20
        d           400     400     400       0   ends Mar 5
        e           500       0       0     500   ends Jan 15, back Mar 1
        f             —       —     250       0   Feb 3 .. Mar 20
        g             —       —       —      50   from Mar 7
        total      1500     850    1200    1100
    """
    a, b, c, d, e, f, g = (account() for _ in range(7))
    sub(a, "2024-11-01", amount="100.00")
    sub(b, "2024-11-01", amount="200.00", ended="2025-02-10")
    sub(b, "2025-02-10", amount="300.00")
    sub(c, "2024-11-01", amount="300.00", ended="2025-01-20")
    sub(c, "2025-01-20", amount="150.00")
    sub(d, "2024-11-01", amount="400.00", ended="2025-03-05")
    sub(e, "2024-11-01", amount="500.00", ended="2025-01-15")
    sub(e, "2025-03-01", amount="500.00")
    sub(f, "2025-02-03", amount="250.00", ended="2025-03-20")
    sub(g, "2025-03-07", amount="50.00")


def test_monthly_flows_and_rates(ws):
    _quarter_story()
    rebuild(ws)

    # January: c contracts 150, e churns 500
    assert val("mrr", "2025-01") == Decimal("850.00")
    assert val("mrr_contraction", "2025-01") == Decimal("150.00")
    assert val("mrr_churn", "2025-01") == Decimal("500.00")
    assert val("customers_churned", "2025-01") == 1
    assert val("customers_active", "2025-01") == 4
    assert val("customer_churn_rate", "2025-01") == Decimal("0.2")  # 1 / 5
    assert val("customer_retention_rate", "2025-01") == Decimal("0.8")
    assert val("mrr_churn_rate", "2025-01") == Decimal("0.333333")  # 500 / 1500
    assert val("gross_mrr_churn_rate", "2025-01") == Decimal("0.433333")  # 650 / 1500
    assert val("net_mrr_churn_rate", "2025-01") == Decimal("0.433333")  # (500 + 150 − 0) / 1500
    assert val("nrr", "2025-01") == Decimal("0.566667")  # (1500 − 150 − 500) / 1500
    assert val("grr", "2025-01") == Decimal("0.566667")  # (1500 − 150 − 500) / 1500
    assert val("quick_ratio", "2025-01") == Decimal("0")  # 0 / (500 + 150)
    assert val("arpa", "2025-01") == Decimal("212.50")  # 850 / 4

    # February: b expands 100, f is new with 250; nobody leaves
    assert val("mrr_expansion", "2025-02") == Decimal("100.00")
    assert val("mrr_new", "2025-02") == Decimal("250.00")
    assert val("customers_new", "2025-02") == 1
    assert val("customer_churn_rate", "2025-02") == Decimal("0")  # 0 / 4
    assert val("nrr", "2025-02") == Decimal("1.117647")  # (850 + 100) / 850 = 1.1176470…
    assert val("net_mrr_churn_rate", "2025-02") == Decimal("-0.117647")  # (0 + 0 − 100) / 850
    assert val("grr", "2025-02") == Decimal("1")  # (850 − 0 − 0) / 850
    # quick ratio = (250 + 0 + 100) / (0 + 0): zero denominator → undefined, never 0
    undefined("quick_ratio", "2025-02")

    # March: d (400) and f (250) churn, e returns (reactivation 500), g is new (50)
    assert val("mrr_churn", "2025-03") == Decimal("650.00")
    assert val("mrr_reactivation", "2025-03") == Decimal("500.00")
    assert val("mrr_new", "2025-03") == Decimal("50.00")
    assert val("mrr_net_new", "2025-03") == Decimal("-100.00")  # 50 + 500 − 650
    assert val("customers_churned", "2025-03") == 2
    assert val("customers_reactivated", "2025-03") == 1
    assert val("customers_new", "2025-03") == 1
    assert val("customers_active", "2025-03") == 5  # a, b, c, e, g
    assert val("customer_churn_rate", "2025-03") == Decimal("0.4")  # 2 / 5 (a b c d f)
    assert val("mrr_churn_rate", "2025-03") == Decimal("0.541667")  # 650 / 1200 = 0.541666…
    assert val("nrr", "2025-03") == Decimal("0.458333")  # (1200 − 650) / 1200 = 0.458333…
    assert val("quick_ratio", "2025-03") == Decimal("0.846154")  # (50 + 500) / 650
    assert val("mrr_growth_rate", "2025-03") == Decimal("-0.083333")  # (1100 − 1200) / 1200
    assert val("arpa", "2025-03") == Decimal("220.00")  # 1100 / 5


def test_quarter_states_flows_and_two_end_rates(ws):
    _quarter_story()
    rebuild(ws)

    # states: the last month
    assert val("mrr", "2025-Q1") == Decimal("1100.00")
    assert val("customers_active", "2025-Q1") == 5
    assert val("arpa", "2025-Q1") == Decimal("220.00")
    # flows: the sum of the months
    assert val("mrr_new", "2025-Q1") == Decimal("300.00")  # f 250 + g 50
    assert val("mrr_reactivation", "2025-Q1") == Decimal("500.00")  # e
    assert val("mrr_expansion", "2025-Q1") == Decimal("100.00")  # b
    assert val("mrr_contraction", "2025-Q1") == Decimal("150.00")  # c
    assert val("mrr_churn", "2025-Q1") == Decimal("1150.00")  # e 500 + d 400 + f 250
    assert val("mrr_net_new", "2025-Q1") == Decimal("-400.00")  # 300 + 500 + 100 − 150 − 1150
    assert val("customers_new", "2025-Q1") == 2  # f, g
    assert val("customers_reactivated", "2025-Q1") == 1  # e
    assert val("customers_churned", "2025-Q1") == 3  # e (Jan), d, f (Mar)
    # ratio of the summed flows: (300 + 500 + 100) / (1150 + 150) = 0.6923076… → 0.692308
    assert val("quick_ratio", "2025-Q1") == Decimal("0.692308")
    # two-end rates over the accounts active on Dec 31 (a b c d e, mrr_start 1500) against
    # Mar 31: d churned (400), c contracted (150), b expanded (100); e is back at 500 and f, g
    # were not there at the start
    assert val("customer_churn_rate", "2025-Q1") == Decimal("0.2")  # 1 / 5
    assert val("customer_retention_rate", "2025-Q1") == Decimal("0.8")
    assert val("mrr_churn_rate", "2025-Q1") == Decimal("0.266667")  # 400 / 1500
    assert val("gross_mrr_churn_rate", "2025-Q1") == Decimal("0.366667")  # 550 / 1500
    assert val("net_mrr_churn_rate", "2025-Q1") == Decimal("0.3")  # (400 + 150 − 100) / 1500
    assert val("nrr", "2025-Q1") == Decimal("0.7")  # (1500 + 100 − 150 − 400) / 1500
    assert val("grr", "2025-Q1") == Decimal("0.633333")  # (1500 − 150 − 400) / 1500
    assert val("mrr_growth_rate", "2025-Q1") == Decimal("-0.266667")  # (1100 − 1500) / 1500
    # the year: the same two ends (nothing happens after March), flows summed
    assert val("customer_churn_rate", "2025") == Decimal("0.2")
    assert val("customer_retention_rate", "2025") == Decimal("0.8")
    assert val("nrr", "2025") == Decimal("0.7")
    assert val("customers_churned", "2025") == 3


def test_churn_on_the_last_and_on_the_first_day_of_a_month(ws):
    a, b, c, d = account(), account(), account(), account()
    # ended_at is the first day without service
    sub(a, "2024-12-01", amount="100.00", ended="2025-03-31")  # not active on Mar 31 → March
    sub(b, "2024-12-01", amount="200.00", ended="2025-04-01")  # active on Mar 31 → April
    sub(c, "2024-12-01", amount="400.00", ended="2025-03-01")  # active Feb 28 → March
    sub(d, "2024-12-01", amount="800.00", ended="2025-02-28")  # not active Feb 28 → February
    rebuild(ws)

    assert val("mrr_churn", "2025-02") == Decimal("800.00")  # d
    assert val("customers_churned", "2025-02") == 1
    assert val("mrr", "2025-02") == Decimal("700.00")  # 100 + 200 + 400
    assert val("mrr_churn", "2025-03") == Decimal("500.00")  # a 100 + c 400
    assert val("customers_churned", "2025-03") == 2
    assert val("mrr", "2025-03") == Decimal("200.00")  # b
    assert val("customer_churn_rate", "2025-03") == Decimal("0.666667")  # 2 / 3
    assert val("mrr_churn_rate", "2025-03") == Decimal("0.714286")  # 500 / 700 = 0.7142857…
    assert val("mrr_churn", "2025-04") == Decimal("200.00")  # b
    assert val("customers_churned", "2025-04") == 1
    assert val("customer_churn_rate", "2025-04") == Decimal("1")  # 1 / 1
    # Q1: flows 0 + 1 + 2 = 3 churned, 0 + 800 + 500 = 1300; rate over Dec 31 → Mar 31
    assert val("customers_churned", "2025-Q1") == 3
    assert val("mrr_churn", "2025-Q1") == Decimal("1300.00")
    assert val("customer_churn_rate", "2025-Q1") == Decimal("0.75")  # 3 / 4
    assert val("mrr_churn_rate", "2025-Q1") == Decimal("0.866667")  # 1300 / 1500


def test_zero_denominators_are_undefined_with_a_reason(ws):
    a = account()
    sub(a, "2024-12-01", amount="100.00", ended="2025-04-01")
    rebuild(ws)

    # December 2024, the first month: nobody was active at its start (mrr_start = 0)
    for key in (
        "customer_churn_rate",
        "customer_retention_rate",
        "mrr_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "nrr",
        "grr",
        "mrr_growth_rate",
    ):
        undefined(key, "2024-12")
    assert val("quick_ratio", "2024-12") is None  # (100 + 0 + 0) / (0 + 0)
    # May 2025: nobody is active any more; states are 0, rates and means undefined
    assert val("mrr", "2025-05") == Decimal("0")
    assert val("customers_active", "2025-05") == 0
    undefined("arpa", "2025-05")  # 0 / 0 customers
    undefined("customer_churn_rate", "2025-05")  # 0 / 0 at the start
    undefined("nrr", "2025-05")
    undefined("mrr_growth_rate", "2025-05")  # (0 − 0) / 0
    undefined("quick_ratio", "2025-05")  # 0 / 0
    # April: the one customer leaves: defined rates of 1 and 0
    assert val("customer_churn_rate", "2025-04") == Decimal("1")
    assert val("customer_retention_rate", "2025-04") == Decimal("0")
    assert val("nrr", "2025-04") == Decimal("0")
    assert val("mrr_growth_rate", "2025-04") == Decimal("-1")  # (0 − 100) / 100


def test_churn_and_return_is_reactivation_never_new_twice(ws):
    a, b = account(), account()
    sub(a, "2025-01-01", amount="100.00", ended="2025-02-15")
    sub(a, "2025-04-10", amount="120.00")  # a returns in April
    sub(b, "2025-04-20", amount="50.00")  # b is new in April
    rebuild(ws)

    assert val("customers_new", "2025-01") == 1
    assert val("mrr_new", "2025-01") == Decimal("100.00")
    assert val("customers_churned", "2025-02") == 1
    assert val("mrr_churn", "2025-02") == Decimal("100.00")
    assert val("customers_active", "2025-03") == 0
    assert val("mrr_reactivation", "2025-04") == Decimal("120.00")  # a had MRR before
    assert val("customers_reactivated", "2025-04") == 1
    assert val("mrr_new", "2025-04") == Decimal("50.00")  # b only
    assert val("customers_new", "2025-04") == 1
    assert val("customers_active", "2025-04") == 2  # 0 + 1 new + 1 reactivated − 0
    # the year: a is new once (January), reactivated once (April)
    assert val("customers_new", "2025") == 2
    assert val("customers_reactivated", "2025") == 1
    assert val("customers_churned", "2025") == 1
    assert val("mrr_new", "2025") == Decimal("150.00")  # 100 + 50
    assert val("mrr_reactivation", "2025") == Decimal("120.00")
    # Q2 starts with nobody active (Mar 31): its churn rate has no denominator
    undefined("customer_churn_rate", "2025-Q2")
    # quick ratio April: (50 + 120 + 0) / (0 + 0) → undefined
    undefined("quick_ratio", "2025-04")


def test_customer_who_starts_and_leaves_within_one_period(ws):
    a, b, c = account(), account(), account()
    sub(c, "2025-01-01", amount="300.00")  # there all along
    sub(a, "2025-03-05", amount="100.00", ended="2025-03-20")  # in and out within March
    sub(a, "2025-05-10", amount="100.00")  # and back in May: had MRR before
    sub(b, "2025-04-10", amount="200.00", ended="2025-06-10")  # in and out within Q2
    rebuild(ws)

    # March: a is active at neither end, so neither new nor churned
    assert val("customers_new", "2025-03") == 0
    assert val("mrr_new", "2025-03") == Decimal("0")
    assert val("customers_churned", "2025-03") == 0
    assert val("mrr_churn", "2025-03") == Decimal("0")
    assert val("mrr", "2025-03") == Decimal("300.00")
    assert val("customers_new", "2025-Q1") == 1  # c
    # May: a's return is a reactivation, not new
    assert val("customers_reactivated", "2025-05") == 1
    assert val("mrr_reactivation", "2025-05") == Decimal("100.00")
    assert val("customers_new", "2025-05") == 0
    # Q2 flows: b new in April and churned in June; a reactivated in May
    assert val("customers_new", "2025-Q2") == 1
    assert val("customers_churned", "2025-Q2") == 1
    assert val("customers_reactivated", "2025-Q2") == 1
    assert val("mrr_churn", "2025-Q2") == Decimal("200.00")
    # Q2 two-end rates: only c was active on Mar 31 and still is on Jun 30; b joined and
    # left inside Q2 and is not in them
    assert val("customer_churn_rate", "2025-Q2") == Decimal("0")  # 0 / 1
    assert val("mrr_churn_rate", "2025-Q2") == Decimal("0")  # 0 / 300
    assert val("nrr", "2025-Q2") == Decimal("1")  # 300 / 300
    assert val("customers_active", "2025-Q2") == 2  # c, a
    assert val("mrr", "2025-Q2") == Decimal("400.00")
    assert val("customers_new", "2025") == 2  # c, b; never a


def test_customer_counts_and_rates_by_channel(ws):
    paid = channel("Paid Search")
    a, b, c = account(channel=paid), account(channel=paid), account()
    sub(a, "2025-01-01", amount="100.00")
    sub(b, "2025-01-01", amount="300.00", ended="2025-03-10")
    sub(c, "2025-01-01", amount="500.00", ended="2025-03-10")
    rebuild(ws)

    assert val("customers_active", "2025-03", "channel", "Paid Search") == 1
    assert val("customers_churned", "2025-03", "channel", "Paid Search") == 1
    assert val("customer_churn_rate", "2025-03", "channel", "Paid Search") == Decimal("0.5")
    assert val("mrr_churn_rate", "2025-03", "channel", "Paid Search") == Decimal("0.75")  # 300/400
    assert val("arpa", "2025-03", "channel", "Paid Search") == Decimal("100.00")
    assert val("customer_churn_rate", "2025-03", "channel", "") == Decimal("1")  # c: 1 / 1
    assert val("customer_churn_rate", "2025-03") == Decimal("0.666667")  # 2 / 3
