"""The benchmark rows of the workspace in scope: the library plus the team's own, the row each
KPI is judged by, and the references shown side by side with the workspace's own value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from django.utils.functional import Promise

from kpiapp.kpis.benchmark_words import conversion_note, reference_label
from kpiapp.kpis.benchmarks import Benchmark, Form, choose, library, references, verdict_at
from kpiapp.kpis.periods import GRAINS, Grain, Period, month_index
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.models import BenchmarkPick, KpiSnapshot, TeamBenchmark
from kpiapp.selectors.kpi_lookup import workspace_kpis


def team_rows() -> list[Benchmark]:
    return [
        Benchmark(
            t.kpi_key,
            cast(Grain, t.grain),  # model choices
            "team",
            cast(Form, t.form),
            t.low,
            t.high,
            source=t.source,
            note=t.note,
        )
        for t in TeamBenchmark.objects.all()
    ]


def benchmark_rows() -> list[Benchmark]:
    return [*library(), *team_rows()]


def picks() -> dict[tuple[str, str], str]:
    """The built-in row an admin picked per KPI and grain (BenchmarkPick.ref)."""
    return {(p.kpi_key, p.grain): p.ref for p in BenchmarkPick.objects.all()}


def judged_by(
    rows: list[Benchmark], picked: dict[tuple[str, str], str], *, key: str, grain: str, segment: str
) -> Benchmark | None:
    """The ONE row tiles and reports judge a KPI by: the team's own, else the row the workspace
    picked, else BENCHMARKS.md's rule."""
    at_grain = [r for r in rows if r.key == key and r.grain == grain]
    team = next((r for r in at_grain if r.is_team), None)
    if team is not None:
        return team
    ref = picked.get((key, grain))
    chosen = next((r for r in at_grain if not r.is_team and r.ref == ref), None)
    return chosen or choose(at_grain, key=key, grain=grain, segment=segment)


@dataclass(frozen=True)
class Reference:
    """A row beside the others: its label, and the verdict at its grain (else how to convert)."""

    row: Benchmark
    label: str
    in_use: bool  # the one the tiles and reports use at that grain
    verdict: str | None
    conversion: str  # instead of a verdict when the value shown is at another grain
    period: Period | None = None  # the period of `value`
    value: Decimal | None = None
    reason: str = ""
    picked: bool = False  # an admin picked this row (BenchmarkPick)


def kpi_references(
    *,
    kpi: KpiDefinition,
    segment: str,
    grain: str,
    value: Decimal | None,
    period: Period | None = None,
    reason: str = "",
    rows: list[Benchmark] | None = None,
    picked: dict[tuple[str, str], str] | None = None,
) -> list[Reference]:
    """The KPI page: every reference for the KPI, each judged against `value` (at `grain`)."""
    rows = benchmark_rows() if rows is None else rows
    picked = picks() if picked is None else picked
    return [
        Reference(
            row=r,
            label=reference_label(r),
            in_use=judged_by(rows, picked, key=kpi.key, grain=r.grain, segment=segment) is r,
            verdict=verdict_at(r, value, kpi.direction, grain),
            conversion="" if r.grain == grain else conversion_note(r, grain),
            period=period,
            value=value,
            reason=reason,
            picked=picked.get((kpi.key, r.grain)) == r.ref and not r.is_team,
        )
        for r in references(rows, key=kpi.key, segment=segment)
    ]


@dataclass(frozen=True)
class KpiReferences:
    kpi: KpiDefinition
    references: list[Reference]


def last_complete(grain: Grain, today: date) -> Period:
    return Period.containing(grain, month_index(today)).previous()


def overview(*, segment: str, today: date) -> list[KpiReferences]:
    """The benchmarks page: per KPI with references, each reference beside the workspace's
    value for the last complete period at the reference's grain."""
    rows = benchmark_rows()
    picked = picks()
    kpis = [k for k in workspace_kpis() if any(r.key == k.key for r in rows)]
    periods: dict[str, Period] = {g: last_complete(g, today) for g in GRAINS}
    snapshots = {
        (s.kpi_key, s.grain): s
        for grain, period in periods.items()
        for s in KpiSnapshot.objects.filter(
            kpi_key__in=[k.key for k in kpis], grain=grain, period_start=period.start, dimension=""
        ).only("kpi_key", "grain", "value", "reason")
    }
    result = []
    for kpi in kpis:
        refs = []
        for r in references(rows, key=kpi.key, segment=segment):
            snapshot = snapshots.get((kpi.key, r.grain))
            value = snapshot.value if snapshot else None
            refs.append(
                Reference(
                    row=r,
                    label=reference_label(r),
                    in_use=judged_by(rows, picked, key=kpi.key, grain=r.grain, segment=segment)
                    is r,
                    verdict=verdict_at(r, value, kpi.direction, r.grain),
                    conversion="",
                    period=periods[r.grain],
                    value=value,
                    reason=snapshot.reason if snapshot else "",
                    picked=picked.get((kpi.key, r.grain)) == r.ref and not r.is_team,
                )
            )
        if refs:
            result.append(KpiReferences(kpi, refs))
    return result


@dataclass(frozen=True)
class LibraryRow:
    row: Benchmark
    name: str | Promise
    unit: str
    in_use: bool  # the row the workspace's KPI is judged by at that grain


def library_overview(*, segment: str) -> list[LibraryRow]:
    rows = benchmark_rows()
    picked = picks()
    kpis = {k.key: k for k in workspace_kpis()}
    used = {id(judged_by(rows, picked, key=r.key, grain=r.grain, segment=segment)) for r in rows}
    return [
        LibraryRow(r, kpis[r.key].name, kpis[r.key].unit, id(r) in used)
        for r in rows
        if r.key in kpis  # a team row of a deleted custom KPI is gone with it
    ]
