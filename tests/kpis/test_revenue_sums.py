"""The revenue family's sums add up: the sums of disjoint sets of accounts, combined, give the
points of all accounts at once, every KPI, period, dimension value and reason, and removing a
part's sums again gives the rest. What stored partial sums of groups of accounts rely on."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kpiapp.kpis import revenue
from kpiapp.kpis.dimensions import load_account_attributes, load_names
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.mrr_states import RowScope, load_subscriptions
from kpiapp.kpis.results import Collector
from kpiapp.models import Account
from tests.kpis import helpers as h
from tests.kpis.company import TODAY, add_subscription_moves, small_company


@pytest.fixture
def company(ws):
    small_company()
    add_subscription_moves(random.Random(5), list(Account.objects.order_by("pk")))
    # Two plans under one account, a franc without any rate (values that need it are
    # undefined, naming the currency), one account holding francs and dollars at once.
    paid = h.channel("Partner")
    mixed = h.account("Mixed", channel=paid, country="CH")
    h.sub(mixed, "2024-05-03", amount="120.00", currency="CHF", plan="pro")
    h.sub(mixed, "2024-09-10", amount="80.00", currency="USD", plan="basic", ended="2025-02-01")
    swiss = h.account("Swiss", country="CH")
    h.sub(swiss, "2024-11-20", amount="60.00", currency="CHF", interval="quarter")
    return ws


def _points(context, sums: revenue.RevenueSums) -> dict:
    collector = Collector(context)
    revenue.emit(context, collector, sums)
    return {
        (p.key, p.grain, p.first_month, p.dimension, p.dimension_value): p for p in collector.points
    }


def _read(workspace):
    """The run's context, every account's attributes and every subscription row."""
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    rows = load_subscriptions(workspace_id=workspace.id)
    return build_context(workspace, today=TODAY), attributes, rows


def _sums_of(context, rows, attributes, accounts: frozenset[int] | None) -> revenue.RevenueSums:
    part = rows if accounts is None else RowScope(accounts=accounts).apply(rows)
    return revenue.account_sums(context, part, attributes).sums


def test_sums_of_parts_add_up_to_the_whole(company):
    context, attributes, rows = _read(company)
    ids = list(rows.account_ids)
    buckets = [frozenset(a for a in ids if a % 4 == b) for b in range(4)]
    whole = _sums_of(context, rows, attributes, None)
    parts = [_sums_of(context, rows, attributes, bucket) for bucket in buckets]

    expected = _points(context, whole)
    assert len(expected) > 1_000
    assert any(p.reason.startswith("no exchange rate for CHF") for p in expected.values())
    assert _points(context, revenue.combined([(1, part) for part in parts])) == expected
    assert _points(context, revenue.combined([(1, part) for part in reversed(parts)])) == expected

    # The whole without one part, then with that part's sums again: the whole.
    rest = revenue.combined([(1, whole), (-1, parts[2])])
    assert _points(context, rest) == _points(
        context, revenue.combined([(1, parts[0]), (1, parts[1]), (1, parts[3])])
    )
    assert _points(context, revenue.combined([(1, rest), (1, parts[2])])) == expected


def test_a_dimension_value_without_members_is_left_out(company):
    context, attributes, rows = _read(company)
    swiss = frozenset(a for a, (_, _, country) in attributes.by_account.items() if country == "CH")
    whole = _sums_of(context, rows, attributes, None)
    rest = revenue.combined([(1, whole), (-1, _sums_of(context, rows, attributes, swiss))])
    assert "CH" in whole.blocks["country"].labels
    assert "CH" not in rest.blocks["country"].labels
    assert "Partner" not in rest.blocks["channel"].labels
    assert rest.blocks[""].labels == [""]
    assert not any(np.any(v) for v in rest.blocks[""].sums.lacking.values())


def test_sums_of_different_units_are_refused(company):
    context, attributes, rows = _read(company)
    sums = _sums_of(context, rows, attributes, None)
    other = revenue.RevenueSums(sums.blocks, sums.unit_denominator * 3)
    with pytest.raises(ValueError, match="different units"):
        revenue.combined([(1, sums), (1, other)])
