"""A recompute's claim lives by its heartbeat (issue 15, item 14): a worker that dies midway
no longer blocks recomputes for up to an hour."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.celery import app as celery_app
from kpiapp.models import KpiSnapshot, RecomputeState
from kpiapp.services import snapshots
from kpiapp.services.imports import data_import

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACCOUNTS = b"external_id,name\nA1,Alpha\nA2,Beta\n"
SUBSCRIPTIONS = b"external_id,account,amount,interval,started_at\nS1,A1,100,month,2025-01-01\n"
MORE = b"external_id,account,amount,interval,started_at\nS2,A2,250,month,2025-02-10\n"


def _enqueued(callbacks: list) -> list:
    return [c for c in callbacks if "pagecache" not in c.__module__]


def _state(**fields) -> RecomputeState:
    RecomputeState.objects.all().delete()
    return RecomputeState.objects.create(**fields)


@pytest.mark.django_db
def test_a_change_that_finds_a_lapsed_claim_queues_a_recompute(
    workspace, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with workspace_scope(workspace.id):
        # A worker died mid-recompute: the workspace is dirty and its claim stopped beating.
        _state(dirty_since=now, changed_at=now, started_at=now - snapshots.LEASE * 2)
        with django_capture_on_commit_callbacks() as callbacks:
            snapshots.recompute_request(kinds={"accounts"})
        assert len(_enqueued(callbacks)) == 1

        # A live claim: the running recompute sees the change when it finishes.
        _state(dirty_since=now, changed_at=now, started_at=now)
        with django_capture_on_commit_callbacks() as callbacks:
            snapshots.recompute_request(kinds={"accounts"})
        assert _enqueued(callbacks) == []

        # Dirty within the coalescing window: a task is on its way, a burst adds none.
        _state(dirty_since=now, changed_at=now)
        with django_capture_on_commit_callbacks() as callbacks:
            snapshots.recompute_request(kinds={"accounts"})
        assert _enqueued(callbacks) == []

        # Dirty and unclaimed for longer than a queued task takes to start: it was lost.
        old = now - snapshots.LEASE * 2
        _state(dirty_since=old, changed_at=old)
        with django_capture_on_commit_callbacks() as callbacks:
            snapshots.recompute_request(kinds={"accounts"})
        assert len(_enqueued(callbacks)) == 1


@pytest.mark.django_db
def test_a_claim_with_a_heartbeat_is_not_stolen_and_one_without_is_taken_over(
    workspace, django_capture_on_commit_callbacks
):
    assert timedelta(minutes=1) >= snapshots.LEASE
    with workspace_scope(workspace.id):
        with freeze_time(T0):
            state = _state(
                dirty_since=timezone.now(), changed_at=timezone.now(), started_at=timezone.now()
            )
            running = snapshots.ClaimHeartbeat(state.pk, workspace.id, timezone.now())
        step = snapshots.LEASE * 2 / 3  # the running recompute beats on, within the lease
        for beat_at in (step, 2 * step):
            with freeze_time(T0 + beat_at):
                assert running.beat()
        with freeze_time(T0 + 3 * step), django_capture_on_commit_callbacks():
            # Longer than a lease after the claim, but not after its last beat: still taken.
            assert snapshots.recompute_run() is None
        assert RecomputeState.objects.get().dirty_since is not None

        # The worker dies: no more beats. A lease after the last one, the claim is taken over.
        with freeze_time(T0 + 2 * step + snapshots.LEASE + timedelta(seconds=1)):
            assert snapshots.recompute_run() is not None
        state = RecomputeState.objects.get()
        assert state.dirty_since is None and state.started_at is None
        assert not running.beat() and running.lost  # a late beat does not revive it


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_renews_the_claim_while_the_block_runs(workspace, monkeypatch):
    monkeypatch.setattr(snapshots, "HEARTBEAT_SECONDS", 0.05)
    claimed = timezone.now() - timedelta(seconds=30)
    with workspace_scope(workspace.id):
        state = _state(dirty_since=claimed, changed_at=claimed, started_at=claimed)
        with snapshots.ClaimHeartbeat(state.pk, workspace.id, claimed) as heartbeat:
            deadline = time.monotonic() + 10
            while heartbeat.claimed_at == claimed and time.monotonic() < deadline:
                time.sleep(0.05)
        state.refresh_from_db()
    assert not heartbeat.lost
    assert state.started_at > claimed
    assert state.started_at == heartbeat.claimed_at


def test_the_broker_redelivers_well_before_an_hour_and_after_the_longest_task():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert celery_app.conf.broker_transport_options["visibility_timeout"] == visibility
    assert settings.CELERY_TASK_TIME_LIMIT < visibility < 3600
    for name in ("kpiapp.tasks.recompute_workspace", "kpiapp.tasks.send_report_digest"):
        task = celery_app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost
        assert getattr(task, "retry_backoff_max", 0) < visibility


def _mrr(workspace) -> str | None:
    with workspace_scope(workspace.id):
        point = KpiSnapshot.objects.filter(kpi_key="mrr", grain="month", dimension="").last()
    return None if point is None else str(point.value)


def _wait_for_mrr(workspace, value: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _mrr(workspace) != value:
        time.sleep(0.2)
    assert _mrr(workspace) == value


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_after_a_change_finds_a_dead_claim(worker_on_redis, workspace):
    data_import(workspace=workspace, kind="accounts", data=ACCOUNTS)
    data_import(workspace=workspace, kind="subscriptions", data=SUBSCRIPTIONS)
    _wait_for_mrr(workspace, "100.000000", 30 + snapshots.COALESCE_SECONDS)
    # A worker claimed a recompute and was killed: dirty, with a claim that stopped beating.
    dead = timezone.now() - snapshots.LEASE - timedelta(seconds=5)
    with workspace_scope(workspace.id):
        RecomputeState.objects.update(dirty_since=dead, changed_at=dead, started_at=dead)
    data_import(workspace=workspace, kind="subscriptions", data=MORE)  # new data
    _wait_for_mrr(workspace, "350.000000", 30 + snapshots.COALESCE_SECONDS)
