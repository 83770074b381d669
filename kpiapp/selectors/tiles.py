"""The dashboard's KPI tiles: each pinned KPI's value for a period, its change against the
previous period or the same period last year, a sparkline, the quarter's target status and the
benchmark verdict. Reads snapshots, targets and the benchmark library only (no recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise

from accounts.models import Workspace
from kpiapp.kpis.benchmarks import Benchmark, Verdict, verdict
from kpiapp.kpis.change import change_between
from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, month_index, period_name
from kpiapp.kpis.targets import Pacing
from kpiapp.models import KpiSnapshot, Target
from kpiapp.selectors.benchmarks import benchmark_rows, judged_by, picks
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.segment_points import shown_snapshots
from kpiapp.selectors.segments import ActiveSegment
from kpiapp.selectors.target_standing import Standing, standings

DEFAULT_PINNED = (
    "mrr",
    "arr",
    "mrr_growth_rate",
    "customer_churn_rate",
    "nrr",
    "customers_new",
    "win_rate",
    "cac",
    "clv_cac_ratio",
    "nps",
)
SPARK_PERIODS = 12
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


@dataclass(frozen=True)
class Tile:
    key: str
    name: str | Promise
    unit: str
    direction: str
    value: Decimal | None
    reason: str
    partial: bool
    compare_value: Decimal | None
    change: Decimal | None  # relative, points for rates, absolute from a base of 0 or below
    change_in_points: bool
    change_absolute: bool  # the difference in the KPI's unit (kpis/change.py)
    change_good: bool | None
    spark_points: str  # SVG polyline points, empty without two values
    spark_values: list[tuple[str, Decimal | None]]
    target: Target | None
    pacing: Pacing | None
    standing: Standing | None  # the quarter's target: statement, milestone, forecast, burn-up
    benchmark: Benchmark | None
    verdict: Verdict | None
    note: str = ""  # under several conditions: the one condition this KPI shows


def last_complete_period(grain: Grain, today: date) -> Period:
    current = Period.containing(grain, month_index(today))
    return current.previous()


def available_periods(grain: Grain, today: date, limit: int = 40) -> list[Period]:
    """The periods with snapshots, newest first (the current, partial one included)."""
    starts = (
        KpiSnapshot.objects.filter(kpi_key="mrr", grain=grain, dimension="")
        .order_by("-period_start")
        .values_list("period_start", flat=True)[:limit]
    )
    return [Period.of_start(grain, start) for start in starts]


def _spark(values: list[Decimal | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or Decimal(1)
    step = Decimal(SPARK_WIDTH) / (len(values) - 1)
    points = []
    for i, v in enumerate(values):
        if v is None:
            continue
        y = Decimal(SPARK_HEIGHT - 2) - (v - low) / span * Decimal(SPARK_HEIGHT - 4)
        points.append(f"{float(step * i):.1f},{float(y):.1f}")
    return " ".join(points)


def dashboard_tiles(
    *,
    workspace: Workspace,
    keys: tuple[str, ...] = DEFAULT_PINNED,
    period: Period,
    compare: str,
    today: date,
    segment: ActiveSegment | None = None,
) -> list[Tile]:
    """With a segment, each KPI's values as `shown_snapshots` finds them (and no targets:
    they are set for the total)."""
    segment = segment or ActiveSegment()
    size = MONTHS_IN[period.grain]
    spark = [Period(period.grain, period.first_month - size * i) for i in range(SPARK_PERIODS)]
    other = period.previous() if compare == "previous" else period.same_last_year()
    starts = {p.start for p in spark} | {other.start}
    kpis = {k.key: k for k in workspace_kpis()}
    snapshots = {
        (s.kpi_key, s.period_start): s
        for s in shown_snapshots(
            segment,
            workspace=workspace,
            today=today,
            kpis=[kpis[k] for k in keys if k in kpis],
            grain=period.grain,
            starts=starts,
        )
    }
    quarter = Period.containing("quarter", period.last_month)
    targets = {
        t.kpi_key: t
        for t in Target.objects.filter(kpi_key__in=keys, quarter_start=quarter.start, dimension="")
        if not segment.active
    }
    standing = standings(targets=list(targets.values()), facts=kpis, today=today,
                         workspace=workspace)  # fmt: skip
    library = benchmark_rows()
    picked = picks()
    tiles = []
    for key in keys:
        kpi = kpis.get(key)
        if kpi is None:
            continue
        now = snapshots.get((key, period.start))
        value = now.value if now else None
        before_snapshot = snapshots.get((key, other.start))
        before = before_snapshot.value if before_snapshot else None
        moved = change_between(value, before, unit=kpi.unit, direction=kpi.direction)
        history = [
            (period_name(p), s.value if (s := snapshots.get((key, p.start))) else None)
            for p in reversed(spark)
        ]
        target = targets.get(key)
        stands = standing.get(target.pk) if target else None
        row = judged_by(library, picked, key=key, grain=period.grain,
                        segment=workspace.benchmark_segment)  # fmt: skip
        judged = verdict(row, value, kpi.direction) if row and value is not None else None
        tiles.append(
            Tile(
                key=key,
                name=str(kpi.name),  # in the request's language: cached per language
                unit=kpi.unit,
                direction=kpi.direction,
                value=value,
                reason=now.reason if now else str(segment.missing(kpi)),
                note=segment.partly(kpi),
                partial=bool(now and now.partial),
                compare_value=before,
                change=moved.amount,
                change_in_points=moved.in_points,
                change_absolute=moved.absolute,
                change_good=moved.good,
                spark_points=_spark([v for _, v in history]),
                spark_values=history,
                target=target,
                pacing=stands.pacing if stands else None,
                standing=stands,
                benchmark=row,
                verdict=judged,
            )
        )
    return tiles
