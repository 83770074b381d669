"""The MRR and customer identities of KPIS.md hold exactly, on random subscription histories,
for every month; quarters and years agree with their months (states: the last month; flows:
the sum). Checked on the engine's unrounded values."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tenancy import workspace_scope
from kpiapp.kpis.engine import compute_workspace
from kpiapp.kpis.periods import MONTHS_IN, Period
from kpiapp.models import Account, ExchangeRate, Subscription

TODAY = date(2025, 8, 14)  # the current month (August) is partial
FIRST = date(2024, 1, 1)
SPAN = (TODAY - FIRST).days

rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # account
        st.integers(0, SPAN + 40),  # start offset (some after today)
        st.one_of(st.none(), st.integers(0, 400)),  # length in days (None: open)
        st.integers(0, 50_000),  # amount in cents
        st.sampled_from(["month", "quarter", "year"]),
        st.integers(1, 3),  # interval_count
        st.integers(1, 4),  # quantity
        st.sampled_from(["0", "12.5", "33.33", "100"]),  # discount
        st.one_of(st.none(), st.integers(0, 45)),  # trial length in days
        st.sampled_from(["EUR", "EUR", "USD"]),
        st.sampled_from(["basic", "pro"]),
    ),
    max_size=14,
)


def _points(workspace):
    values = {}
    for point in compute_workspace(workspace, today=TODAY):
        if point.dimension in ("", "plan"):
            where = (point.grain, point.first_month, point.dimension, point.dimension_value)
            values[(point.key, *where)] = point
    return values


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=rows,
    usd_rates=st.lists(st.integers(80, 120), min_size=20, max_size=20),
    gap=st.one_of(st.none(), st.integers(0, 19)),  # a month without its USD rate
)
@pytest.mark.slow
def test_mrr_and_customer_identities_hold_exactly(workspace, history, usd_rates, gap):
    """…wherever the values are defined: a missing rate leaves the rest as they are."""
    with workspace_scope(workspace.id):
        Subscription.objects.all().delete()
        ExchangeRate.objects.all().delete()
        accounts = [
            Account.objects.get_or_create(external_id=f"A{i}", defaults={"name": f"A{i}"})[0]
            for i in range(6)
        ]
        for month in (m for m in range(20) if m != gap):
            ExchangeRate.objects.create(
                month=date(2024 + month // 12, month % 12 + 1, 1),
                currency="USD",
                rate=Decimal(usd_rates[month]) / 100,
            )
        for n, row in enumerate(history):
            account, offset, length, amount, interval, count, qty, discount, trial, cur, plan = row
            started = FIRST + timedelta(days=offset)
            Subscription.objects.create(
                external_id=f"S{n}",
                account=accounts[account],
                plan=plan,
                amount_cents=amount,
                currency=cur,
                interval=interval,
                interval_count=count,
                quantity=qty,
                discount_percent=Decimal(discount),
                started_at=started,
                ended_at=None if length is None else started + timedelta(days=length),
                trial_ends_at=None if trial is None else started + timedelta(days=trial),
            )
        points = _points(workspace)

    months = sorted({k[2] for k in points if k[1] == "month"})
    for dimension, label in {(k[3], k[4]) for k in points}:

        def value(key, grain, month, dimension=dimension, label=label):
            point = points[(key, grain, month, dimension, label)]
            if point.reason:
                assert "USD" in point.reason and gap is not None, point.reason
                return None
            return point.numerator if point.denominator is None else point.value

        _check_months(value, months, counts=dimension == "")
        for grain in ("quarter", "year"):
            for first in {k[2] for k in points if k[1] == grain}:
                _check_period(value, Period(grain, first), months)


def _check_months(value, months, *, counts: bool) -> None:
    for previous, month in pairwise(months):
        mrr, before = value("mrr", "month", month), value("mrr", "month", previous)
        net_new = value("mrr_net_new", "month", month)
        fx = value("mrr_fx_impact", "month", month)
        if None not in (mrr, before, net_new, fx):
            assert mrr == before + net_new + fx, month
        if counts:  # by plan, counts use each account's top plan: no identity
            active = value("customers_active", "month", month)
            assert active == value("customers_active", "month", previous) + value(
                "customers_new", "month", month
            ) + value("customers_reactivated", "month", month) - value(
                "customers_churned", "month", month
            )


def _check_period(value, period: Period, months) -> None:
    """A quarter or year agrees with its months: the state of the last, the sum of flows."""
    first = period.first_month
    inside = [m for m in range(first, first + MONTHS_IN[period.grain]) if m in months]
    assert value("mrr", period.grain, first) == value("mrr", "month", inside[-1])
    for flow in ("mrr_new", "mrr_churn", "mrr_net_new", "mrr_fx_impact"):
        parts = [value(flow, "month", m) for m in inside]
        if None in parts:  # a month that needs the missing rate: so does its quarter
            assert value(flow, period.grain, first) is None, (flow, period.label)
            continue
        total = sum((Fraction(v) for v in parts), Fraction(0))
        assert value(flow, period.grain, first) == total, (flow, period.label)


@pytest.mark.django_db
def test_movements_of_a_month_partition_the_change_of_every_account(workspace):
    """A change and its reversal inside one month is no movement; an upgrade is expansion."""
    with workspace_scope(workspace.id):
        a = Account.objects.create(external_id="A", name="A")
        common = {"account": a, "currency": "EUR", "interval": "month"}
        Subscription.objects.create(
            external_id="S",
            amount_cents=10_000,
            started_at=date(2025, 1, 1),
            ended_at=date(2025, 3, 10),
            **common,
        )
        Subscription.objects.create(
            external_id="S",
            amount_cents=20_000,
            started_at=date(2025, 3, 10),
            ended_at=date(2025, 3, 20),
            **common,
        )
        Subscription.objects.create(
            external_id="S",
            amount_cents=10_000,
            started_at=date(2025, 3, 20),
            ended_at=date(2025, 4, 15),
            **common,
        )
        Subscription.objects.create(
            external_id="S", amount_cents=15_000, started_at=date(2025, 4, 15), **common
        )
        points = _points(workspace)
    flows = defaultdict(dict)
    for (key, grain, month, dimension, _), point in points.items():
        if grain == "month" and dimension == "":
            flows[key][Period("month", month).label] = point.value
    assert flows["mrr_expansion"]["2025-03"] == 0  # up and back down inside March
    assert flows["mrr_contraction"]["2025-03"] == 0
    assert flows["mrr_expansion"]["2025-04"] == 50  # 100 → 150 €
    assert flows["mrr_new"]["2025-01"] == 100
    assert flows["customers_new"]["2025-04"] == 0
