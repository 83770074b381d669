"""The same periods a year earlier, beside a KPI's trend (`?compare=last_year`): their values
for a second line and how each period moved against its year-earlier one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kpiapp.kpis.change import NO_CHANGE, Change, change_between
from kpiapp.kpis.periods import Grain, Period, period_name
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.models import KpiSnapshot

LAST_YEAR = "last_year"  # the word the dashboard's `?compare=` uses for it


@dataclass(frozen=True)
class YearEarlier:
    periods: list[Period]  # for each shown period the one twelve months before it
    values: list[Decimal | None]
    reasons: list[str]
    changes: list[Change]  # the shown period against its year-earlier one

    def chart_data(self) -> dict[str, object]:
        """The second line: its values on the shown periods' places, their own names for
        the tooltip, and the line's name."""
        return {
            "name": _("Year earlier"),
            "labels": [period_name(p) for p in self.periods],
            "values": [None if v is None else float(v) for v in self.values],
        }


def year_earlier(
    *,
    kpi: KpiDefinition,
    grain: Grain,
    periods: list[Period],
    values: list[Decimal | None],
    partial: list[bool],
    rows: list[KpiSnapshot] | None = None,
) -> YearEarlier:
    """Works alike for every grain, kind and unit: a period's year-earlier one has the same
    grain and starts twelve months before it. A period still running gets no change: its
    few days against a whole period a year before would read as a fall (as on the trend).
    `rows`: the year-earlier rows as the shown periods' are read (a segment's), else the
    totals."""
    earlier = [p.same_last_year() for p in periods]
    if rows is None and earlier:
        rows = list(
            KpiSnapshot.objects.filter(
                kpi_key=kpi.key,
                grain=grain,
                dimension="",
                period_start__gte=earlier[0].start,
                period_start__lte=earlier[-1].start,
            ).only("period_start", "value", "reason")
        )
    found = {s.period_start: s for s in rows or []}
    before = [found[p.start].value if p.start in found else None for p in earlier]
    return YearEarlier(
        periods=earlier,
        values=before,
        reasons=[found[p.start].reason if p.start in found else "" for p in earlier],
        changes=[
            NO_CHANGE if running else change_between(v, b, unit=kpi.unit, direction=kpi.direction)
            for v, b, running in zip(values, before, partial, strict=True)
        ],
    )


Cell = tuple[Period, Decimal | None, str, Change]  # the period, its value, reason and the change


def year_earlier_cells(earlier: YearEarlier | None, count: int) -> list[Cell | None]:
    """Per shown period its year-earlier cells for the table; None each without a comparison."""
    if earlier is None:
        return [None] * count
    return list(zip(earlier.periods, earlier.values, earlier.reasons, earlier.changes, strict=True))
