"""The values a page shows under a segment, from wherever they come: the snapshots (no
segment: the totals; one condition: its breakdown rows) or, for a segment of several
conditions, the on-demand run of the account-level KPIs and the cohort table
(`kpis/segment_run.py`), cached per workspace data version (`pagecache.versions`) so that
every page view after the first reads the cache.

Callers get `KpiSnapshot` rows either way (unsaved for the on-demand run, their values rounded
exactly as the snapshot writer rounds them), so a page reads one kind of row."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

from django.core.cache import cache

from accounts.models import Workspace
from kpiapp.kpis.periods import month_start
from kpiapp.kpis.registry import COHORT_KEYS, KpiDefinition, decimals_for
from kpiapp.kpis.results import Point
from kpiapp.kpis.segment_run import segment_points
from kpiapp.kpis.segments import Condition, segment_text
from kpiapp.models import KpiSnapshot
from kpiapp.pagecache.versions import page_version
from kpiapp.selectors.segments import ActiveSegment, Source
from kpiapp.services.snapshots import value_texts

RUN_CACHE_SECONDS = 24 * 3600
# A cached row: key, grain, period start, dimension, its value, value, numerator, denominator,
# reason, partial.
Row = tuple[str, str, date, str, str, Decimal | None, Decimal | None, Decimal | None, str, bool]


def _row(point: Point) -> Row:
    value = numerator = denominator = None
    if not point.reason and point.numerator is not None:
        texts = value_texts(point.numerator, point.denominator, decimals_for(point.key, None))
        value, numerator = Decimal(texts[0]), Decimal(texts[1])
        denominator = None if texts[2] is None else Decimal(texts[2])
    return (
        point.key,
        point.grain,
        month_start(point.first_month),
        point.dimension,
        point.dimension_value,
        value,
        numerator,
        denominator,
        point.reason,
        point.partial,
    )


def segment_rows(
    *, workspace: Workspace, conditions: tuple[Condition, ...], today: date
) -> list[Row]:
    """The on-demand run of `conditions`, from the cache when this data version has it."""
    digest = hashlib.sha256(segment_text(conditions).encode()).hexdigest()[:24]
    key = f"kz:segrun:{workspace.id}:{page_version(workspace.id)}:{today.isoformat()}:{digest}"
    rows = cache.get(key)
    if rows is None:
        rows = [_row(p) for p in segment_points(workspace, conditions, today=today)]
        cache.set(key, rows, RUN_CACHE_SECONDS)
    return rows


def _snapshot(workspace: Workspace, row: Row) -> KpiSnapshot:
    key, grain, start, dimension, dimension_value, value, numerator, denominator, reason, part = row
    return KpiSnapshot(
        workspace_id=workspace.id,
        kpi_key=key,
        grain=grain,
        period_start=start,
        dimension=dimension,
        dimension_value=dimension_value,
        value=value,
        numerator=numerator,
        denominator=denominator,
        reason=reason,
        partial=part,
    )


def shown_snapshots(
    segment: ActiveSegment,
    *,
    workspace: Workspace,
    today: date,
    kpis: Iterable[KpiDefinition],
    grain: str,
    starts: Collection[date] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[KpiSnapshot]:
    """The rows of `kpis` at `grain` (in `starts`, or between `since` and `until`) that the
    page shows under `segment`; a KPI the segment cannot show has none."""
    by_source: dict[Source, list[str]] = {}
    for kpi in kpis:
        source = segment.source(kpi)
        if source.shown:
            by_source.setdefault(source, []).append(kpi.key)
    found: list[KpiSnapshot] = []
    for source, keys in by_source.items():
        if source.on_demand:
            run = segment_rows(workspace=workspace, conditions=segment.conditions, today=today)
            found += [
                _snapshot(workspace, row)
                for row in run
                if row[0] in keys
                and row[1] == grain
                and row[3] == ""
                and (starts is None or row[2] in starts)
                and (since is None or row[2] >= since)
                and (until is None or row[2] <= until)
            ]
            continue
        rows = KpiSnapshot.objects.filter(kpi_key__in=keys, grain=grain, **source.snapshot_filter)
        if starts is not None:
            rows = rows.filter(period_start__in=starts)
        if since is not None:
            rows = rows.filter(period_start__gte=since)
        if until is not None:
            rows = rows.filter(period_start__lte=until)
        found += list(rows)
    return found


def segment_cohort_snapshots(
    segment: ActiveSegment, *, workspace: Workspace, today: date, key: str
) -> list[KpiSnapshot]:
    """The cohort cells of a segment (one condition or several), from the on-demand run."""
    if key not in COHORT_KEYS:
        raise KeyError(key)
    return [
        _snapshot(workspace, row)
        for row in segment_rows(workspace=workspace, conditions=segment.conditions, today=today)
        if row[0] == key and row[3] == "age"
    ]
