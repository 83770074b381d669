"""Golden tests for KPIS.md section 5 (customer experience), hand-computed.

Workspace: EUR, Europe/Berlin. "Today" is 2026-01-15.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import account, channel, nps, rebuild, sub, undefined, usage, val

pytestmark = pytest.mark.django_db


def test_nps_pools_the_answers_of_the_period(ws):
    partner = channel("Partner")
    p, x = account(channel=partner), account()
    sub(p, "2025-01-01", amount="100.00")
    sub(x, "2025-01-01", amount="100.00")
    nps(x, "2025-02-03", 10)
    nps(x, "2025-02-20", 0)
    nps(p, "2025-03-02", 10)
    nps(p, "2025-03-05", 9)
    for score in (8, 7, 6, 0, 9, 9):
        nps(x, "2025-03-10", score)
    rebuild(ws)

    # March: promoters 10 9 9 9 = 4, passives 8 7, detractors 6 0 = 2 → 100 × (4 − 2) / 8
    assert val("nps", "2025-03") == Decimal("25")
    assert val("nps", "2025-02") == Decimal("0")  # 100 × (1 − 1) / 2
    # Q1 pooled: 100 × (5 − 3) / 10 = 20 (not the mean of the months, 12.5)
    assert val("nps", "2025-Q1") == Decimal("20")
    # by the account's channel: Partner 100 × (2 − 0) / 2; unattributed 100 × (2 − 2) / 6
    assert val("nps", "2025-03", "channel", "Partner") == Decimal("100")
    assert val("nps", "2025-03", "channel", "") == Decimal("0")
    # April: no answers → undefined
    undefined("nps", "2025-04")


def test_seat_utilisation_and_engagement_score_of_active_accounts(ws):
    a, b, c, d, e, f = (account() for _ in range(6))
    for customer in (a, b, c, e, f):
        sub(customer, "2025-01-01", amount="100.00")
    sub(d, "2025-01-01", amount="100.00", ended="2025-03-15")  # not active at the end of March
    usage(a, "2025-02-01", active_users=10, seats=10, key_actions=200)
    usage(f, "2025-02-01", active_users=1, seats=4, key_actions=0)  # no March row
    # a: u = 8/10 = 0.8, a = 128/(8×20) = 0.8 → 100 × (0.4 + 0.4) = 80
    usage(a, "2025-03-01", active_users=8, seats=10, key_actions=128)
    # b: u = min(1, 6/5) = 1, a = min(1, 200/120) = 1 → 100
    usage(b, "2025-03-01", active_users=6, seats=5, key_actions=200)
    # c: no seats → u = 0 (zero divisor), a = 60/(5×20) = 0.6 → 100 × (0 + 0.3) = 30
    usage(c, "2025-03-01", active_users=5, seats=0, key_actions=60)
    # e: u = 0/4 = 0, a: zero divisor (no active users) → 0 → 0
    usage(e, "2025-03-01", active_users=0, seats=4, key_actions=0)
    # d: churned, left out
    usage(d, "2025-03-01", active_users=10, seats=10, key_actions=500)
    rebuild(ws)

    # seats > 0 only (c is out): (8 + 6 + 0) / (10 + 5 + 4) = 14 / 19 = 0.7368421… → 0.736842
    assert val("seat_utilisation", "2025-03") == Decimal("0.736842")
    # mean of a b c e: (80 + 100 + 30 + 0) / 4 = 52.5
    assert val("engagement_score", "2025-03") == Decimal("52.5")
    # February: a 10 / 10 and f 1 / 4 → 11 / 14 = 0.7857142… → 0.785714
    assert val("seat_utilisation", "2025-02") == Decimal("0.785714")
    # a: 100 × (0.5 × 1 + 0.5 × 1) = 100; f: 100 × (0.5 × 0.25 + 0.5 × 0) = 12.5 → 56.25
    assert val("engagement_score", "2025-02") == Decimal("56.25")
    # states: the quarter is its last month
    assert val("seat_utilisation", "2025-Q1") == Decimal("0.736842")
    assert val("engagement_score", "2025-Q1") == Decimal("52.5")
    # April: no usage rows → undefined
    undefined("seat_utilisation", "2025-04")
    undefined("engagement_score", "2025-04")


def test_time_to_first_value_days(ws):
    e0, a, b, c, d = (account() for _ in range(5))
    sub(e0, "2025-01-01", amount="100.00")
    usage(e0, "2025-01-01", first_value="2025-01-31")  # 30 days
    # a: start = the earliest row, trial included: Feb 10 (not the upgrade on Mar 1)
    sub(a, "2025-02-10", amount="100.00", trial_ends="2025-02-24", ended="2025-03-01")
    sub(a, "2025-03-01", amount="200.00")
    usage(a, "2025-03-01", first_value="2025-03-02")  # earliest value: Feb 10 → Mar 2 = 20
    usage(a, "2025-04-01", first_value="2025-03-05")  # a later value does not count
    sub(b, "2025-03-01", amount="100.00")
    usage(b, "2025-03-01", first_value="2025-03-11")  # 10 days
    sub(c, "2025-03-20", amount="100.00")
    usage(c, "2025-03-01", first_value="2025-03-15")  # before its start: max(0, −5) = 0
    sub(d, "2025-03-01", amount="100.00")
    usage(d, "2025-04-01", first_value="2025-04-03")  # 33 days, in April
    rebuild(ws)

    assert val("time_to_first_value_days", "2025-01") == Decimal("30")
    assert val("time_to_first_value_days", "2025-03") == Decimal("10")  # (20 + 10 + 0) / 3
    assert val("time_to_first_value_days", "2025-04") == Decimal("33")
    # Q1 pooled: (30 + 20 + 10 + 0) / 4 = 15 (not the mean of monthly means, 20)
    assert val("time_to_first_value_days", "2025-Q1") == Decimal("15")
    undefined("time_to_first_value_days", "2025-02")  # nobody reached first value


def test_engagement_score_does_not_depend_on_the_order_the_database_returns_rows(ws, monkeypatch):
    from datetime import date

    from kpiapp.kpis import engine, sql

    for i in range(40):
        a = account()
        sub(a, "2025-01-01", amount="10.00")
        # scores with long binary fractions: a float sum of them depends on the order
        usage(a, "2025-03-01", active_users=3 + i % 7, seats=7 + i % 11, key_actions=1 + i)
    real = sql.fetch_ints

    def scores(reverse: bool) -> set:
        flip = (lambda *a, **k: real(*a, **k)[::-1]) if reverse else real
        monkeypatch.setattr(sql, "fetch_ints", flip)
        points = engine.compute_workspace(ws, today=date(2026, 1, 15), keys={"engagement_score"})
        return set(points)

    assert scores(reverse=False) == scores(reverse=True)
