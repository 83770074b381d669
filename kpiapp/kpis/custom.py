"""The team's own KPIs (KPIS.md section 6): values entered per month; a quarter or year takes
the last entered month, the sum or the mean, as each KPI says."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from kpiapp.kpis import sql
from kpiapp.kpis.context import Context
from kpiapp.kpis.periods import GRAINS
from kpiapp.kpis.reasons import NO_VALUE
from kpiapp.kpis.results import Collector


def compute(context: Context, collector: Collector) -> None:
    kpis = sql.fetch(
        "SELECT id, key, aggregation FROM kpiapp_customkpi WHERE workspace_id = %(workspace_id)s",
        workspace_id=context.workspace_id,
    )
    rows = sql.fetch(
        f"SELECT kpi_id, {sql.month_number('month')}, value FROM kpiapp_customkpivalue "
        "WHERE workspace_id = %(workspace_id)s AND month <= %(today)s",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    values: dict[int, dict[int, Fraction]] = defaultdict(dict)
    for kpi_id, month, value in rows:
        values[kpi_id][int(month)] = Fraction(Decimal(value))
    for kpi_id, key, aggregation in kpis:
        entered = values.get(kpi_id, {})
        for grain in GRAINS:
            for period in collector.emitted[grain]:
                found = [entered[m] for m in period.months if m in entered]
                if not found:
                    collector.point(key, period, "", "", None, reason=NO_VALUE)
                elif aggregation == "sum":
                    collector.point(key, period, "", "", sum(found, Fraction(0)))
                elif aggregation == "mean":
                    collector.point(key, period, "", "", sum(found, Fraction(0)), len(found))
                else:
                    collector.point(key, period, "", "", found[-1])
