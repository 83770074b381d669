"""Reports as the team reads them: who may see which, and a report's content for a day.

The content (`report_content`) is what the report page, the shared page, the CSV and PDF
exports and the email digest all show, so they cannot disagree. It reads snapshots and
targets only: values are live at view time, never stored with the report. A segment of
several conditions reads what the KPI pages show for it (`segment_points.shown_snapshots`:
the on-demand run of the account-level KPIs, cached per data version, or the one condition
another KPI breaks down by); a KPI it cannot show has no values and says why.
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
from kpiapp.kpis.change import change_between
from kpiapp.kpis.periods import Grain, Period, period_name
from kpiapp.kpis.ranges import ResolvedRange, resolve_range
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.kpis.segments import SegmentError, segment_parse
from kpiapp.kpis.target_rules import month_milestone
from kpiapp.kpis.targets import Pacing
from kpiapp.models import KpiSnapshot, Report, Target, Visibility
from kpiapp.selectors.segment_points import shown_snapshots
from kpiapp.selectors.segments import (
    ActiveSegment,
    condition_name,
    saved_segment_name,
    segment_label,
)
from kpiapp.selectors.target_standing import Standing, standings
from kpiapp.selectors.targets import TargetRow, targets_of_quarter
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

NO_SEGMENT = ActiveSegment()  # frozen: one instance serves every report without several


@dataclass(frozen=True)
class ReportRow:
    period: Period
    value: Decimal | None
    reason: str
    partial: bool
    compare_period: Period | None
    compare_value: Decimal | None
    change: Decimal | None  # relative, points for rates, absolute from a base of 0 or below
    change_in_points: bool
    change_absolute: bool  # the difference in the KPI's unit (kpis/change.py)
    change_good: bool | None
    target: Decimal | None


@dataclass(frozen=True)
class ReportSection:
    kpi: KpiDefinition
    note: str
    rows: list[ReportRow]
    filtered: bool  # the report's filter applies to this KPI (else: totals)
    pacing: Pacing | None  # the last period's quarter against its target
    standing: Standing | None = None  # the same target: statement, milestone, forecast
    # A segment of several conditions (else the empty segment): what it means for this KPI.
    segment: ActiveSegment = NO_SEGMENT
    # The breakdown the values are of, for the records behind them ("" for the total).
    dimension: str = ""
    dimension_value: str = ""

    @property
    def missing(self) -> str:
        """Why a segment of several conditions cannot show this KPI ("" when it can), in the
        active language: the same words as the KPI pages."""
        return str(self.segment.missing(self.kpi)) if self.segment.several else ""

    @property
    def partly(self) -> str:
        """With several conditions, a KPI showing the one it breaks down by says so."""
        return self.segment.partly(self.kpi)

    @property
    def applied(self) -> str:
        """The one condition a KPI shows under several conditions, in words ("" otherwise)."""
        condition = self.segment.source(self.kpi).condition if self.segment.several else None
        return condition_name(condition) if condition else ""

    @property
    def has_records(self) -> bool:
        """Whether the records behind a value can be listed: not for the on-demand run of
        several conditions (the records split by one condition at a time) nor a KPI left out."""
        return not self.segment.several or bool(self.dimension)

    @property
    def has_targets(self) -> bool:
        return any(r.target is not None for r in self.rows)

    @property
    def latest(self) -> ReportRow | None:
        return self.rows[-1] if self.rows else None

    @property
    def has_values(self) -> bool:
        """False when no period has a value: an empty state stands where the chart would."""
        return any(r.value is not None for r in self.rows)

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
    segment_name: str = ""  # the saved segment's name of the report's segment
    segment: ActiveSegment = NO_SEGMENT  # the report's segment when of several conditions

    @property
    def segment_label(self) -> str:
        """The report's segment for people, in the active language ("Channel: Referral")."""
        return segment_label(self.report.segment, name=self.segment_name)

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


def report_segment(report: Report) -> ActiveSegment:
    """The report's segment as the pages read one (empty when it cannot be read)."""
    try:
        return ActiveSegment(segment_parse(report.segment))
    except SegmentError:
        return ActiveSegment()


def _segment_snapshots(
    segment: ActiveSegment,
    *,
    workspace: Workspace,
    today: date,
    kpis: list[KpiDefinition],
    grain: str,
    starts: set[date],
) -> dict[tuple[str, date, bool], KpiSnapshot]:
    """A segment of several conditions: the values the KPI pages show for it (the on-demand
    run, or the one condition a KPI breaks down by), as the report's filtered rows. A KPI
    the segment cannot show has none, and never falls back to its total."""
    rows = shown_snapshots(
        segment, workspace=workspace, today=today, kpis=kpis, grain=grain, starts=starts
    )
    return {(s.kpi_key, s.period_start, True): s for s in rows}


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
    segment = report_segment(report)
    several = segment.several
    quarters = {Period.containing("quarter", p.last_month) for p in periods}
    if several:  # targets are set for the total or one value, never for a combination
        found = _segment_snapshots(segment, workspace=workspace, today=today, grain=grain,
                                   kpis=[kpis[k] for k in keys], starts=starts)  # fmt: skip
        targets: dict = {}
    else:
        found = _snapshots(keys, grain, starts, dimension, value)
        targets = (
            _targets(keys, {q.start for q in quarters}, dimension, value) if grain != "year" else {}
        )
    standing = standings(targets=list(targets.values()), facts=kpis, today=today,
                         workspace=workspace)  # fmt: skip
    sections = []
    for section in report.sections:
        kpi = kpis.get(section["kpi"])
        if kpi is None:
            continue
        if several:
            source = segment.source(kpi)
            filtered = source.shown
            by = source.condition
            shown_by = (by.dimension, by.value) if by else ("", "")
        else:
            filtered = bool(dimension) and dimension in kpi.dimensions
            shown_by = (dimension, value) if filtered else ("", "")
        rows = [_row(kpi, p, compared[p], found, targets, filtered, standing) for p in periods]
        stands = _pacing(kpi, periods[-1], targets, standing, filtered, today)
        sections.append(ReportSection(kpi, section.get("note", ""), rows, filtered,
                                      stands.pacing if stands else None, stands,
                                      segment if several else NO_SEGMENT,
                                      *shown_by))  # fmt: skip
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
        segment_name=saved_segment_name(report.segment) if report.segment else "",
        segment=segment if several else NO_SEGMENT,
    )


def _pacing(
    kpi: KpiDefinition,
    last: Period,
    targets: dict,
    standing: dict[int, Standing],
    filtered: bool,
    today: date,
) -> Standing | None:
    """Where the quarter of the range's last period stands against its target."""
    quarter = Period.containing("quarter", last.last_month)
    target = targets.get((kpi.key, quarter.start, filtered))
    if not target or quarter.start > today:
        return None
    found = standing.get(target.pk)
    return found if found is not None and found.pacing is not None else None


def _row(
    kpi: KpiDefinition,
    period: Period,
    other: Period | None,
    found: dict[tuple[str, date, bool], KpiSnapshot],
    targets: dict,
    filtered: bool,
    standing: dict[int, Standing],
) -> ReportRow:
    now = found.get((kpi.key, period.start, filtered))
    before = found.get((kpi.key, other.start, filtered)) if other else None
    value = now.value if now else None
    compare_value = before.value if before else None
    moved = change_between(value, compare_value, unit=kpi.unit, direction=kpi.direction)
    target = None
    if period.grain != "year":
        quarter = Period.containing("quarter", period.last_month)
        found_target = targets.get((kpi.key, quarter.start, filtered))
        if found_target is not None and period.grain == "month":
            # Beside a month, the month's milestone on the way (KPIS.md, "Milestones").
            stands = standing.get(found_target.pk)
            milestone = month_milestone(
                kind=kpi.kind, target=found_target.value,
                start=stands.start if stands else None,
                position=period.first_month - quarter.first_month + 1,
            )  # fmt: skip
            target = Decimal(milestone.numerator) / Decimal(milestone.denominator)
        elif found_target is not None:
            target = found_target.value
    return ReportRow(
        period=period,
        value=value,
        reason=now.reason if now else "",
        partial=bool(now and now.partial),
        compare_period=other,
        compare_value=compare_value,
        change=moved.amount,
        change_in_points=moved.in_points,
        change_absolute=moved.absolute,
        change_good=moved.good,
        target=target,
    )
