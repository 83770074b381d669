"""The recompute keeps a workspace's partial sums per bucket of accounts stored: a full run
writes them (and nothing when they did not change), a change of one account's subscriptions
is recomputed from them and its bucket's rows alone and updates just that bucket and the total,
a change they are made of but do not fold in drops them, and the next run of subscriptions
makes them again. The snapshots are those of a full recompute every time."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from kpiapp.kpis import engine, from_sums, partials
from kpiapp.kpis.registry import DEFINITION_VERSION
from kpiapp.models import Account, KpiSnapshot, PartialSums, RecomputeState, Subscription
from kpiapp.services import partial_sums, snapshots
from kpiapp.services.snapshots import Scope
from tests.kpis import helpers as h
from tests.kpis.company import TODAY, small_company

SUBSCRIPTIONS = frozenset({"subscriptions"})


@pytest.fixture
def company(ws):
    small_company()
    with freeze_time(TODAY):
        snapshots.snapshot_rebuild(workspace_id=ws.id, today=TODAY)
    return ws


def _stored() -> dict[int, tuple[str, int]]:
    return {row.bucket: (row.digest, row.generation) for row in PartialSums.objects.all()}


def _snapshots() -> dict:
    return {
        (s.kpi_key, s.grain, s.period_start, s.dimension, s.dimension_value): (
            s.value,
            s.reason,
        )
        for s in KpiSnapshot.objects.all()
    }


def _full_recompute_gives_the_same(company) -> None:
    before = _snapshots()
    snapshots.snapshot_rebuild(workspace_id=company.id, today=TODAY)
    assert _snapshots() == before


def test_a_full_run_stores_every_bucket_and_rewrites_none_unchanged(company):
    stored = _stored()
    assert set(stored) == {PartialSums.TOTAL, *range(partials.BUCKETS)}
    snapshots.snapshot_rebuild(workspace_id=company.id, today=TODAY)
    assert _stored() == stored  # same digests, same generation: nothing written


def test_a_change_of_one_account_reads_only_its_bucket(company, monkeypatch):
    account = Account.objects.order_by("pk")[4]
    bucket = account.pk % partials.BUCKETS
    before = _stored()
    currency = Subscription.objects.filter(account=account).first().currency  # not mixed
    h.sub(account, "2025-06-02", amount="99.00", plan="pro", currency=currency)
    read = []
    real = engine.load_subscriptions
    for module in (engine, from_sums):  # every read of subscription rows in a run
        monkeypatch.setattr(
            module, "load_subscriptions", lambda **kw: read.append(kw) or real(**kw)
        )

    snapshots.snapshot_rebuild(
        workspace_id=company.id,
        today=TODAY,
        scope=Scope(SUBSCRIPTIONS, date(2025, 6, 2), frozenset({account.pk})),
    )
    # The account's own rows (were they a customer before?) and its bucket's: never all.
    assert {"workspace_id": company.id, "buckets": ([bucket], partials.BUCKETS)} in read
    assert all("accounts" in kw or "buckets" in kw for kw in read)
    after = _stored()
    changed = {b for b in after if after[b][0] != before[b][0]}
    assert changed == {bucket, PartialSums.TOTAL}
    assert after[PartialSums.TOTAL][1] == before[PartialSums.TOTAL][1] + 1
    _full_recompute_gives_the_same(company)
    assert _stored() == after  # the full run finds the sums the update stored


def test_a_change_the_sums_do_not_fold_in_drops_them_and_the_next_run_makes_them(company):
    account = Account.objects.order_by("pk")[7]
    h.usage(account, "2025-05-01", active_users=3, seats=5, key_actions=40)
    snapshots.snapshot_rebuild(
        workspace_id=company.id, today=TODAY, scope=Scope(frozenset({"usage"}), date(2025, 5, 1))
    )
    assert not PartialSums.objects.exists()

    Subscription.objects.filter(account=account).update(quantity=3)
    snapshots.snapshot_rebuild(
        workspace_id=company.id,
        today=TODAY,
        scope=Scope(SUBSCRIPTIONS, date(2024, 1, 1), frozenset({account.pk})),
    )
    assert set(_stored()) == {PartialSums.TOTAL, *range(partials.BUCKETS)}
    _full_recompute_gives_the_same(company)


def test_sums_read_before_another_run_wrote_are_not_stored(company):
    account = Account.objects.order_by("pk")[1]
    stored = partial_sums.sums_load(buckets=[account.pk % partials.BUCKETS])
    context = engine.build_context(company, today=TODAY)
    updated = from_sums.sums_updated(
        company, stored, accounts=frozenset({account.pk}), context=context
    )
    PartialSums.objects.filter(bucket=PartialSums.TOTAL).update(generation=99)  # another run
    partial_sums.sums_store(updated, workspace_id=company.id)
    assert not PartialSums.objects.exists()


def test_a_full_rebuild_outside_a_task_lets_the_next_change_be_narrowed(company):
    # The demo's seed, `recompute_kpis` and the benchmarks rebuild without the task: the next
    # change's run still patches (here: one account's bucket) instead of starting over.
    assert RecomputeState.objects.get().definition_version == DEFINITION_VERSION
    account = Account.objects.order_by("pk")[3]
    subscription = Subscription.objects.filter(account=account).first()
    subscription.quantity += 1
    subscription.save()
    snapshots.recompute_request(
        kinds={"subscriptions"}, since=subscription.started_at, accounts={account.pk}
    )
    summary = snapshots.recompute_run(now_for_tests=TODAY)
    assert summary is not None and summary.snapshot_count < 2_000  # a full run makes 12,558
    _full_recompute_gives_the_same(company)
