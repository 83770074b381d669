"""Reports as the team reads them: who may see which, and a report's content for a day.

The content (`report_content`) is what the report page, the shared page, the CSV and PDF
exports and the email digest all show, so they cannot disagree. It reads snapshots and
targets only: values are live at view time, never stored with the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise

from accounts.models import Membership, Workspace
from accounts.roles import Role
from kpiapp.kpis.periods import Grain, Period, period_name
from kpiapp.kpis.ranges import ResolvedRange, resolve_range
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.kpis.targets import Pacing, pace
from kpiapp.models import KpiSnapshot, Report, Target, Visibility
from kpiapp.selectors.targets import TargetRow, targets_of_quarter
from kpiapp.selectors.tiles import value_change
from kpiapp.templatetags.kpi_format import unit_suffix

# --- who sees what ---------------------------------------------------------------------------


def visible_reports(membership: Membership) -> QuerySet[Report]:
    """Shared reports and the member's own private ones; nobody else's private reports, not
    even for admins (private means private)."""
    return Report.objects.filter(
        Q(visibility=Visibility.SHARED) | Q(owner_id=membership.user_id)
    ).select_related("owner", "updated_by")


def can_edit_report(membership: Membership, report: Report) -> bool:
    """The creator (while still an editor) and admins edit, share and delete a report."""
    if membership.has_role(Role.ADMIN):
        return report.is_shared or report.owner_id == membership.user_id
    return membership.has_role(Role.EDITOR) and report.owner_id == membership.user_id


def access_report(membership: Membership, report_id: int, *, for_write: bool = False) -> Report:
    """The report if the member may see it (404 otherwise, as for anything outside their
    reach); with `for_write`, 403 unless they may also change it."""
    report = visible_reports(membership).filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report")
    if for_write and not can_edit_report(membership, report):
        raise PermissionDenied("Only the report's creator and admins change it.")
    return report


# --- content -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    period: Period
    value: Decimal | None
    reason: str
    partial: bool
    compare_period: Period | None
    compare_value: Decimal | None
    change: Decimal | None  # relative, or in points for rates
    change_in_points: bool
    change_good: bool | None
    target: Decimal | None


@dataclass(frozen=True)
class ReportSection:
    kpi: KpiDefinition
    note: str
    rows: list[ReportRow]
    filtered: bool  # the report's filter applies to this KPI (else: totals)
    pacing: Pacing | None  # the last period's quarter against its target

    @property
    def has_targets(self) -> bool:
        return any(r.target is not None for r in self.rows)

    @property
    def latest(self) -> ReportRow | None:
        return self.rows[-1] if self.rows else None

    def chart_data(self) -> dict[str, Any]:
        def plain(v: Decimal | None) -> float | None:
            return None if v is None else float(v)

        return {
            "labels": [period_name(r.period) for r in self.rows],
            "values": [plain(r.value) for r in self.rows],
            "compare": [plain(r.compare_value) for r in self.rows],
            "targets": [plain(r.target) for r in self.rows],
            "percent": self.kpi.unit == "rate",
            "suffix": unit_suffix(self.kpi.unit),
        }


@dataclass(frozen=True)
class ReportContent:
    report: Report
    workspace: Workspace
    today: date
    range: ResolvedRange
    periods: list[Period]
    sections: list[ReportSection]
    missing_kpis: list[str]  # keys of sections whose KPI no longer exists
    dimension_name: str | Promise
    targets_quarter: Period | None
    targets: list[TargetRow]

    @property
    def first(self) -> Period:
        return self.periods[0]

    @property
    def last(self) -> Period:
        return self.periods[-1]


def _compare_period(period: Period, comparison: str) -> Period | None:
    if comparison == "previous":
        return period.previous()
    if comparison == "last_year":
        return period.same_last_year()
    return None


def _snapshots(
    keys: list[str], grain: str, starts: set[date], dimension: str, value: str
) -> dict[tuple[str, date, bool], KpiSnapshot]:
    """Snapshots by (key, period start, filtered?): totals always, the filter's when set."""
    wanted = Q(dimension="")
    if dimension:
        wanted |= Q(dimension=dimension, dimension_value=value)
    rows = KpiSnapshot.objects.filter(
        wanted, kpi_key__in=keys, grain=grain, period_start__in=starts
    ).only("kpi_key", "period_start", "dimension", "value", "reason", "partial")
    return {(s.kpi_key, s.period_start, bool(s.dimension)): s for s in rows}


def _targets(keys: list[str], quarters: set[date], dimension: str, value: str) -> dict:
    rows = Target.objects.filter(
        kpi_key__in=keys, quarter_start__in=quarters, dimension__in={"", dimension}
    )
    return {
        (t.kpi_key, t.quarter_start, bool(t.dimension)): t
        for t in rows
        if not t.dimension or t.dimension_value == value
    }


def report_content(
    *, report: Report, workspace: Workspace, today: date, kpis: dict[str, KpiDefinition]
) -> ReportContent:
    """Everything a report shows on `today`. `kpis` are the workspace's KPIs by key (built-in
    and custom), passed in so that a caller rendering several reports looks them up once."""
    grain = cast(Grain, report.grain)  # a model choice
    resolved = resolve_range(
        kind=report.range_kind,
        months=report.range_months,
        start=report.start_period,
        end=report.end_period,
        grain=grain,
        today=today,
    )
    periods = resolved.periods
    compared = {p: _compare_period(p, report.comparison) for p in periods}
    keys = [k for k in report.kpi_keys if k in kpis]
    starts = {p.start for p in periods} | {c.start for c in compared.values() if c}
    dimension, value = report.dimension, report.dimension_value
    found = _snapshots(keys, grain, starts, dimension, value)
    quarters = {Period.containing("quarter", p.last_month) for p in periods}
    targets = (
        _targets(keys, {q.start for q in quarters}, dimension, value) if grain != "year" else {}
    )
    quarter_values = _snapshots(keys, "quarter", {q.start for q in quarters}, dimension, value)
    before_quarters = _snapshots(
        keys,
        "month",
        {Period("month", q.first_month - 1).start for q in quarters},
        dimension,
        value,
    )
    sections = []
    for section in report.sections:
        kpi = kpis.get(section["kpi"])
        if kpi is None:
            continue
        filtered = bool(dimension) and dimension in kpi.dimensions
        rows = [_row(kpi, p, compared[p], found, targets, filtered) for p in periods]
        pacing = _pacing(
            kpi, periods[-1], targets, quarter_values, before_quarters, filtered, today
        )
        sections.append(ReportSection(kpi, section.get("note", ""), rows, filtered, pacing))
    targets_quarter = None
    target_rows: list[TargetRow] = []
    if report.include_targets:
        targets_quarter = Period.containing("quarter", periods[-1].last_month)
        target_rows = targets_of_quarter(
            quarter=targets_quarter, today=today, facts=kpis, kpi_keys=keys
        )
    return ReportContent(
        report=report,
        workspace=workspace,
        today=today,
        range=resolved,
        periods=periods,
        sections=sections,
        missing_kpis=[k for k in report.kpi_keys if k not in kpis],
        dimension_name=DIMENSION_NAMES.get(dimension, ""),
        targets_quarter=targets_quarter,
        targets=target_rows,
    )


def _pacing(
    kpi: KpiDefinition,
    last: Period,
    targets: dict,
    quarter_values: dict[tuple[str, date, bool], KpiSnapshot],
    before_quarters: dict[tuple[str, date, bool], KpiSnapshot],
    filtered: bool,
    today: date,
) -> Pacing | None:
    """Where the quarter of the range's last period stands against its target."""
    quarter = Period.containing("quarter", last.last_month)
    target = targets.get((kpi.key, quarter.start, filtered))
    current = quarter_values.get((kpi.key, quarter.start, filtered))
    if not target or not current or current.value is None or quarter.start > today:
        return None
    before = before_quarters.get(
        (kpi.key, Period("month", quarter.first_month - 1).start, filtered)
    )
    return pace(
        kind=kpi.kind,
        direction=kpi.direction,
        target=target.value,
        current=current.value,
        quarter=quarter,
        today=today,
        start=before.value if before and before.value else 0,
    )


def _row(
    kpi: KpiDefinition,
    period: Period,
    other: Period | None,
    found: dict[tuple[str, date, bool], KpiSnapshot],
    targets: dict,
    filtered: bool,
) -> ReportRow:
    now = found.get((kpi.key, period.start, filtered))
    before = found.get((kpi.key, other.start, filtered)) if other else None
    value = now.value if now else None
    compare_value = before.value if before else None
    change, in_points, good = None, False, None
    if value is not None and compare_value is not None:
        change, in_points = value_change(value, compare_value, kpi.unit)
        if change is not None and change != 0 and kpi.direction != "neutral":
            good = (change > 0) == (kpi.direction == "up")
    target = None
    if period.grain != "year":
        quarter = Period.containing("quarter", period.last_month)
        found_target = targets.get((kpi.key, quarter.start, filtered))
        target = found_target.value if found_target else None
    return ReportRow(
        period=period,
        value=value,
        reason=now.reason if now else "",
        partial=bool(now and now.partial),
        compare_period=other,
        compare_value=compare_value,
        change=change,
        change_in_points=in_points,
        change_good=good,
        target=target,
    )
