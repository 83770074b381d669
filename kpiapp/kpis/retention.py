"""Cohort retention (KPIS.md section 2, the heat map): accounts by the month of their first
active day; logo and revenue retention at the end of each following month.

Stored as snapshots of `cohort_logo_retention` and `cohort_revenue_retention` with grain month,
the cohort month as the period and `age` (months since the cohort month) as the dimension."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from kpiapp.kpis import reasons
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context
from kpiapp.kpis.periods import Period
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
    # Day d lies in month slot k when boundaries[k] < d <= boundaries[k + 1].
    cohort_of = np.searchsorted(context.boundaries(), grids.first_active, side="left") - 1
    cohort_of[grids.first_active >= NO_END] = -1
    months = context.month_count
    for c in range(months):
        members = np.flatnonzero(cohort_of == c)
        if not len(members):
            continue
        period = Period("month", context.first_month + c)
        states = np.arange(c + 1, months + 1)  # the ends of the cohort month and the later ones
        active = positive[np.ix_(members, states)].sum(axis=0).tolist()
        # The members' MRR per currency at those month ends (exact: int64 grids hold only
        # amounts whose sums fit, see mrr_states._int_array).
        natives = [grid[np.ix_(members, states)].sum(axis=0).tolist() for grid in grids.grids]
        base = _mrr(context, rows.currencies, rows.unit_denominator, natives, 0, c)
        for age in range(months - c):
            label = str(age)
            collector.point(LOGO, period, "age", label, active[age], len(members))
            value = _mrr(context, rows.currencies, rows.unit_denominator, natives, age, c + age)
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
    context: Context,
    currencies: list[str],
    unit_denominator: int,
    natives: list[list[int]],
    age: int,
    k: int,
) -> tuple[Fraction, str | None]:
    """The members' MRR at the end of month slot k (their `age`), at that month's rates
    (major units); `natives` holds per currency the members' summed MRR by age."""
    month = context.first_month + k
    total, reason = 0, None
    for code, sums in enumerate(natives):
        native = int(sums[age])
        if not native:
            continue
        rate = context.rates.get(currencies[code], month)
        if rate is None:
            reason = reasons.no_rate(currencies[code], month)
            continue
        total += native * rate
    return Fraction(total, unit_denominator * RATE_SCALE * 100), reason
