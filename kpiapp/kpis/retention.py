"""Cohort retention (KPIS.md section 2, the heat map): accounts by the month of their first
active day; logo and revenue retention at the end of each following month.

Stored as snapshots of `cohort_logo_retention` and `cohort_revenue_retention` with grain month,
the cohort month as the period and `age` (months since the cohort month) as the dimension."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from kpiapp.kpis import reasons
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context
from kpiapp.kpis.mrr_states import EntityGrids
from kpiapp.kpis.periods import Period
from kpiapp.kpis.results import Collector
from kpiapp.kpis.revenue import RevenueOutcome

LOGO = "cohort_logo_retention"
REVENUE = "cohort_revenue_retention"
KEYS = (LOGO, REVENUE)
NO_START_MRR = reasons.NO_COHORT_MRR


@dataclass
class CohortSums:
    """Per cohort (month slot of the first active day) and state point: the members, how
    many of them are active, and their MRR per currency (native units of 1 /
    unit_denominator cents). Sums over disjoint sets of accounts add up."""

    members: np.ndarray  # cohorts
    active: np.ndarray  # cohorts × state points
    natives: dict[str, np.ndarray]  # currency -> cohorts × state points
    unit_denominator: int


def combined_cohorts(parts: list[tuple[int, CohortSums]]) -> CohortSums:
    """The sum of sign × sums over `parts`, all of one run and one unit."""
    first = parts[0][1]
    members = sum((sign * part.members for sign, part in parts), np.zeros_like(first.members))
    active = sum((sign * part.active for sign, part in parts), np.zeros_like(first.active))
    natives: dict[str, np.ndarray] = {}
    for sign, part in parts:
        for currency, values in part.natives.items():
            if currency in natives:
                natives[currency] = natives[currency] + sign * values
            else:
                natives[currency] = sign * values
    return CohortSums(members, active, natives, first.unit_denominator)


def compute(context: Context, collector: Collector, revenue: RevenueOutcome) -> None:
    grids, rows, positive = revenue.grids, revenue.rows, revenue.positive
    if not collector.wants(*KEYS):
        return
    if grids is None or rows is None or positive is None or not grids.count:
        return
    emit(
        context,
        collector,
        cohort_sums(context, grids, positive, rows.currencies, rows.unit_denominator),
    )


def cohort_sums(
    context: Context,
    grids: EntityGrids,
    positive: np.ndarray,
    currencies: list[str],
    unit_denominator: int,
) -> CohortSums:
    months = context.month_count
    width = months + 1
    # Day d lies in month slot k when boundaries[k] < d <= boundaries[k + 1].
    cohort_of = np.searchsorted(context.boundaries(), grids.first_active, side="left") - 1
    cohort_of[grids.first_active >= NO_END] = -1
    members = np.bincount(cohort_of[cohort_of >= 0], minlength=months)[:months]
    active = np.zeros((months, width), dtype=np.int64)
    natives = {
        code: np.zeros((months, width), dtype=grid.dtype)
        for code, grid in zip(currencies, grids.grids, strict=True)
    }
    inside = np.flatnonzero((cohort_of >= 0) & (cohort_of < months))
    if len(inside):
        order = inside[np.argsort(cohort_of[inside], kind="stable")]
        cohorts = cohort_of[order]
        starts = np.flatnonzero(np.r_[True, cohorts[1:] != cohorts[:-1]])
        present = cohorts[starts]
        active[present] = np.add.reduceat(positive[order].astype(np.int64), starts, axis=0)
        for code, grid in zip(currencies, grids.grids, strict=True):
            natives[code][present] = np.add.reduceat(grid[order], starts, axis=0)
    return CohortSums(members, active, natives, unit_denominator)


def emit(context: Context, collector: Collector, sums: CohortSums) -> None:
    months = context.month_count
    since = collector.since_month or context.first_month
    for c in range(months):
        if not sums.members[c]:
            continue
        size = int(sums.members[c])
        period = Period("month", context.first_month + c)
        # The ends of the cohort month and the later ones.
        active = sums.active[c, c + 1 :].tolist()
        base = _mrr(context, sums, c, c)
        # A cell that reads a month before the run's first is not emitted (`Collector.point`).
        for age in range(max(0, since - period.first_month), months - c):
            label = str(age)
            collector.point(LOGO, period, "age", label, active[age], size)
            value = _mrr(context, sums, c, c + age)
            reason = value[1] or base[1] or ""
            collector.point(
                REVENUE,
                period,
                "age",
                label,
                value[0],
                base[0],
                reason=reason,
                zero_reason=NO_START_MRR,
            )


def _mrr(context: Context, sums: CohortSums, c: int, k: int) -> tuple[Fraction, str | None]:
    """Cohort c's MRR at the end of month slot k, at that month's rates (major units)."""
    month = context.first_month + k
    total, reason = 0, None
    for currency, natives in sorted(sums.natives.items()):
        native = int(natives[c, k + 1])
        if not native:
            continue
        rate = context.rates.get(currency, month)
        if rate is None:
            reason = reason or reasons.no_rate(currency, month)
            continue
        total += native * rate
    return Fraction(total, sums.unit_denominator * RATE_SCALE * 100), reason
