"""Cohort retention (KPIS.md section 2, the heat map): accounts by the month of their first
active day; logo and revenue retention at the end of each following month.

Stored as snapshots of `cohort_logo_retention` and `cohort_revenue_retention` with grain month,
the cohort month as the period and `age` (months since the cohort month) as the dimension."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from kpiapp.kpis import reasons
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context, from_day_number
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.results import Collector
from kpiapp.kpis.revenue import RevenueOutcome

LOGO = "cohort_logo_retention"
REVENUE = "cohort_revenue_retention"
NO_START_MRR = reasons.NO_COHORT_MRR


def compute(context: Context, collector: Collector, revenue: RevenueOutcome) -> None:
    grids, rows, positive = revenue.grids, revenue.rows, revenue.positive
    if not collector.wants(LOGO, REVENUE):
        return
    if grids is None or rows is None or positive is None or not grids.count:
        return
    cohort_of = np.full(grids.count, -1, dtype=np.int64)
    for i, day in enumerate(grids.first_active.tolist()):
        if day < NO_END:
            cohort_of[i] = month_index(from_day_number(day)) - context.first_month
    months = context.month_count
    for c in range(months):
        members = np.flatnonzero(cohort_of == c)
        if not len(members):
            continue
        period = Period("month", context.first_month + c)
        base = _mrr(context, revenue, members, c)
        for age in range(months - c):
            state = c + age + 1
            active = int(positive[members, state].sum())
            label = str(age)
            collector.point(LOGO, period, "age", label, active, len(members))
            value = _mrr(context, revenue, members, c + age)
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


def _mrr(
    context: Context, revenue: RevenueOutcome, members: np.ndarray, k: int
) -> tuple[Fraction, str | None]:
    """The members' MRR at the end of month slot k, at that month's rates (major units)."""
    grids, rows = revenue.grids, revenue.rows
    if grids is None or rows is None:
        return Fraction(0), None
    month = context.first_month + k
    total, reason = 0, None
    for code, grid in enumerate(grids.grids):
        native = int(grid[members, k + 1].astype(object).sum())
        if not native:
            continue
        rate = context.rates.get(rows.currencies[code], month)
        if rate is None:
            reason = reasons.no_rate(rows.currencies[code], month)
            continue
        total += native * rate

    return Fraction(total, rows.unit_denominator * RATE_SCALE * 100), reason
