"""The targets page: each target of a quarter with its value so far, progress and pacing.
Reads snapshots only."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise

from kpiapp.kpis.periods import Period
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.models import Campaign, Channel, KpiSnapshot, Target, TargetChange
from kpiapp.selectors.kpi_lookup import workspace_kpis
from kpiapp.selectors.target_standing import Standing, standings

KpiFacts = KpiDefinition  # name, unit, kind and direction are what targets need


TargetRow = Standing  # a target with where it stands (kpiapp.selectors.target_standing)


def kpi_facts() -> dict[str, KpiFacts]:
    """Every KPI of the workspace in scope, built-in and custom, by key."""
    return {k.key: k for k in workspace_kpis()}


def targets_of_quarter(
    *,
    quarter: Period,
    today: date,
    facts: dict[str, KpiFacts],
    kpi_keys: Collection[str] | None = None,
) -> list[TargetRow]:
    """The quarter's targets with where each stands; only those of `kpi_keys` when given (a
    report shows the targets of its own KPIs, never the rest of the workspace's)."""
    wanted = Target.objects.filter(quarter_start=quarter.start)
    if kpi_keys is not None:
        wanted = wanted.filter(kpi_key__in=list(kpi_keys))
    rows = list(standings(targets=list(wanted), facts=facts, today=today).values())
    order = list(facts)
    rows.sort(key=lambda r: (order.index(r.kpi.key), r.target.dimension,
                             r.target.dimension_value))  # fmt: skip
    return rows


@dataclass(frozen=True)
class ChangeRow:
    change: TargetChange
    name: str | Promise
    unit: str
    dimension_name: str | Promise


def target_history(
    *, quarter: Period, facts: dict[str, KpiFacts], limit: int = 20
) -> list[ChangeRow]:
    changes = TargetChange.objects.filter(quarter_start=quarter.start).select_related("changed_by")[
        :limit
    ]
    return [
        ChangeRow(
            c,
            facts[c.kpi_key].name if c.kpi_key in facts else c.kpi_key,
            facts[c.kpi_key].unit if c.kpi_key in facts else "number",
            DIMENSION_NAMES.get(c.dimension, ""),
        )
        for c in changes
    ]


def dimension_values(kpi_key: str, dimension: str) -> list[str]:
    """The values a KPI has by a dimension in the snapshots (for the target form)."""
    return list(
        KpiSnapshot.objects.filter(kpi_key=kpi_key, dimension=dimension)
        .values_list("dimension_value", flat=True)
        .distinct()
        .order_by("dimension_value")
    )


def dimension_choices(dimension: str) -> list[str]:
    """The values a target may name for `dimension`: those the data has in any KPI's
    breakdown, plus the team's own channels and campaigns (which may have no data yet)."""
    found = set(
        KpiSnapshot.objects.filter(dimension=dimension)
        .exclude(dimension_value="")
        .values_list("dimension_value", flat=True)
        .distinct()
    )
    if dimension == "channel":
        found |= set(Channel.objects.values_list("name", flat=True))
    elif dimension == "campaign":
        found |= set(Campaign.objects.values_list("name", flat=True))
    return sorted(found, key=str.casefold)
