"""Recomputing a workspace's KPI snapshots: requests (coalesced), claims and the atomic swap.

A data change calls `recompute_request` in its transaction. The first change after a clean
state enqueues one task after commit that starts at once (the coalescing adapts: an idle
workspace answers a change immediately); changes that land while that task is pending or
computing only mark the state, and a run that finds such changes at its swap runs once more
after `COALESCE_SECONDS`, so the rest of a burst (bulk calls in a loop) lands in one further
run. `recompute_run` (the task's body) claims the work, computes the KPIs without holding a
transaction, then writes just the snapshots that differ from the stored ones in one
transaction: readers see the old set or the new one. That transaction also marks the
workspace clean and releases the claim, so a change saved after it is a first change again.
See `RecomputeState` for the compare-and-set rules.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import current_workspace_id
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports.bulk import delete_rows, insert_text_rows, refresh_statistics, sqlite_numbers
from kpiapp.kpis import partials
from kpiapp.kpis.attributed import KEYS as JOURNEY_KEYS
from kpiapp.kpis.dependencies import (
    ACCOUNT_GROUPED,
    NARROW_KINDS,
    SUBSCRIPTION_AMOUNTS,
    AccountGroups,
    affected_keys,
)
from kpiapp.kpis.engine import (
    EngineRun,
    account_groups,
    build_context,
    compute_workspace,
    customers_before,
)
from kpiapp.kpis.engine import run as run_engine
from kpiapp.kpis.from_sums import run_from_sums, sums_updated
from kpiapp.kpis.periods import GRAINS, Period, month_index, month_start, today_in
from kpiapp.kpis.registry import (
    ATTRIBUTED_KEYS,
    COHORT_KEYS,
    DEFINITION_VERSION,
    cohort_cell_month,
    decimals_for,
)
from kpiapp.kpis.results import Number, Point
from kpiapp.kpis.sql import queryset_rows
from kpiapp.models import AlertRule, CustomKpi, KpiSnapshot, RecomputeState
from kpiapp.pagecache.versions import pages_changed
from kpiapp.services.partial_sums import INPUT_KINDS as SUMS_INPUT_KINDS
from kpiapp.services.partial_sums import sums_forget, sums_load, sums_store
from kpiapp.services.recompute_failures import needs_enqueue_after_failure, recompute_failed

log = logging.getLogger(__name__)

# How long a run that found new changes at its end waits before the next run, so the rest of a
# burst joins it. The first change after a clean state does not wait (FIRST_CHANGE_SECONDS).
COALESCE_SECONDS = 1
FIRST_CHANGE_SECONDS = 0
# A claim lives as long as its heartbeat: the running recompute renews it every
# HEARTBEAT_SECONDS, so a claim older than LEASE belongs to a worker that died; beat's sweep
# (services/recompute_sweeper.py) queues such work again (settings.RECOMPUTE_*).
LEASE = timedelta(seconds=settings.RECOMPUTE_LEASE_SECONDS)
HEARTBEAT_SECONDS = settings.RECOMPUTE_HEARTBEAT_SECONDS
NUMERATOR_PLACES = 12
VALUE_PLACES = 6  # KpiSnapshot.value's decimal places
# What makes a value of `places` decimals read as VALUE_PLACES ones: "5" as "5.000000".
VALUE_PADDING = {
    places: ("" if places else ".") + "0" * (VALUE_PLACES - places) for places in range(7)
}


@dataclass(frozen=True)
class RebuildSummary:
    workspace_id: int
    snapshot_count: int
    compute_seconds: float
    write_seconds: float
    written_count: int = 0  # snapshots inserted (new or changed)
    deleted_count: int = 0  # snapshots deleted (gone or changed)


def _state() -> RecomputeState:
    state, _ = RecomputeState.objects.get_or_create(workspace_id=current_workspace_id())
    return state


# Beyond this many changed accounts, narrowing to their dimension values saves little.
MAX_NARROWED_ACCOUNTS = 100
SUBSCRIPTION_KINDS = frozenset({"subscriptions", SUBSCRIPTION_AMOUNTS})  # narrowed to accounts


@dataclass(frozen=True)
class Scope:
    """What a recompute must cover: the KPIs that read `kinds` (None: all), for the periods
    that end on or after `since` (None: all periods); with `accounts`, a change of only these
    accounts' subscriptions, so only their dimension values (`AccountGroups`), and of the
    plans their changed subscriptions had before (`plans`) and have now."""

    kinds: frozenset[str] | None = None
    since: date | None = None
    accounts: frozenset[int] | None = None
    plans: frozenset[str] = frozenset()

    @property
    def full(self) -> bool:
        return self.kinds is None and self.since is None

    def merge(self, other: Scope) -> Scope:
        kinds = None if self.kinds is None or other.kinds is None else self.kinds | other.kinds
        since = None if self.since is None or other.since is None else min(self.since, other.since)
        if self.accounts is None or other.accounts is None:
            return Scope(kinds, since)
        return Scope(
            kinds, since, self.accounts | other.accounts, self.plans | other.plans
        ).bounded()

    def bounded(self) -> Scope:
        """Without `accounts` where they do not narrow anything: a change of other kinds of
        data too, or of many accounts."""
        if self.accounts is None:
            return Scope(self.kinds, self.since)
        if not self.kinds or not self.kinds <= SUBSCRIPTION_KINDS:
            return Scope(self.kinds, self.since)
        if len(self.accounts) > MAX_NARROWED_ACCOUNTS:
            return Scope(self.kinds, self.since)
        return self


FULL = Scope()


def _stored_scope(state: RecomputeState) -> Scope:
    if state.dirty_full:
        return FULL
    if state.dirty_accounts is None:
        return Scope(frozenset(state.dirty_kinds), state.dirty_from)
    accounts, plans = frozenset(state.dirty_accounts), frozenset(state.dirty_plans)
    return Scope(frozenset(state.dirty_kinds), state.dirty_from, accounts, plans).bounded()


def recompute_request(
    *,
    kinds: set[str] | None = None,
    since: date | None = None,
    accounts: set[int] | None = None,
    plans: set[str] | None = None,
    countdown: float = FIRST_CHANGE_SECONDS,
    always_enqueue: bool = False,
) -> None:
    """Mark the workspace in scope as changed (the data kinds and the earliest day a change
    touches, or everything; for a change of subscriptions, their accounts and former plans)
    and enqueue a recompute if none is pending (or always, for the nightly run, which also
    recovers a lost task)."""
    unknown = kinds is not None and not set(kinds) <= DATA_KINDS.keys() | NARROW_KINDS
    wanted = (
        FULL
        if kinds is None or unknown
        else Scope(
            frozenset(kinds),
            since,
            None if accounts is None else frozenset(accounts),
            frozenset(plans or ()),
        ).bounded()
    )
    now = timezone.now()
    pk = _state().pk
    with transaction.atomic():
        state = RecomputeState.objects.select_for_update().get(pk=pk)
        became_dirty = state.dirty_since is None
        orphaned = not became_dirty and _orphaned(state, now)
        scope = wanted if became_dirty else _stored_scope(state).merge(wanted)
        state.dirty_since = state.dirty_since or now
        state.changed_at = now
        state.dirty_full = scope.full
        state.dirty_kinds = sorted(scope.kinds or [])
        state.dirty_from = scope.since
        state.dirty_accounts = None if scope.accounts is None else sorted(scope.accounts)
        state.dirty_plans = sorted(scope.plans)
        state.save(
            update_fields=[
                "dirty_since", "changed_at", "dirty_full", "dirty_kinds", "dirty_from",
                "dirty_accounts", "dirty_plans",
            ]
        )  # fmt: skip
    if became_dirty or always_enqueue or orphaned or needs_enqueue_after_failure(state):
        _enqueue(state.workspace_id, countdown)


def _orphaned(state: RecomputeState, now: datetime) -> bool:
    """Pending work that no task will do: its claim lapsed (the worker died), or it has been
    dirty, unclaimed, for longer than a queued task takes to start (the task was lost)."""
    if state.started_at is not None:
        return state.started_at < now - LEASE
    waited = now - state.dirty_since if state.dirty_since else timedelta(0)
    return waited > LEASE + timedelta(seconds=COALESCE_SECONDS)


# Workspace settings that KPIs use (KPIS.md): a change of one recomputes the workspace.
KPI_SETTINGS = {
    "currency",
    "time_zone",
    "gross_margin",
    "stage_probabilities",
    "activation_days",
    "referral_channel",
}


def settings_changed(workspace: Workspace, fields: set[str]) -> None:
    pages_changed(workspace.id)  # e.g. the benchmark segment changes the verdicts
    if fields & KPI_SETTINGS:
        from accounts.tenancy import workspace_scope

        with workspace_scope(workspace.id):
            recompute_request()  # everything


def recompute_request_all() -> int:
    """Mark every workspace as changed and enqueue its recompute (the nightly fan-out)."""
    from accounts.tenancy import workspace_scope

    ids = list(Workspace.objects.values_list("id", flat=True))
    for workspace_id in ids:
        with workspace_scope(workspace_id), transaction.atomic():
            recompute_request(countdown=0, always_enqueue=True)
    return len(ids)


def _enqueue(workspace_id: int, countdown: float) -> None:  # also for recompute_sweeper
    from kpiapp.services import recompute_thread
    from kpiapp.tasks import recompute_workspace

    if recompute_thread.enabled():  # the embedded default: after the response, not in it
        transaction.on_commit(lambda: recompute_thread.submit(workspace_id, countdown))
        return

    def send() -> None:
        # After commit: the change is saved and the workspace marked dirty. A broker that
        # cannot be reached must not turn the user's save into an error page; the next
        # change, the sweep or the nightly run queues the work again.
        try:
            recompute_workspace.apply_async((workspace_id,), countdown=countdown)
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise  # an error in the task itself, run in-process
            log.warning("recompute of workspace %s could not be queued", workspace_id)

    transaction.on_commit(send)


def recompute_run(*, now_for_tests: date | None = None) -> RebuildSummary | None:
    """Claim and run a pending recompute of the workspace in scope; None if there is nothing
    to do or another worker holds a live claim (then it retries after the lease)."""
    state = _state()
    now = timezone.now()
    claimed = (
        RecomputeState.objects.filter(pk=state.pk, dirty_since__isnull=False)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=now - LEASE))
        .update(started_at=now)
    )
    if not claimed:
        state.refresh_from_db()
        if state.dirty_since and state.started_at:  # a live claim: look again when it lapses
            wait = state.started_at + LEASE - now
            _enqueue(state.workspace_id, max(int(wait.total_seconds()) + 1, 1))
        return None
    state.refresh_from_db()
    seen_change = state.changed_at
    scope = _stored_scope(state)
    if state.definition_version != DEFINITION_VERSION or not KpiSnapshot.objects.exists():
        scope = FULL  # nothing to patch: a first run, or definitions changed
    clean: list[bool] = []
    try:
        with ClaimHeartbeat(state.pk, state.workspace_id, now) as heartbeat:

            def settle(snapshot_count: int) -> None:
                heartbeat.stop()  # the claim is released in the swap's transaction
                clean.append(_settle(state.pk, seen_change, now, snapshot_count))

            summary = snapshot_rebuild(
                workspace_id=state.workspace_id, today=now_for_tests, scope=scope, settle=settle
            )
    except (OperationalError, InterfaceError) as error:  # passing: the task retries
        recompute_failed(state=state, error=error)
        raise
    except Exception as error:  # marked, logged and shown to admins; raising adds nothing
        recompute_failed(state=state, error=error)
        return None
    if not all(clean):  # changed while we computed: once more, after the rest of a burst
        _enqueue(state.workspace_id, COALESCE_SECONDS)
    _evaluate_alerts(state.workspace_id)
    return summary


def _settle(state_pk: int, seen_change: datetime | None, started: datetime, count: int) -> bool:
    """Mark the run done and release its claim, in the swap's transaction: a change saved
    after it finds the workspace clean and unclaimed and starts its own run at once (the first
    change after a clean state does not wait). False when a change came while the run
    computed: the workspace stays dirty."""
    finished = timezone.now()
    done = {
        "started_at": None,
        "finished_at": finished,
        "failed_at": None,
        "error": "",
        "duration_ms": int((finished - started).total_seconds() * 1000),
        "snapshot_count": count,
        "run_count": F("run_count") + 1,
        "definition_version": DEFINITION_VERSION,
    }
    updated = RecomputeState.objects.filter(pk=state_pk, changed_at=seen_change).update(
        dirty_since=None,
        dirty_full=False,
        dirty_kinds=[],
        dirty_from=None,
        dirty_accounts=None,
        dirty_plans=[],
        **done,
    )
    if not updated:
        RecomputeState.objects.filter(pk=state_pk).update(**done)
    return bool(updated)


def _evaluate_alerts(workspace_id: int) -> None:
    """New numbers: the workspace's alert rules are looked at, by a task of their own."""
    if not AlertRule.objects.filter(active=True).exists():
        return
    from kpiapp.tasks import evaluate_alerts  # tasks import this module

    transaction.on_commit(lambda: evaluate_alerts.delay(workspace_id))


class ClaimHeartbeat:
    """Renews a recompute's claim every HEARTBEAT_SECONDS while the block runs, from a thread
    with its own database connection (the recompute itself holds no transaction while it
    computes, and the write's transaction must not carry the beat). The renewal compares the
    claim with the last one written, so a claim another worker took over is not renewed."""

    def __init__(self, state_pk: int, workspace_id: int, claimed_at: datetime) -> None:
        self.state_pk = state_pk
        self.workspace_id = workspace_id
        self.claimed_at = claimed_at
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="recompute-heartbeat", daemon=True)

    def beat(self, now: datetime | None = None) -> bool:
        """Renew the claim once (inside the workspace's scope); False if it is not ours."""
        now = now or timezone.now()
        renewed = RecomputeState.objects.filter(
            pk=self.state_pk, started_at=self.claimed_at
        ).update(started_at=now)
        if renewed:
            self.claimed_at = now
        else:
            self.lost = True
        return bool(renewed)

    def _run(self) -> None:
        from accounts.tenancy import workspace_scope

        try:
            with workspace_scope(self.workspace_id):
                while not self._stop.wait(HEARTBEAT_SECONDS):
                    if not self.beat():
                        if not self._stop.is_set():  # not the run's own release (`settle`)
                            log.warning(
                                "recompute of workspace %s lost its claim", self.workspace_id
                            )
                        return
        except Exception:  # a heartbeat that fails lets the claim lapse; the run goes on
            log.exception("recompute heartbeat of workspace %s failed", self.workspace_id)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> ClaimHeartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """No more renewals (the thread ends at its next wake-up)."""
        self._stop.set()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _journeys_unmoved(scope: Scope, since_month: int | None) -> bool:
    """A change of subscriptions alone, of accounts that were customers before its month."""
    return (
        scope.kinds is not None
        and scope.kinds <= SUBSCRIPTION_KINDS
        and scope.accounts is not None
        and since_month is not None
        and customers_before(
            workspace_id=current_workspace_id(), accounts=scope.accounts, month=since_month
        )
    )


def _run(
    workspace: Workspace,
    scope: Scope,
    *,
    today: date | None,
    keys: set[str] | None,
    since_month: int | None,
    groups: AccountGroups | None,
) -> EngineRun:
    """The engine's run for `scope`. A change of a few accounts' subscriptions updates the
    stored partial sums from their buckets' rows alone, and makes its points from them when
    they give every KPI it moves. Else the engine reads all rows; a run of every KPI or of
    subscriptions then also makes every bucket's sums (none were stored, or they no longer
    held)."""
    subscriptions_only = scope.kinds is not None and scope.kinds <= SUBSCRIPTION_KINDS
    updated = None
    if subscriptions_only and scope.accounts is not None and keys is not None:
        stored = sums_load(buckets=sorted({a % partials.BUCKETS for a in scope.accounts}))
        context = build_context(workspace, today=today)
        updated = (
            None
            if stored is None
            else sums_updated(
                workspace,
                stored,
                accounts=scope.accounts,
                context=context,
                since_month=since_month,
            )
        )
        if updated is not None:
            points = run_from_sums(
                workspace,
                updated,
                context=context,
                keys=keys,
                since_month=since_month,
                groups=groups,
            )
            if points is not None:
                return EngineRun(points, updated)
    run = run_engine(
        workspace,
        today=today,
        keys=keys,
        since_month=since_month,
        groups=groups,
        keep_sums=updated is None and (keys is None or subscriptions_only),
    )
    return EngineRun(run.points, updated or run.sums)


def _keep_sums(run: EngineRun, scope: Scope, workspace_id: int) -> None:
    if run.sums is not None:
        sums_store(run.sums, workspace_id=workspace_id)
    elif scope.kinds is not None and scope.kinds & SUMS_INPUT_KINDS:
        sums_forget()  # a change the sums are made of, not folded into them


def snapshot_rebuild(
    *,
    workspace_id: int,
    today: date | None = None,
    scope: Scope = FULL,
    settle: Callable[[int], None] | None = None,
) -> RebuildSummary:
    """Compute the KPIs of the workspace (all, or those `scope` touches) and replace their
    snapshots in one transaction; `settle(snapshot count)` runs last in that transaction."""
    if workspace_id != current_workspace_id():
        raise ValueError("snapshot_rebuild() runs inside the scope of the same workspace")
    workspace = Workspace.objects.get(pk=workspace_id)
    started = time.perf_counter()
    units = _custom_units()
    if not scope.full and _months_moved(workspace, today):
        scope = FULL  # the first or the current month moved: every KPI gains or loses periods
    keys = None if scope.kinds is None else affected_keys(set(scope.kinds), list(units))
    since_month = None if scope.since is None else month_index(scope.since)
    if keys is not None and _journeys_unmoved(scope, since_month):
        keys -= set(JOURNEY_KEYS)  # the accounts' journeys stay as they are
    groups = None
    if scope.accounts is not None and keys is not None:
        groups = account_groups(
            workspace_id=workspace_id, accounts=scope.accounts, plans=scope.plans
        )
    run = _run(workspace, scope, today=today, keys=keys, since_month=since_month, groups=groups)
    points = run.points
    if since_month is not None and _dimension_values_moved(workspace, points, keys, groups, today):
        # A value of a dimension appeared or vanished (a new country, a campaign's last
        # customer gone): every period of those KPIs changes, not only the later ones.
        since_month = None
        points = compute_workspace(workspace, today=today, keys=keys, groups=groups)
    computed = time.perf_counter()
    rows = _text_rows(points, units, timezone.now())
    with transaction.atomic():
        # Lock the state row: two rebuilds of one workspace never interleave their swaps.
        RecomputeState.objects.select_for_update().filter(workspace_id=workspace_id).first()
        stale, fresh = _differences(_replaced(keys, since_month, groups), rows, since_month)
        delete_rows(KpiSnapshot, workspace_id=workspace_id, ids=stale)  # nothing refers to them
        insert_text_rows(
            KpiSnapshot, workspace_id=workspace_id, columns=SNAPSHOT_COLUMNS, rows=fresh
        )
        _keep_sums(run, scope, workspace_id)
        if scope.full:  # what is stored now follows today's definitions: later runs may patch
            RecomputeState.objects.update_or_create(
                defaults={"definition_version": DEFINITION_VERSION}
            )
        if settle is not None:
            settle(len(rows))
    if stale or fresh:
        pages_changed(workspace_id)
    if len(fresh) >= ANALYZE_AFTER_ROWS:
        refresh_statistics(KpiSnapshot)
    written = time.perf_counter()
    log.info(
        "recomputed workspace %s: %s snapshots, %s written, %s deleted",
        workspace_id, len(rows), len(fresh), len(stale),
    )  # fmt: skip
    return RebuildSummary(
        workspace_id, len(rows), computed - started, written - computed, len(fresh), len(stale)
    )


# After writing this many snapshots, PostgreSQL's statistics of the table are refreshed at
# once. Autovacuum waits until a tenth of a table changed: a new workspace's first recompute
# in a table shared by many can stay below that, and the planner, which still believes the
# workspace has a few rows, then scans all of them for each later partial run's delete
# (156,000 rows: 260 ms for a delete of 416 snapshots instead of 2 ms).
ANALYZE_AFTER_ROWS = 10_000


KEY_COLUMNS = ("kpi_key", "grain", "period_start", "dimension", "dimension_value")
VALUE_COLUMNS = ("value", "numerator", "denominator", "reason", "partial")


def _differences(
    stored: QuerySet[KpiSnapshot], rows: list, since_month: int | None = None
) -> tuple[list[int], list]:
    """Compare the stored snapshots a rebuild covers with its new text rows: the ids of the
    stored rows to delete (gone or changed) and the new rows to insert (new or changed).

    Each row is looked up whole, key and values: a stored row that no new row equals goes, a
    new row that no stored row equals comes, so an unchanged snapshot is neither deleted nor
    written. Values compare as numbers: PostgreSQL gives the stored ones back as text in the
    form `_text_rows` writes (six and twelve places, "t"/"f"); SQLite, which keeps NUMERIC as
    REAL (or INTEGER when whole), as the numbers it holds, which the new texts are converted
    to by SQLite itself (`_sqlite_numbers`)."""
    old = {
        row[1:]: row[0]
        for row in queryset_rows(_stored_rows(stored))
        if since_month is None or not _earlier_cohort_cell(row, since_month)
    }
    pop = old.pop  # a row found is popped: what stays in `old` matched no new row
    if connection.vendor == "postgresql":
        fresh = [row for row in rows if pop(row[:10], None) is None]
    else:
        n = _sqlite_numbers(rows)  # each row as SQLite returns it: numbers, and the flag as bool
        fresh = [
            row
            for row in rows
            if pop(
                (row[0], row[1], row[2], row[3], row[4], n[row[5]], n[row[6]], n[row[7]], row[8],
                 row[9] == "1"),
                None,
            ) is None
        ]  # fmt: skip
    return list(old.values()), fresh


def _earlier_cohort_cell(row: tuple, since_month: int) -> bool:
    """Whether a stored row (id, key, grain, "YYYY-MM-DD", dimension, value, ...) is a cohort
    cell that reads a month before `since_month`: a run from that month on leaves it be, as
    the collector does."""
    if row[1] not in COHORT_KEYS:
        return False
    cohort = month_index(date.fromisoformat(row[3]))
    return cohort_cell_month(cohort, row[5]) < since_month


def _stored_rows(stored: QuerySet[KpiSnapshot]) -> QuerySet:
    """id, then the columns `_differences` compares, in the form it compares them in: the
    period's start as ISO text on both (SQLite would give a date; PostgreSQL's own date text
    follows the DateStyle setting), on PostgreSQL the numbers and the flag as text too (a
    numeric's text has all its column's places and does not depend on any setting)."""
    stored = stored.order_by()  # no sort: a dict takes them in any order
    key = ("kpi_key", "grain", "start_text", "dimension", "dimension_value")
    if connection.vendor != "postgresql":
        stored = stored.annotate(start_text=Cast("period_start", TextField()))  # ISO text
        return stored.values_list("id", *key, *VALUE_COLUMNS)
    values = ("value_text", "numerator_text", "denominator_text", "reason", "partial_text")
    return stored.annotate(
        start_text=Func(
            "period_start", Value("YYYY-MM-DD"), function="to_char", output_field=TextField()
        ),
        value_text=Cast("value", TextField()),
        numerator_text=Cast("numerator", TextField()),
        denominator_text=Cast("denominator", TextField()),
        partial_text=Case(When(partial=True, then=Value("t")), default=Value("f")),
    ).values_list("id", *key, *values)


def _sqlite_numbers(rows: list) -> dict[str | None, int | float | None]:
    """Each value, numerator and denominator text of `rows` as the number SQLite stores for it
    (`bulk.sqlite_numbers`; None stays None)."""
    texts = {*map(itemgetter(5), rows), *map(itemgetter(6), rows), *map(itemgetter(7), rows)}
    texts.discard(None)
    numbers: dict[str | None, int | float | None] = {None: None}
    numbers.update(sqlite_numbers(texts))
    return numbers


def _months_moved(workspace: Workspace, today: date | None) -> bool:
    """Whether the workspace's months (from its earliest business date to the current month)
    differ from those of the stored snapshots."""
    context = build_context(workspace, today=today)
    # Two reads of one index entry each: MIN and MAX in one query scan every month snapshot
    # when the planner misjudges the rows (50-100 ms on a large workspace after a recompute).
    stored = KpiSnapshot.objects.filter(grain="month").values_list("period_start", flat=True)
    first = stored.order_by("period_start").first()
    last = stored.order_by("-period_start").first()
    return (first, last) != (month_start(context.first_month), month_start(context.last_month))


def _dimension_values_moved(
    workspace: Workspace,
    points: list[Point],
    keys: set[str] | None,
    groups: AccountGroups | None,
    today: date | None,
) -> bool:
    """Whether the KPIs' dimension values differ from the stored ones. A KPI has a point for
    each of its dimension values in every period (cohorts aside), so comparing the current
    month's suffices."""
    month = month_index(today or today_in(workspace.time_zone))
    new = {
        (p.key, p.dimension, p.dimension_value[:200])
        for p in points
        if p.grain == "month" and p.first_month == month and p.key not in COHORT_KEYS
    }
    stored = KpiSnapshot.objects.filter(grain="month", period_start=month_start(month))
    stored = stored.exclude(kpi_key__in=COHORT_KEYS)
    if keys is not None:
        stored = stored.filter(kpi_key__in=keys)
    if groups is not None:
        stored = stored.filter(_of_groups(groups))
    return new != set(stored.values_list("kpi_key", "dimension", "dimension_value"))


def _of_groups(groups: AccountGroups) -> Q:
    """The snapshots that a recompute narrowed to `groups` makes (`AccountGroups.covers`)."""
    plans = Q(dimension="plan")
    if groups.plans is not None:
        plans &= Q(dimension_value__in=sorted(groups.plans))
    own = Q(dimension="") | plans
    for dimension, value in sorted(groups.values):
        own |= Q(dimension=dimension, dimension_value=value[:200])
    credited = Q(dimension="")
    for dimension, value in sorted(groups.touched):  # "channel", "channel:<model>", ...
        credited |= Q(dimension=dimension, dimension_value=value[:200])
        credited |= Q(dimension__startswith=f"{dimension}:", dimension_value=value[:200])
    narrowed = Q(kpi_key__in=ACCOUNT_GROUPED) | Q(kpi_key__in=ATTRIBUTED_KEYS)
    return (
        ~narrowed
        | (Q(kpi_key__in=ACCOUNT_GROUPED) & own)
        | (Q(kpi_key__in=ATTRIBUTED_KEYS) & credited)
    )


def _replaced(
    keys: set[str] | None, since_month: int | None, groups: AccountGroups | None = None
) -> QuerySet[KpiSnapshot]:
    """The snapshots a rebuild of `keys` from `since_month` on (of `groups`) replaces."""
    snapshots = KpiSnapshot.objects.all()
    if keys is not None:
        snapshots = snapshots.filter(kpi_key__in=keys)
    if groups is not None:
        snapshots = snapshots.filter(_of_groups(groups))
    if since_month is not None:
        # Cells of any cohort (`_differences` keeps those that read an earlier month).
        later = Q(kpi_key__in=COHORT_KEYS)
        for grain in GRAINS:
            first = Period.containing(grain, since_month).start
            later |= Q(grain=grain, period_start__gte=first)
        snapshots = snapshots.filter(later)
    return snapshots


SNAPSHOT_COLUMNS = (
    "kpi_key",
    "grain",
    "period_start",
    "dimension",
    "dimension_value",
    "value",
    "numerator",
    "denominator",
    "reason",
    "partial",
    "computed_at",
)


def _custom_units() -> dict[str, str]:
    return dict(CustomKpi.objects.values_list("key", "unit"))


ZEROS = ["0" * places for places in range(NUMERATOR_PLACES + 1)]


def fixed(n: int, d: int, places: int) -> str:
    """n / d rounded half-up (away from zero at .5, "kaufmännisch") as decimal text."""
    if d == 1:  # a whole number (most counts and cents): nothing to round
        return f"{n}.{ZEROS[places]}" if places else str(n)
    negative = n < 0
    q, r = divmod(abs(n) * 10**places, d)
    if 2 * r >= d:
        q += 1
    text = str(q).rjust(places + 1, "0")
    if places:
        text = f"{text[:-places]}.{text[-places:]}"
    return f"-{text}" if negative and q else text


def value_texts(
    numerator: Number, denominator: Number | None, places: int
) -> tuple[str, str, str | None]:
    return _texts(
        numerator.as_integer_ratio(),
        None if denominator is None else denominator.as_integer_ratio(),
        places,
    )


def _texts(
    numerator: tuple[int, int], denominator: tuple[int, int] | None, places: int
) -> tuple[str, str, str | None]:
    """The value (numerator / denominator to `places`), numerator and denominator as text, from
    each number's (n, d) with d > 0."""
    n, d = numerator
    numerator_text = fixed(n, d, NUMERATOR_PLACES)
    if denominator is None:
        return fixed(n, d, places), numerator_text, None
    bn, bd = denominator
    value_n, value_d = n * bd, d * bn
    if value_d < 0:
        value_n, value_d = -value_n, -value_d
    return fixed(value_n, value_d, places), numerator_text, fixed(bn, bd, NUMERATOR_PLACES)


def _text_rows(points: list[Point], custom_units: dict[str, str], computed_at: datetime) -> list:
    postgres = connection.vendor == "postgresql"
    stamp = (
        computed_at.isoformat()
        if postgres
        else str(connection.ops.adapt_datetimefield_value(computed_at))
    )
    yes, no = ("t", "f") if postgres else ("1", "0")
    places: dict[str, int] = {}
    dates: dict[int, str] = {}
    texts: dict[tuple, tuple] = {}
    rows: list[tuple] = []
    append = rows.append
    for point in points:  # one pass, inlined: it runs for every point of a recompute
        key = point.key
        key_places = places.get(key)
        if key_places is None:
            key_places = places[key] = decimals_for(key, custom_units.get(key))
        date_text = dates.get(point.first_month)
        if date_text is None:
            date_text = dates[point.first_month] = month_start(point.first_month).isoformat()
        numerator = point.numerator
        if point.reason or numerator is None:
            value = numerator_text = denominator_text = None
        else:
            # Many points share their figures (zeros, the same count): each is written once.
            # The memo is keyed by (n, d) pairs, which hash much faster than Fractions.
            denominator = point.denominator
            memo = (
                numerator.as_integer_ratio(),
                None if denominator is None else denominator.as_integer_ratio(),
                key_places,
            )
            found = texts.get(memo)
            if found is None:
                value, numerator_text, denominator_text = _texts(*memo)
                # The value in the column's own six places ("1.50" as "1.500000"): the text
                # PostgreSQL gives back for the stored row, which `_differences` compares.
                found = (value + VALUE_PADDING[key_places], numerator_text, denominator_text)
                texts[memo] = found
            value, numerator_text, denominator_text = found
        append((
            key,
            point.grain,
            date_text,
            point.dimension,
            point.dimension_value[:200],
            value,
            numerator_text,
            denominator_text,
            point.reason[:200],
            yes if point.partial else no,
            stamp,
        ))  # fmt: skip
    return rows
