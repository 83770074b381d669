"""The KPI catalogue and a KPI's page: trend with targets and benchmark, breakdowns,
definition. Reads snapshots, targets and the benchmark library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise

from accounts.models import Workspace
from kpiapp.kpis.benchmarks import Benchmark, verdict
from kpiapp.kpis.change import NO_CHANGE, Change, change_between
from kpiapp.kpis.periods import Grain, Period, period_name
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition, dimension_value_name
from kpiapp.kpis.segments import Condition
from kpiapp.kpis.target_rules import month_milestone
from kpiapp.models import KpiSnapshot, Target
from kpiapp.selectors.benchmarks import Reference, benchmark_rows, judged_by, kpi_references, picks
from kpiapp.selectors.breakdown_basis import basis_text
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.kpi_range import TrendRange, default_range
from kpiapp.selectors.kpi_versus import Versus, versus_values
from kpiapp.selectors.kpi_year_earlier import LAST_YEAR, YearEarlier, year_earlier
from kpiapp.selectors.segment_points import shown_snapshots
from kpiapp.selectors.segments import ActiveSegment
from kpiapp.templatetags.kpi_format import unit_suffix


@dataclass(frozen=True)
class CatalogueEntry:
    kpi: KpiDefinition
    value: Decimal | None
    reason: str


def catalogue(*, period: Period) -> list[CatalogueEntry]:
    """Every KPI of the workspace (built-in in registry order, then the team's own), with its
    total for `period`."""
    values = {
        s.kpi_key: s
        for s in KpiSnapshot.objects.filter(
            grain=period.grain, period_start=period.start, dimension=""
        ).only("kpi_key", "value", "reason")
    }
    return [
        CatalogueEntry(
            k,
            values[k.key].value if k.key in values else None,
            values[k.key].reason if k.key in values else "",
        )
        for k in workspace_kpis()
    ]


@dataclass
class Breakdown:
    dimension: str
    name: str | Promise
    rows: list[tuple[str, str, Decimal | None, str]] = field(default_factory=list)  # value,
    # its name on the page, the KPI's value, the reason it is undefined
    period: Period | None = None  # the last complete period (a running one's 1-of-1 misleads)
    # Beside each row what its value rests on ("1 of 1", "n = 4"), in the rows' order.
    bases: list[str] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(value is not None for _, _, value, _ in self.rows)


@dataclass
class KpiPage:
    kpi: KpiDefinition
    grain: Grain
    periods: list[Period]
    values: list[Decimal | None]
    reasons: list[str]
    partial: list[bool]
    targets: list[Decimal | None]
    benchmark: Benchmark | None
    verdict: str | None
    latest: Period | None
    breakdown: Breakdown | None
    references: list[Reference] = field(default_factory=list)  # every row, side by side
    span: TrendRange | None = None  # the periods asked for (the default or a picked range)
    earlier: YearEarlier | None = None  # with `?compare=last_year`
    versus: Versus | None = None  # with `?versus=country:AT`: a second segment's line
    name: str = ""  # the first line's name beside a second segment's ("All customers")

    @property
    def changes(self) -> list[Change]:
        """Each period's change against the one before it (kpis/change.py: points, percent,
        or the difference from a base of 0 or below); none for a period still running, whose
        few days would read as a fall."""
        kpi = self.kpi
        before: list[Decimal | None] = [None, *self.values][: len(self.values)]
        return [
            NO_CHANGE if partial else change_between(v, b, unit=kpi.unit, direction=kpi.direction)
            for v, b, partial in zip(self.values, before, self.partial, strict=True)
        ]

    @property
    def has_values(self) -> bool:
        """False when every period is undefined: the chart would be empty (an empty state)."""
        return any(value is not None for value in self.values)

    @property
    def empty_reason(self) -> str:
        return next((r for r in reversed(self.reasons) if r), "")

    def chart_data(self) -> dict[str, object]:
        def plain(v: Decimal | None) -> float | None:
            return None if v is None else float(v)

        band = None
        if self.benchmark is not None:
            low = self.benchmark.low
            band = {
                "form": self.benchmark.form,
                "low": float(low),
                "high": float(self.benchmark.high if self.benchmark.high is not None else low),
            }
        return {
            "labels": [period_name(p) for p in self.periods],
            "values": [plain(v) for v in self.values],
            "targets": [plain(t) for t in self.targets],
            # Month milestones as steps, quarter targets as points with markers.
            "target_style": "steps" if self.grain == "month" else "points",
            "band": band,
            "percent": self.kpi.unit == "rate",
            "suffix": unit_suffix(self.kpi.unit),
            "breakdown": {
                "labels": [name for _, name, _, _ in self.breakdown.rows],
                "values": [plain(v) for _, _, v, _ in self.breakdown.rows],
            }
            if self.breakdown
            else None,
            "earlier": self.earlier.chart_data() if self.earlier else None,
            "versus": self.versus.chart_data() if self.versus and not self.versus.missing else None,
            "name": self.name,
        }


def kpi_page(
    *,
    workspace: Workspace,
    kpi: KpiDefinition,
    grain: Grain,
    dimension: str | None,
    today: date,
    span: TrendRange | None = None,
    compare: str = "",
    segment: ActiveSegment | None = None,
    versus: Condition | None = None,
    name: str = "",
) -> KpiPage:
    """Under a segment, the trend of its values (`shown_snapshots`: a condition's breakdown
    rows, or several conditions computed on demand), without the targets (set for the total)
    and without a breakdown. With `versus`, a second segment's values beside them; `name`
    names the first line then."""
    shown = segment or ActiveSegment()
    key = kpi.key
    span = span or default_range(grain, today)
    periods = span.periods

    def rows(first: Period, last: Period) -> list[KpiSnapshot]:
        return shown_snapshots(shown, workspace=workspace, today=today, kpis=[kpi],
                               grain=grain, since=first.start, until=last.start)  # fmt: skip

    found = {s.period_start: s for s in rows(periods[0], periods[-1])}
    periods = [p for p in periods if p.start in found]
    targets = period_targets(kpi, grain, periods) if periods and not shown.active else []
    targets = targets or [None for _ in periods]
    latest = periods[-1] if periods else None
    library = benchmark_rows()
    picked = picks()
    benchmark_segment = workspace.benchmark_segment
    row = judged_by(library, picked, key=key, grain=grain, segment=benchmark_segment)
    latest_value = found[latest.start].value if latest else None
    # The references judge the last complete period, as the tiles and the benchmarks page do.
    complete = next((p for p in reversed(periods) if not found[p.start].partial), None)
    snapshot = found[complete.start] if complete else None
    references = kpi_references(
        kpi=kpi,
        segment=benchmark_segment,
        grain=grain,
        value=snapshot.value if snapshot else None,
        period=complete,
        reason=snapshot.reason if snapshot else "",
        rows=library,
        picked=picked,
    )
    judged = verdict(row, latest_value, kpi.direction) if row and latest_value is not None else None
    chosen = dimension if dimension in kpi.dimensions else (kpi.dimensions or (None,))[0]
    # Breakdowns show the last complete period: a month five days old splits into 1-of-1s.
    split = complete or latest
    breakdown = (
        _breakdown(kpi, chosen, split, workspace.currency)
        if chosen and split and not shown.active
        else None
    )
    values = [found[p.start].value for p in periods]
    partial = [found[p.start].partial for p in periods]
    earlier = None
    if compare == LAST_YEAR:
        before = rows(periods[0].same_last_year(), periods[-1].same_last_year()) if periods else []
        earlier = year_earlier(
            kpi=kpi, grain=grain, periods=periods, values=values, partial=partial, rows=before
        )
    return KpiPage(
        kpi=kpi,
        grain=grain,
        periods=periods,
        values=values,
        reasons=[found[p.start].reason for p in periods],
        partial=partial,
        targets=targets,
        benchmark=row,
        verdict=judged,
        latest=latest,
        breakdown=breakdown,
        references=references,
        span=span,
        earlier=earlier,
        versus=versus_values(kpi=kpi, grain=grain, periods=periods, condition=versus)
        if versus
        else None,
        name=name,
    )


def _breakdown(kpi: KpiDefinition, dimension: str, period: Period, currency: str) -> Breakdown:
    key = kpi.key
    rows = KpiSnapshot.objects.filter(
        kpi_key=key, grain=period.grain, period_start=period.start, dimension=dimension
    ).only("dimension_value", "value", "reason", "numerator", "denominator")
    ordered = sorted(rows, key=lambda s: (s.value is None, -(s.value or 0), s.dimension_value))
    bases = [basis_text(kpi, s.numerator, s.denominator, currency) for s in ordered]
    return Breakdown(
        dimension,
        DIMENSION_NAMES.get(dimension, dimension),
        [
            (
                s.dimension_value,
                dimension_value_name(key, dimension, s.dimension_value),
                s.value,
                s.reason,
            )
            for s in ordered
        ],
        period=period,
        bases=bases if any(bases) else [],
    )


def period_targets(kpi: KpiDefinition, grain: Grain, periods: list[Period]) -> list[Decimal | None]:
    """Beside each period its target: a month's milestone on the way to its quarter's target
    (KPIS.md, "Milestones"), a quarter's target itself; years have none."""
    if grain == "year":
        return [None for _ in periods]
    quarters = {Period.containing("quarter", p.last_month) for p in periods}
    found = {
        t.quarter_start: t
        for t in Target.objects.filter(
            kpi_key=kpi.key, dimension="", quarter_start__in=[q.start for q in quarters]
        )
    }
    starts = {}
    if kpi.kind == "state" and grain == "month" and found:
        before = [
            Period("month", Period.of_start("quarter", d).first_month - 1).start for d in found
        ]
        starts = {
            s.period_start: s.value
            for s in KpiSnapshot.objects.filter(
                kpi_key=kpi.key, grain="month", dimension="", period_start__in=before
            ).only("period_start", "value")
        }
    result: list[Decimal | None] = []
    for p in periods:
        q = Period.containing("quarter", p.last_month)
        target = found.get(q.start)
        if target is None:
            result.append(None)
        elif grain == "quarter":
            result.append(target.value)
        else:
            start = starts.get(Period("month", q.first_month - 1).start)
            value = month_milestone(kind=kpi.kind, target=target.value, start=start,
                                    position=p.first_month - q.first_month + 1)  # fmt: skip
            result.append(Decimal(value.numerator) / Decimal(value.denominator))
    return result
