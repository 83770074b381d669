"""Partial sums per bucket of accounts: the sums of every bucket give the same points as the
whole computation, survive storage as JSON, and a change of one account's subscriptions
recomputed from the stored sums and its bucket's rows gives the points a computation from all
rows gives. Sums of another basis (rates, a new billing interval) are not used."""

from __future__ import annotations

import random
from datetime import date

import pytest

from accounts.models import Workspace
from kpiapp.kpis import engine, from_sums, partials
from kpiapp.kpis.dependencies import affected_keys
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.results import Collector
from kpiapp.models import Account, ExchangeRate, Subscription
from kpiapp.services.snapshots import JOURNEY_KEYS
from tests.kpis import helpers as h
from tests.kpis.company import TODAY, add_subscription_moves, small_company

KEYS = affected_keys({"subscriptions"}, []) - set(JOURNEY_KEYS)


@pytest.fixture
def company(ws: Workspace) -> Workspace:
    small_company()
    accounts = list(Account.objects.order_by("pk"))
    rng = random.Random(11)
    add_subscription_moves(rng, accounts)
    for account in accounts[::2]:
        for month in ("2024-10-01", "2025-01-01", "2025-04-01", "2025-06-01"):
            h.usage(
                account,
                month,
                active_users=rng.randint(0, 9),
                seats=rng.choice([0, 5, 10]),
                key_actions=rng.randint(0, 300),
                first_value=rng.choice([None, "2025-01-20", "2025-04-11"]),
            )
    mixed = h.account("Mixed", channel=h.channel("Partner"), country="CH")
    h.sub(mixed, "2024-05-03", amount="120.00", currency="CHF", plan="pro")
    h.sub(mixed, "2024-09-10", amount="80.00", currency="USD", plan="basic", ended="2025-02-01")
    return ws


def _by_key(points) -> dict:
    return {(p.key, p.grain, p.first_month, p.dimension, p.dimension_value): p for p in points}


def test_the_sums_of_every_bucket_make_the_whole_computation(company):
    whole = engine.run(company, today=TODAY, keys=set(KEYS), keep_sums=True)
    sums = whole.sums
    assert sums is not None and sums.complete and len(sums.buckets) == partials.BUCKETS
    stored = partials.StoredSums(
        sums.basis,
        partials.from_json(partials.to_json(sums.total)),
        {b: partials.from_json(partials.to_json(s)) for b, s in sums.buckets.items()},
        True,
    )
    some = int(Account.objects.order_by("pk").values_list("pk", flat=True)[3])
    context = engine.build_context(company, today=TODAY)
    updated = from_sums.sums_updated(company, stored, accounts=frozenset({some}), context=context)
    again = from_sums.run_from_sums(company, updated, context=context, keys=set(KEYS))
    assert again is not None
    expected = _by_key(whole.points)
    assert {k[0] for k in expected} >= {"mrr", "cohort_revenue_retention", "engagement_score",
                                       "time_to_first_value_days", "cac"}  # fmt: skip
    assert _by_key(again) == expected


def test_a_change_recomputed_from_stored_sums_equals_one_from_all_rows(company):
    sums = engine.run(company, today=TODAY, keep_sums=True).sums
    stored = partials.StoredSums(
        sums.basis,
        partials.from_json(partials.to_json(sums.total)),
        {b: partials.from_json(partials.to_json(s)) for b, s in sums.buckets.items()},
        True,
    )
    account = Account.objects.order_by("pk")[4]  # with usage and a first value
    row = Subscription.objects.filter(account=account).first()
    row.quantity += 2
    row.save()
    h.sub(account, "2025-03-02", amount="33.33", currency="USD", plan="pro", interval="year")
    since = month_index(date(2024, 1, 1))
    groups = engine.account_groups(workspace_id=company.id, accounts=frozenset({account.pk}))
    expected = engine.compute_workspace(
        company, today=TODAY, keys=set(KEYS), since_month=since, groups=groups
    )
    context = engine.build_context(company, today=TODAY)
    updated = from_sums.sums_updated(
        company, stored, accounts=frozenset({account.pk}), context=context
    )
    found = from_sums.run_from_sums(
        company, updated, context=context, keys=set(KEYS), since_month=since, groups=groups
    )
    assert found is not None
    assert _by_key(found) == _by_key(expected)
    # What it stores again: the sums of the account's bucket and the new total.
    bucket = account.pk % partials.BUCKETS
    assert set(updated.buckets) == {bucket} and not updated.complete
    fresh = engine.run(company, today=TODAY, keep_sums=True).sums
    assert partials.to_json(updated.buckets[bucket]) == partials.to_json(fresh.buckets[bucket])
    assert _points_of(updated.total) == _points_of(fresh.total)


def _points_of(sums: partials.FamilySums) -> dict:
    context = engine.build_context(Workspace.objects.get(), today=TODAY)
    collector = Collector(context)
    partials.emit(context, collector, sums)
    return _by_key(collector.points)


def test_sums_of_another_basis_are_not_used(company):
    sums = engine.run(company, today=TODAY, keep_sums=True).sums
    account = Account.objects.order_by("pk")[2]

    def updated():
        context = engine.build_context(company, today=TODAY)
        return from_sums.sums_updated(
            company, sums, accounts=frozenset({account.pk}), context=context
        )

    assert updated() is not None

    # A billing interval of seven months: the stored unit cannot hold its amounts exactly.
    h.sub(account, "2025-02-01", amount="70.00", interval="month", interval_count=7)
    assert updated() is None
    Subscription.objects.filter(interval_count=7).delete()

    h.fx("2025-05-01", "CHF", "1.05")  # another rate
    assert updated() is None
    ExchangeRate.objects.filter(currency="CHF").delete()
    assert updated() is not None
    h.sub(h.account(), "2021-12-01", amount="10.00")  # an earlier first month
    assert updated() is None


def test_keys_the_sums_do_not_give_are_computed_from_all_rows(company):
    sums = engine.run(company, today=TODAY, keep_sums=True).sums
    context = engine.build_context(company, today=TODAY)
    found = from_sums.run_from_sums(company, sums, context=context, keys={"mrr", "win_rate"})
    assert found is None
