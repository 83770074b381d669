"""The targets page: each target of a quarter with its value so far, progress and pacing.
Reads snapshots only."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.functional import Promise

from kpiapp.kpis.periods import Period
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.kpis.targets import Pacing, pace
from kpiapp.models import KpiSnapshot, Target, TargetChange
from kpiapp.selectors.kpi_lookup import workspace_kpis

KpiFacts = KpiDefinition  # name, unit, kind and direction are what targets need


@dataclass(frozen=True)
class TargetRow:
    target: Target
    kpi: KpiFacts
    dimension_name: str | Promise
    current: Decimal | None
    reason: str
    start: Decimal | None
    pacing: Pacing | None

    @property
    def progress_percent(self) -> int | None:
        if self.pacing is None or self.pacing.progress is None:
            return None
        return max(0, min(100, round(float(self.pacing.progress) * 100)))


def kpi_facts() -> dict[str, KpiFacts]:
    """Every KPI of the workspace in scope, built-in and custom, by key."""
    return {k.key: k for k in workspace_kpis()}


def _snapshots(targets: list[Target], grain: str, start: date) -> dict[tuple, KpiSnapshot]:
    if not targets:
        return {}
    wanted = Q()
    for t in targets:
        wanted |= Q(kpi_key=t.kpi_key, dimension=t.dimension, dimension_value=t.dimension_value)
    rows = KpiSnapshot.objects.filter(wanted, grain=grain, period_start=start)
    return {(s.kpi_key, s.dimension, s.dimension_value): s for s in rows}


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
    targets = list(wanted)
    now = _snapshots(targets, "quarter", quarter.start)
    before = _snapshots(targets, "month", Period("month", quarter.first_month - 1).start)
    rows = []
    for t in targets:
        kpi = facts.get(t.kpi_key)
        if kpi is None:
            continue  # a custom KPI that was deleted
        key = (t.kpi_key, t.dimension, t.dimension_value)
        snapshot, at_start = now.get(key), before.get(key)
        current = snapshot.value if snapshot else None
        start = at_start.value if at_start and at_start.value is not None else None
        pacing = None
        if current is not None and quarter.start <= today:
            pacing = pace(
                kind=kpi.kind,
                direction=kpi.direction,
                target=t.value,
                current=current,
                quarter=quarter,
                today=today,
                start=start or 0,
            )
        reason = snapshot.reason if snapshot else ""
        rows.append(
            TargetRow(t, kpi, DIMENSION_NAMES.get(t.dimension, ""), current, reason, start, pacing)
        )
    rows.sort(
        key=lambda r: (list(facts).index(r.kpi.key), r.target.dimension, r.target.dimension_value)
    )
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
