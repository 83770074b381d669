"""Recomputing a workspace's KPI snapshots: requests (coalesced), claims and the atomic swap.

A data change calls `recompute_request` in its transaction. The first change after a clean
state enqueues one task after commit, delayed by `COALESCE_SECONDS` so a burst of changes
lands in the same run. `recompute_run` (the task's body) claims the work, computes every KPI
without holding a transaction, then replaces the snapshot set in one transaction: readers see
the old set or the new one. See `RecomputeState` for the compare-and-set rules.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import current_workspace_id
from kpiapp.imports.bulk import insert_text_rows
from kpiapp.kpis.dependencies import ALL_KINDS, affected_keys
from kpiapp.kpis.engine import compute_workspace
from kpiapp.kpis.periods import GRAINS, Period, month_index, month_start
from kpiapp.kpis.registry import COHORT_KEYS, DEFINITION_VERSION, decimals_for
from kpiapp.kpis.results import Number, Point
from kpiapp.models import CustomKpi, KpiSnapshot, RecomputeState
from kpiapp.selectors.page_cache import pages_changed
from kpiapp.services.recompute_failures import needs_enqueue_after_failure, recompute_failed

log = logging.getLogger(__name__)

COALESCE_SECONDS = 5
# A claim lives as long as its heartbeat: the running recompute renews it every
# HEARTBEAT_SECONDS, so a claim older than LEASE belongs to a worker that died; beat's sweep
# (services/recompute_sweeper.py) queues such work again (settings.RECOMPUTE_*).
LEASE = timedelta(seconds=settings.RECOMPUTE_LEASE_SECONDS)
HEARTBEAT_SECONDS = settings.RECOMPUTE_HEARTBEAT_SECONDS
NUMERATOR_PLACES = 12


@dataclass(frozen=True)
class RebuildSummary:
    workspace_id: int
    snapshot_count: int
    compute_seconds: float
    write_seconds: float


def _state() -> RecomputeState:
    state, _ = RecomputeState.objects.get_or_create(workspace_id=current_workspace_id())
    return state


@dataclass(frozen=True)
class Scope:
    """What a recompute must cover: the KPIs that read `kinds` (None: all), for the periods
    that end on or after `since` (None: all periods)."""

    kinds: frozenset[str] | None = None
    since: date | None = None

    @property
    def full(self) -> bool:
        return self.kinds is None and self.since is None

    def merge(self, other: Scope) -> Scope:
        kinds = None if self.kinds is None or other.kinds is None else self.kinds | other.kinds
        since = None if self.since is None or other.since is None else min(self.since, other.since)
        return Scope(kinds, since)


FULL = Scope()


def _stored_scope(state: RecomputeState) -> Scope:
    if state.dirty_full:
        return FULL
    return Scope(frozenset(state.dirty_kinds), state.dirty_from)


def recompute_request(
    *,
    kinds: set[str] | None = None,
    since: date | None = None,
    countdown: int = COALESCE_SECONDS,
    always_enqueue: bool = False,
) -> None:
    """Mark the workspace in scope as changed (the data kinds and the earliest day a change
    touches, or everything) and enqueue a recompute if none is pending (or always, for the
    nightly run, which also recovers a lost task)."""
    unknown = kinds is not None and not set(kinds) <= ALL_KINDS
    wanted = FULL if kinds is None or unknown else Scope(frozenset(kinds), since)
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
        state.save(
            update_fields=["dirty_since", "changed_at", "dirty_full", "dirty_kinds", "dirty_from"]
        )
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
KPI_SETTINGS = {"currency", "time_zone", "gross_margin", "stage_probabilities"}


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


def _enqueue(workspace_id: int, countdown: int) -> None:  # also for recompute_sweeper
    from kpiapp.tasks import recompute_workspace

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
    try:
        with ClaimHeartbeat(state.pk, state.workspace_id, now):
            summary = snapshot_rebuild(
                workspace_id=state.workspace_id, today=now_for_tests, scope=scope
            )
    except (OperationalError, InterfaceError) as error:  # passing: the task retries
        recompute_failed(state=state, error=error)
        raise
    except Exception as error:  # marked, logged and shown to admins; raising adds nothing
        recompute_failed(state=state, error=error)
        return None
    finished = timezone.now()
    done = {
        "started_at": None,
        "finished_at": finished,
        "failed_at": None,
        "error": "",
        "duration_ms": int((finished - now).total_seconds() * 1000),
        "snapshot_count": summary.snapshot_count,
        "run_count": F("run_count") + 1,
        "definition_version": DEFINITION_VERSION,
    }
    clean = RecomputeState.objects.filter(pk=state.pk, changed_at=seen_change).update(
        dirty_since=None, dirty_full=False, dirty_kinds=[], dirty_from=None, **done
    )
    if not clean:  # changed while we computed: once more
        RecomputeState.objects.filter(pk=state.pk).update(**done)
        _enqueue(state.workspace_id, COALESCE_SECONDS)
    return summary


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
                        log.warning("recompute of workspace %s lost its claim", self.workspace_id)
                        return
        except Exception:  # a heartbeat that fails lets the claim lapse; the run goes on
            log.exception("recompute heartbeat of workspace %s failed", self.workspace_id)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> ClaimHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def snapshot_rebuild(
    *, workspace_id: int, today: date | None = None, scope: Scope = FULL
) -> RebuildSummary:
    """Compute the KPIs of the workspace (all, or those `scope` touches) and replace their
    snapshots in one transaction."""
    if workspace_id != current_workspace_id():
        raise ValueError("snapshot_rebuild() runs inside the scope of the same workspace")
    workspace = Workspace.objects.get(pk=workspace_id)
    started = time.perf_counter()
    units = _custom_units()
    keys = None if scope.kinds is None else affected_keys(set(scope.kinds), list(units))
    since_month = None if scope.since is None else month_index(scope.since)
    points = compute_workspace(workspace, today=today, keys=keys, since_month=since_month)
    computed = time.perf_counter()
    rows = _text_rows(points, units, timezone.now())
    with transaction.atomic():
        # Lock the state row: two rebuilds of one workspace never interleave their swaps.
        RecomputeState.objects.select_for_update().filter(workspace_id=workspace_id).first()
        _replaced(keys, since_month).delete()  # one DELETE: nothing refers to snapshots
        insert_text_rows(
            KpiSnapshot, workspace_id=workspace_id, columns=SNAPSHOT_COLUMNS, rows=rows
        )
    pages_changed(workspace_id)
    written = time.perf_counter()
    log.info("recomputed workspace %s: %s snapshots", workspace_id, len(rows))
    return RebuildSummary(workspace_id, len(rows), computed - started, written - computed)


def _replaced(keys: set[str] | None, since_month: int | None) -> QuerySet[KpiSnapshot]:
    """The snapshots a rebuild of `keys` from `since_month` on replaces."""
    snapshots = KpiSnapshot.objects.all()
    if keys is not None:
        snapshots = snapshots.filter(kpi_key__in=keys)
    if since_month is not None:
        later = Q(kpi_key__in=COHORT_KEYS)  # any cohort's cells may move
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


def _ratio(numerator: Number, denominator: Number | None) -> tuple[int, int]:
    """numerator / denominator as a pair of ints (n, d), d > 0."""
    if type(numerator) is int:
        an, ad = numerator, 1
    else:
        fraction = Fraction(numerator)
        an, ad = fraction.numerator, fraction.denominator
    if denominator is None:
        return an, ad
    if type(denominator) is int:
        bn, bd = denominator, 1
    else:
        fraction = Fraction(denominator)
        bn, bd = fraction.numerator, fraction.denominator
    n, d = an * bd, ad * bn
    return (-n, -d) if d < 0 else (n, d)


def fixed(n: int, d: int, places: int) -> str:
    """n / d rounded half-up (away from zero at .5, "kaufmännisch") as decimal text."""
    negative = n < 0
    q, r = divmod(abs(n) * 10**places, d)
    if 2 * r >= d:
        q += 1
    text = str(q).rjust(places + 1, "0")
    if places:
        text = f"{text[:-places]}.{text[-places:]}"
    return f"-{text}" if negative and q else text


def _text_row(point: Point, places: int, date_text: str, computed_at: str, yes: str, no: str):
    if point.reason or point.numerator is None:
        value = numerator = denominator = None
    else:
        value = fixed(*_ratio(point.numerator, point.denominator), places)
        numerator = fixed(*_ratio(point.numerator, None), NUMERATOR_PLACES)
        denominator = (
            None
            if point.denominator is None
            else fixed(*_ratio(point.denominator, None), NUMERATOR_PLACES)
        )
    return (
        point.key,
        point.grain,
        date_text,
        point.dimension,
        point.dimension_value[:200],
        value,
        numerator,
        denominator,
        point.reason[:200],
        yes if point.partial else no,
        computed_at,
    )


def _text_rows(points: list[Point], custom_units: dict[str, str], computed_at: datetime) -> list:
    postgres = connection.vendor == "postgresql"
    stamp = (
        computed_at.isoformat()
        if postgres
        else connection.ops.adapt_datetimefield_value(computed_at)
    )
    yes, no = ("t", "f") if postgres else ("1", "0")
    places: dict[str, int] = {}
    dates: dict[int, str] = {}
    rows = []
    for point in points:
        if point.key not in places:
            places[point.key] = decimals_for(point.key, custom_units.get(point.key))
        if point.first_month not in dates:
            dates[point.first_month] = month_start(point.first_month).isoformat()
        rows.append(_text_row(point, places[point.key], dates[point.first_month], stamp, yes, no))
    return rows
