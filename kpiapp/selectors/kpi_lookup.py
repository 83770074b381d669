"""The KPIs of the workspace in scope: the built-in registry plus the team's own (custom) KPIs,
described alike, so that pages, tiles, targets and benchmarks need not tell them apart."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.registry import KPI_BY_KEY, KPIS, Direction, Kind, KpiDefinition, Unit
from kpiapp.models import CustomKpi

CUSTOM_SECTION = "6"
CUSTOM_KIND: dict[str, Kind] = {"last": "state", "sum": "flow", "mean": "mean"}
CUSTOM_DEFINITION = {
    "last": _("Entered by the team per month. A quarter or a year shows its last entered month."),
    "sum": _("Entered by the team per month. A quarter or a year shows the sum of its months."),
    "mean": _("Entered by the team per month. A quarter or a year shows the mean of its months."),
}


def custom_definition(custom: CustomKpi) -> KpiDefinition:
    return KpiDefinition(
        key=custom.key,
        name=custom.name,
        unit=cast(Unit, custom.unit),  # model choices: money, days, percent or number
        kind=CUSTOM_KIND[custom.aggregation],
        direction=cast(Direction, custom.direction),
        dimensions=(),
        definition=CUSTOM_DEFINITION[custom.aggregation],
        section=CUSTOM_SECTION,
    )


def custom_kpis() -> list[KpiDefinition]:
    return [custom_definition(c) for c in CustomKpi.objects.all()]


def workspace_kpis() -> list[KpiDefinition]:
    """Built-in KPIs in registry order, then the team's own by name."""
    return [*KPIS, *custom_kpis()]


def workspace_kpi(key: str) -> KpiDefinition | None:
    if key in KPI_BY_KEY:
        return KPI_BY_KEY[key]
    if not key.startswith("custom_"):
        return None
    custom = CustomKpi.objects.filter(key=key).first()
    return custom_definition(custom) if custom else None
