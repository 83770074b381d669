"""The AARRR page: the five stages of a period with each headline KPI and its companions, the
trend of the last periods, the quarter's target standing, the benchmark, and the bottleneck
(kpiapp/kpis/aarrr.py). Reads snapshots, targets and the benchmark library only.

A stage whose headline KPI is not in the registry (yet) reads as "no data yet", like one that
has no snapshots: the page never fails on a key it does not know."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.models import Workspace
from kpiapp.kpis.aarrr import STAGES, Bottleneck, Shortfall, Stage, StageMarks, bottleneck
from kpiapp.kpis.benchmarks import Benchmark, Verdict, verdict
from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, period_name
from kpiapp.kpis.registry import KPI_BY_KEY, KpiDefinition
from kpiapp.models import KpiSnapshot, Target
from kpiapp.selectors.benchmarks import benchmark_rows, judged_by, picks
from kpiapp.selectors.target_standing import Standing, standings

TREND_PERIODS: dict[str, int] = {"month": 12, "quarter": 8}


@dataclass(frozen=True)
class KpiCell:
    key: str
    kpi: KpiDefinition | None  # None: not in the registry on this installation
    value: Decimal | None
    reason: str
    partial: bool

    @property
    def name(self) -> str:
        return str(self.kpi.name) if self.kpi else ""

    @property
    def unit(self) -> str:
        return self.kpi.unit if self.kpi else "number"


@dataclass(frozen=True)
class StageView:
    stage: Stage
    headline: KpiCell
    companions: list[KpiCell]
    trend: list[tuple[str, Decimal | None]]  # the headline's, oldest first
    standing: Standing | None  # the headline's quarterly target
    benchmark: Benchmark | None
    verdict: Verdict | None
    judged: Shortfall | None  # its distance to the mark the bottleneck was judged by
    is_bottleneck: bool = False

    @property
    def has_data(self) -> bool:
        return self.headline.kpi is not None and any(v is not None for _, v in self.trend)

    @property
    def chart_id(self) -> str:
        return f"aarrr-{self.stage.key}"


@dataclass(frozen=True)
class AarrrView:
    grain: Grain
    period: Period
    quarter: Period  # whose targets the stages are held against
    quarter_running: bool  # its targets are measured so far
    stages: list[StageView]
    bottleneck: Bottleneck
    chart: dict = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return any(s.has_data for s in self.stages)

    @property
    def bottleneck_stage(self) -> StageView | None:
        return next((s for s in self.stages if s.is_bottleneck), None)


def _trend_periods(grain: Grain, period: Period) -> list[Period]:
    size = MONTHS_IN[grain]
    count = TREND_PERIODS.get(grain, 12)
    return [Period(grain, period.first_month - size * i) for i in reversed(range(count))]


def _cell(key: str, snapshots: dict[tuple[str, date], KpiSnapshot], start: date) -> KpiCell:
    s = snapshots.get((key, start))
    return KpiCell(
        key=key,
        kpi=KPI_BY_KEY.get(key),
        value=s.value if s else None,
        reason=s.reason if s else "",
        partial=bool(s and s.partial),
    )


def aarrr_view(*, workspace: Workspace, grain: Grain, period: Period, today: date) -> AarrrView:
    """The page's content for `period` (its grain's trend ending there; the targets of the
    quarter that holds the period's last month)."""
    trend = _trend_periods(grain, period)
    keys = [k for s in STAGES for k in (s.headline, *s.companions) if k in KPI_BY_KEY]
    snapshots = {
        (s.kpi_key, s.period_start): s
        for s in KpiSnapshot.objects.filter(
            kpi_key__in=keys, grain=grain, dimension="", period_start__in=[p.start for p in trend]
        ).only("kpi_key", "period_start", "value", "reason", "partial")
    }
    quarter = Period.containing("quarter", period.last_month)
    headlines = {s.headline: KPI_BY_KEY[s.headline] for s in STAGES if s.headline in KPI_BY_KEY}
    targets = {
        t.kpi_key: t
        for t in Target.objects.filter(
            kpi_key__in=list(headlines), quarter_start=quarter.start, dimension=""
        )
    }
    stood = standings(targets=list(targets.values()), facts=headlines, today=today,
                      workspace=workspace)  # fmt: skip
    rows, picked = benchmark_rows(), picks()
    marks, parts = [], []
    for stage in STAGES:
        headline = _cell(stage.headline, snapshots, period.start)
        kpi = headline.kpi
        target = targets.get(stage.headline)
        standing = stood.get(target.pk) if target else None
        row = (
            judged_by(
                rows, picked, key=stage.headline, grain=grain, segment=workspace.benchmark_segment
            )
            if kpi
            else None
        )
        marks.append(
            StageMarks(
                stage=stage.key,
                direction=kpi.direction if kpi else "neutral",
                target=target.value if target and standing else None,
                target_value=standing.current if standing else None,
                benchmark=row,
                value=headline.value,
            )
        )
        parts.append((stage, headline, standing, row))
    found = bottleneck(marks)
    judged = {s.stage: s for s in found.judged}
    named = found.behind.stage if found.behind else None
    stages = []
    for stage, headline, standing, row in parts:
        value = headline.value
        direction = headline.kpi.direction if headline.kpi else "neutral"
        stages.append(
            StageView(
                stage=stage,
                headline=headline,
                companions=[_cell(k, snapshots, period.start) for k in stage.companions],
                trend=[(period_name(p), _value(snapshots, stage.headline, p)) for p in trend],
                standing=standing,
                benchmark=row,
                verdict=verdict(row, value, direction) if row and value is not None else None,
                judged=judged.get(stage.key),
                is_bottleneck=stage.key == named,
            )
        )
    return AarrrView(
        grain=grain,
        period=period,
        quarter=quarter,
        quarter_running=quarter.end >= today,
        stages=stages,
        bottleneck=found,
        chart=_chart(stages, trend),
    )


def _value(snapshots: dict[tuple[str, date], KpiSnapshot], key: str, p: Period) -> Decimal | None:
    s = snapshots.get((key, p.start))
    return s.value if s else None


def _chart(stages: list[StageView], trend: list[Period]) -> dict:
    """One small line per stage: its headline over the trend (rates in percent)."""
    return {
        "labels": [period_name(p) for p in trend],
        "stages": [
            {
                "id": s.chart_id,
                "name": s.headline.name,
                "percent": s.headline.unit == "rate",
                "highlight": s.is_bottleneck,
                "values": [
                    None if v is None else float(v * 100 if s.headline.unit == "rate" else v)
                    for _, v in s.trend
                ],
            }
            for s in stages
            if s.has_data
        ],
    }
