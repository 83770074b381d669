"""Recomputes are requested by data changes, coalesced, claimed once, atomic, and safe to
repeat or interrupt (STYLE.md section 5)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from accounts import services as account_services
from accounts.tenancy import workspace_scope
from kpiapp.forms.records import AccountForm
from kpiapp.imports import bulk
from kpiapp.models import Account, KpiSnapshot, RecomputeState, Subscription
from kpiapp.services import snapshots
from kpiapp.services.imports import data_import
from kpiapp.services.records import record_save
from kpiapp.tasks import recompute_workspace
from tests.conftest import membership_of

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")

SUBSCRIPTIONS = (
    b"external_id,account,amount,interval,started_at\n"
    b"S1,A1,100,month,2025-01-01\nS2,A2,250,month,2025-02-10\n"
)
ACCOUNTS = b"external_id,name\nA1,Alpha\nA2,Beta\n"


def _enqueued(callbacks: list) -> list:
    """The on-commit callbacks that enqueue a recompute (others bump the page cache)."""
    return [c for c in callbacks if "pagecache" not in c.__module__]


def _mrr(workspace) -> str | None:
    with workspace_scope(workspace.id):
        point = KpiSnapshot.objects.filter(kpi_key="mrr", grain="month", dimension="").last()
    return None if point is None else str(point.value)


@pytest.mark.django_db
def test_an_import_schedules_one_recompute_after_commit(
    workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_import(workspace=workspace, kind="accounts", data=ACCOUNTS)
        data_import(workspace=workspace, kind="subscriptions", data=SUBSCRIPTIONS)
    # Two imports in a burst: the second finds the workspace already dirty, no second task.
    assert len(_enqueued(callbacks)) == 1
    assert _mrr(workspace) == "350.000000"
    with workspace_scope(workspace.id):
        state = RecomputeState.objects.get()
    assert state.dirty_since is None and state.started_at is None
    assert state.run_count == 1


@pytest.mark.django_db
def test_a_dry_run_or_an_unchanged_reimport_schedules_nothing(
    workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        data_import(workspace=workspace, kind="accounts", data=ACCOUNTS)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_import(workspace=workspace, kind="accounts", data=ACCOUNTS)  # same file
        data_import(workspace=workspace, kind="subscriptions", data=SUBSCRIPTIONS, dry_run=True)
    assert _enqueued(callbacks) == []


@pytest.mark.django_db
def test_fifty_quick_edits_give_one_recompute(workspace, alice, django_capture_on_commit_callbacks):
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="A")
        member = membership_of(alice, workspace)
        enqueued = []
        original = snapshots._enqueue
        snapshots._enqueue = lambda ws, countdown: enqueued.append((ws, countdown))
        try:
            for n in range(50):
                form = AccountForm(
                    data={"external_id": "A", "name": f"A {n}"},
                    instance=account,
                    workspace=workspace,
                )
                assert form.is_valid(), form.errors
                record_save(membership=member, form=form)
        finally:
            snapshots._enqueue = original
        assert enqueued == [(workspace.id, snapshots.FIRST_CHANGE_SECONDS)]  # at once, once
        assert recompute_workspace(workspace.id) is not None  # the one delayed task
        assert recompute_workspace(workspace.id) is None  # a duplicate delivery: nothing to do
        assert RecomputeState.objects.get().run_count == 1


@pytest.mark.django_db
def test_running_twice_leaves_the_same_rows(workspace):
    with workspace_scope(workspace.id):
        a = Account.objects.create(external_id="A", name="A")
        Subscription.objects.create(
            external_id="S",
            account=a,
            amount_cents=9_900,
            currency="EUR",
            interval="month",
            started_at=date(2025, 1, 1),
        )
        fields = ("kpi_key", "grain", "period_start", "dimension", "dimension_value", "value")
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
        first = sorted(KpiSnapshot.objects.values_list(*fields))
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
        assert sorted(KpiSnapshot.objects.values_list(*fields)) == first
        assert len(first) > 500


@pytest.mark.django_db
def test_a_second_recompute_without_changes_writes_nothing(workspace, monkeypatch):
    # Net revenue retention 9,822.38 / 10,000.00 = 0.982238, a text SQLite stores as
    # 0.9822379999999999: read with float(), it never equalled its stored self (issue 17).
    with workspace_scope(workspace.id):
        for name, cents, ended in (("A", 982_238, None), ("B", 17_762, date(2025, 6, 15))):
            Subscription.objects.create(
                external_id=name,
                account=Account.objects.create(external_id=name, name=name),
                amount_cents=cents,
                currency="EUR",
                interval="month",
                started_at=date(2025, 1, 1),
                ended_at=ended,
            )
        first = snapshots.snapshot_rebuild(workspace_id=workspace.id)
        assert KpiSnapshot.objects.filter(kpi_key="nrr", value=Decimal("0.982238")).exists()
        changed: list[int] = []
        monkeypatch.setattr(snapshots, "pages_changed", changed.append)
        second = snapshots.snapshot_rebuild(workspace_id=workspace.id)
    assert first.written_count == first.snapshot_count > 500
    assert (second.written_count, second.deleted_count, changed) == (0, 0, [])


@pytest.mark.django_db
def test_a_recompute_that_dies_while_writing_leaves_the_previous_snapshots(workspace, monkeypatch):
    with workspace_scope(workspace.id):
        a = Account.objects.create(external_id="A", name="A")
        Subscription.objects.create(
            external_id="S",
            account=a,
            amount_cents=9_900,
            currency="EUR",
            interval="month",
            started_at=date(2025, 1, 1),
        )
        snapshots.snapshot_rebuild(workspace_id=workspace.id)
        before = KpiSnapshot.objects.count()
        Subscription.objects.update(amount_cents=19_900)

        def die(*args, **kwargs):
            raise SystemExit("worker killed")  # after the old rows were deleted

        monkeypatch.setattr(snapshots, "insert_text_rows", die)
        with pytest.raises(SystemExit):
            snapshots.snapshot_rebuild(workspace_id=workspace.id)
        assert KpiSnapshot.objects.count() == before
        assert _mrr(workspace) == "99.000000"


@pytest.mark.django_db
def test_a_live_claim_blocks_a_second_run_and_a_stale_one_is_taken_over(
    workspace, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace.id):
        RecomputeState.objects.create(
            dirty_since=timezone.now(), changed_at=timezone.now(), started_at=timezone.now()
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert snapshots.recompute_run() is None  # another worker is on it
        assert len(_enqueued(callbacks)) == 1  # it looks again when that claim lapses
        stale = timezone.now() - snapshots.LEASE - timedelta(seconds=1)
        RecomputeState.objects.update(started_at=stale)  # that worker was killed
        assert snapshots.recompute_run() is not None
        assert RecomputeState.objects.get().dirty_since is None


@pytest.mark.django_db
def test_a_change_during_a_run_triggers_one_more_run(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace.id):
        RecomputeState.objects.create(dirty_since=timezone.now(), changed_at=timezone.now())
        real = snapshots.snapshot_rebuild

        def rebuild_while_someone_edits(**kwargs):
            RecomputeState.objects.update(changed_at=timezone.now() + timedelta(seconds=1))
            return real(**kwargs)

        monkeypatch.setattr(snapshots, "snapshot_rebuild", rebuild_while_someone_edits)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            snapshots.recompute_run()
        state = RecomputeState.objects.get()
        assert state.dirty_since is not None and state.started_at is None
        assert len(_enqueued(callbacks)) == 1


@pytest.mark.django_db
def test_a_change_saved_after_a_runs_swap_starts_a_run_at_once(workspace, alice, monkeypatch):
    """The swap marks the workspace clean and releases the claim: an edit saved right after
    the swap commits (while the run bumps the page cache and looks at alerts) is a first
    change, not one that waits for COALESCE_SECONDS behind the run."""
    member = membership_of(alice, workspace)
    enqueued: list[tuple[int, float]] = []
    monkeypatch.setattr(
        snapshots, "_enqueue", lambda ws, countdown: enqueued.append((ws, countdown))
    )
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A1", name="Alpha")
        RecomputeState.objects.create(dirty_since=timezone.now(), changed_at=timezone.now())

        real_pages_changed = snapshots.pages_changed

        def edit_after_the_swap(workspace_id: int) -> None:
            real_pages_changed(workspace_id)
            if enqueued:
                return  # once
            state = RecomputeState.objects.get()
            assert state.dirty_since is None and state.started_at is None  # settled already
            form = AccountForm(
                data={"external_id": "A1", "name": "Alpha GmbH"}, instance=account,
                workspace=workspace,
            )  # fmt: skip
            assert form.is_valid(), form.errors
            record_save(membership=member, form=form)

        monkeypatch.setattr(snapshots, "pages_changed", edit_after_the_swap)
        snapshots.recompute_run()
        assert enqueued == [(workspace.id, snapshots.FIRST_CHANGE_SECONDS)]
        state = RecomputeState.objects.get()
        assert state.dirty_since is not None and state.dirty_kinds == ["accounts"]
        assert snapshots.recompute_run() is not None  # nobody holds the claim: it runs
        assert RecomputeState.objects.get().dirty_since is None


@pytest.mark.django_db
def test_a_change_of_gross_margin_recomputes(workspace, alice, django_capture_on_commit_callbacks):
    settings_ = account_services.WorkspaceSettings(
        name=workspace.name,
        currency=workspace.currency,
        time_zone=workspace.time_zone,
        gross_margin=Decimal("0.700"),
        language=workspace.language,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        account_services.workspace_update(
            actor=membership_of(alice, workspace), settings_=settings_
        )
    assert len(_enqueued(callbacks)) == 1
    with workspace_scope(workspace.id):
        assert RecomputeState.objects.get().run_count == 1


def _dataset(workspace, accounts: int) -> None:
    with workspace_scope(workspace.id):
        rows = [
            {"external_id": f"A{i}", "name": f"A{i}", "country": "DE", "industry": ""}
            for i in range(accounts)
        ]
        bulk.insert_rows(Account, workspace_id=workspace.id, names=list(rows[0]), rows=rows)
        ids = list(Account.objects.values_list("id", flat=True))
        subs = [
            {
                "external_id": f"S{i}",
                "account_id": account,
                "amount_cents": 1_000 + i,
                "currency": "EUR",
                "plan": "pro" if i % 2 else "basic",
                "churn_reason": "",
                "interval": "month",
                "interval_count": 1,
                "quantity": 1,
                "discount_percent": 0,
                "started_at": date(2023, 1, 1) + timedelta(days=i % 700),
                "ended_at": None if i % 3 else date(2025, 6, 1) + timedelta(days=i % 90),
            }
            for i, account in enumerate(ids)
        ]
        bulk.insert_rows(Subscription, workspace_id=workspace.id, names=list(subs[0]), rows=subs)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(workspace, other_workspace):
    _dataset(workspace, 5)
    _dataset(other_workspace, 400)
    counts = []
    for ws in (workspace, other_workspace):
        with workspace_scope(ws.id), CaptureQueriesContext(connection) as queries:
            snapshots.snapshot_rebuild(workspace_id=ws.id)
        # SQLite writes with one executemany; PostgreSQL with one COPY.
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] < 40


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_after_an_import(worker_on_redis, workspace):
    data_import(workspace=workspace, kind="accounts", data=ACCOUNTS)
    data_import(workspace=workspace, kind="subscriptions", data=SUBSCRIPTIONS)
    deadline = time.monotonic() + 30 + snapshots.COALESCE_SECONDS
    while time.monotonic() < deadline:
        with workspace_scope(workspace.id):
            state = RecomputeState.objects.get()
        if state.run_count and state.dirty_since is None:
            break
        time.sleep(0.2)
    # The first import after idle starts a run at once; the second joins it or the next.
    assert state.run_count >= 1 and state.dirty_since is None, "the worker did not recompute"
    assert _mrr(workspace) == "350.000000"
