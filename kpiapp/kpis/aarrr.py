"""The AARRR stages and the bottleneck ("Engpass") of a period (KPIS.md section 7).

Pure functions over plain values: the selector reads snapshots, targets and benchmarks and
hands each stage's headline value and marks in; nothing here reads the database.

The bottleneck: among the stages whose headline KPI has a quarterly target, the one with the
largest relative shortfall, (target − value) / |target| for higher-is-better and
(value − target) / |target| for lower-is-better, the value measured as the target says. When no
headline has a target, the same against each headline's benchmark: a point or threshold value,
a band's nearer edge. A stage at or past its mark is never the bottleneck; with none behind,
none is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from kpiapp.kpis.benchmarks import Benchmark

Basis = Literal["target", "benchmark"]
Number = Decimal | Fraction | int


@dataclass(frozen=True)
class Stage:
    key: str
    name: str | Promise
    headline: str  # the KPI the stage is judged by
    companions: tuple[str, ...]  # shown beside it, never judged


STAGES: tuple[Stage, ...] = (
    Stage(
        "acquisition",
        pgettext_lazy("AARRR stage", "Acquisition"),
        "leads",
        ("visits", "cost_per_lead"),
    ),
    Stage(
        "activation",
        pgettext_lazy("AARRR stage", "Activation"),
        "activation_rate",
        ("time_to_first_value_days",),
    ),
    Stage(
        "retention",
        pgettext_lazy("AARRR stage", "Retention"),
        "customer_retention_rate",
        ("customer_churn_rate", "grr"),
    ),
    Stage("referral", pgettext_lazy("AARRR stage", "Referral"), "referral_share", ("nps",)),
    Stage("revenue", pgettext_lazy("AARRR stage", "Revenue"), "mrr", ("arpa", "clv")),
)


@dataclass(frozen=True)
class StageMarks:
    """What the bottleneck rule needs of one stage."""

    stage: str
    direction: str  # of the headline KPI: up, down or neutral
    target: Number | None = None  # the quarter's target of the headline
    target_value: Number | None = None  # the headline measured as the target says
    benchmark: Benchmark | None = None  # the row the headline is judged by at this grain
    value: Number | None = None  # the headline's value in the period (against the benchmark)


@dataclass(frozen=True)
class Shortfall:
    stage: str
    basis: Basis
    value: Number
    mark: Number
    shortfall: Fraction  # relative; > 0 behind, ≤ 0 at or past the mark


@dataclass(frozen=True)
class Bottleneck:
    basis: Basis | None  # None: neither a target nor a benchmark for any headline
    judged: tuple[Shortfall, ...]  # every stage that could be judged, in stage order
    behind: Shortfall | None  # the bottleneck; None when no stage is behind its mark


def benchmark_mark(row: Benchmark, direction: str) -> Decimal | None:
    """The value a benchmark row sets as the mark: a point or a threshold itself; of a band,
    the edge nearer to a value that is behind (the lower one when higher is better, the upper
    one when lower is better), so a value inside the band has reached its mark."""
    if direction not in ("up", "down"):
        return None
    if row.form == "band" and row.high is not None:
        return row.low if direction == "up" else row.high
    return row.low


def shortfall(value: Number, mark: Number, direction: str) -> Fraction | None:
    """The relative shortfall against `mark`: > 0 when behind it, ≤ 0 at or past it. None for
    a mark of 0 (no relative distance) or a neutral KPI."""
    mark_f = Fraction(mark)
    if mark_f == 0 or direction not in ("up", "down"):
        return None
    gap = mark_f - Fraction(value) if direction == "up" else Fraction(value) - mark_f
    return gap / abs(mark_f)


def _by_targets(stages: Sequence[StageMarks]) -> list[Shortfall]:
    judged = []
    for s in stages:
        if s.target is None or s.target_value is None:
            continue
        behind = shortfall(s.target_value, s.target, s.direction)
        if behind is not None:
            judged.append(Shortfall(s.stage, "target", s.target_value, s.target, behind))
    return judged


def _by_benchmarks(stages: Sequence[StageMarks]) -> list[Shortfall]:
    judged = []
    for s in stages:
        if s.benchmark is None or s.value is None:
            continue
        mark = benchmark_mark(s.benchmark, s.direction)
        behind = None if mark is None else shortfall(s.value, mark, s.direction)
        if mark is not None and behind is not None:
            judged.append(Shortfall(s.stage, "benchmark", s.value, mark, behind))
    return judged


def bottleneck(stages: Sequence[StageMarks]) -> Bottleneck:
    """The stage furthest behind its mark (KPIS.md section 7). Targets decide as soon as one
    headline has a target; the benchmarks only when none has. Of equal shortfalls the earlier
    stage is named (the funnel's order: a leak upstream starves what follows)."""
    has_target = any(s.target is not None for s in stages)
    has_benchmark = any(s.benchmark is not None for s in stages)
    if has_target:
        basis: Basis | None = "target"
        judged = _by_targets(stages)
    elif has_benchmark:
        basis = "benchmark"
        judged = _by_benchmarks(stages)
    else:
        basis, judged = None, []
    behind: Shortfall | None = None
    for s in judged:
        if s.shortfall > 0 and (behind is None or s.shortfall > behind.shortfall):
            behind = s
    return Bottleneck(basis, tuple(judged), behind)
