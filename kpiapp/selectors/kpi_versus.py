"""A second segment beside a KPI's trend (`?versus=country:AT`, issue 19 item 5): its values on
the shown periods for a second line and a column, or why the KPI cannot show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _

from kpiapp.kpis.periods import Grain, Period
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.kpis.segments import Condition, SegmentError, segment_parse
from kpiapp.models import KpiSnapshot
from kpiapp.selectors.segments import NO_BREAKDOWN, condition_name

VERSUS_PARAM = "versus"


@dataclass(frozen=True)
class VersusParam:
    """`?versus=` read: one condition, or the message why it cannot be (nothing compared)."""

    condition: Condition | None = None
    error: str = ""


def versus_param(request: HttpRequest) -> VersusParam:
    try:
        conditions = segment_parse(request.GET.get(VERSUS_PARAM, ""))
    except SegmentError as error:
        return VersusParam(error=str(error))
    if len(conditions) > 1:
        return VersusParam(
            error=_("Compare with one condition at a time, such as “country:AT” or “plan:Pro”.")
        )
    return VersusParam(conditions[0] if conditions else None)


@dataclass(frozen=True)
class Versus:
    condition: Condition
    name: str  # "Land: Österreich"
    missing: str = ""  # why the KPI cannot show it ("" when it can)
    values: list[Decimal | None] = field(default_factory=list)  # one per shown period
    reasons: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.condition.text

    def chart_data(self) -> dict[str, object]:
        return {"name": self.name, "values": [None if v is None else float(v) for v in self.values]}


def versus_values(
    *, kpi: KpiDefinition, grain: Grain, periods: list[Period], condition: Condition
) -> Versus:
    """The condition's breakdown rows of `kpi` on `periods` (None where a period has none)."""
    name = condition_name(condition)
    if condition.dimension not in kpi.dimensions:
        return Versus(condition, name, missing=str(NO_BREAKDOWN[condition.dimension]))
    found = (
        {
            s.period_start: s
            for s in KpiSnapshot.objects.filter(
                kpi_key=kpi.key,
                grain=grain,
                dimension=condition.dimension,
                dimension_value=condition.value,
                period_start__gte=periods[0].start,
                period_start__lte=periods[-1].start,
            ).only("period_start", "value", "reason")
        }
        if periods
        else {}
    )
    return Versus(
        condition,
        name,
        values=[found[p.start].value if p.start in found else None for p in periods],
        reasons=[found[p.start].reason if p.start in found else "" for p in periods],
    )
