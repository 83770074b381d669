"""The benchmark rows of the workspace in scope: the library plus the team's own."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from kpiapp.kpis.benchmarks import Benchmark, choose, library
from kpiapp.models import TeamBenchmark
from kpiapp.selectors.kpi_lookup import workspace_kpis


def team_rows() -> list[Benchmark]:
    return [
        Benchmark(t.kpi_key, t.grain, "team", t.form, t.low, t.high, source=t.source, note=t.note)  # type: ignore[arg-type]
        for t in TeamBenchmark.objects.all()
    ]


def benchmark_rows() -> list[Benchmark]:
    return [*library(), *team_rows()]


@dataclass(frozen=True)
class LibraryRow:
    row: Benchmark
    name: str | Promise
    unit: str
    in_use: bool  # the row the workspace's KPI is judged by at that grain


def library_overview(*, segment: str) -> list[LibraryRow]:
    rows = benchmark_rows()
    kpis = {k.key: k for k in workspace_kpis()}
    used = {id(choose(rows, key=r.key, grain=r.grain, segment=segment)) for r in rows}
    return [
        LibraryRow(r, kpis[r.key].name, kpis[r.key].unit, id(r) in used)
        for r in rows
        if r.key in kpis  # a team row of a deleted custom KPI is gone with it
    ]
