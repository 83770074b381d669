"""MRR movements, the funnel and cohort retention, read from snapshots."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.models import Workspace
from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, month_index
from kpiapp.kpis.registry import COHORT_KEYS, KPI_BY_KEY
from kpiapp.models import KpiSnapshot
from kpiapp.selectors.funnel_maturity import too_young
from kpiapp.selectors.segment_points import segment_cohort_snapshots, shown_snapshots
from kpiapp.selectors.segments import ActiveSegment

MOVEMENTS = (
    ("mrr_new", 1),
    ("mrr_expansion", 1),
    ("mrr_reactivation", 1),
    ("mrr_contraction", -1),
    ("mrr_churn", -1),
    ("mrr_fx_impact", 1),
)
PERIODS_SHOWN = {"month": 24, "quarter": 12, "year": 6}


@dataclass(frozen=True)
class MovementRow:
    period: Period
    values: dict[str, Decimal | None]  # signed: contraction and churn negative
    net: Decimal | None
    mrr: Decimal | None
    partial: bool


def mrr_movements(
    *,
    workspace: Workspace,
    grain: Grain,
    today: date,
    segment: ActiveSegment | None = None,
) -> list[MovementRow]:
    """Each period's movements, net new MRR and MRR; under a segment those of its customers
    (`shown_snapshots`: every movement KPI breaks down by plan, country, channel and campaign,
    and several conditions are computed on demand)."""
    size = MONTHS_IN[grain]
    current = Period.containing(grain, month_index(today))
    first = Period(grain, current.first_month - size * (PERIODS_SHOWN[grain] - 1))
    keys = [k for k, _ in MOVEMENTS] + ["mrr_net_new", "mrr"]
    found: dict[date, dict[str, KpiSnapshot]] = defaultdict(dict)
    for s in shown_snapshots(
        segment or ActiveSegment(),
        workspace=workspace,
        today=today,
        kpis=[KPI_BY_KEY[k] for k in keys],
        grain=grain,
        since=first.start,
    ):
        found[s.period_start][s.kpi_key] = s
    rows = []
    for start in sorted(found):
        points = found[start]

        def value(key: str, points: dict = points) -> Decimal | None:
            return points[key].value if key in points else None

        signed = {
            key: (v * sign if (v := value(key)) is not None else None) for key, sign in MOVEMENTS
        }
        partial = any(s.partial for s in points.values())
        rows.append(
            MovementRow(
                Period.of_start(grain, start), signed, value("mrr_net_new"), value("mrr"), partial
            )
        )
    return rows


FUNNEL_STEPS = (
    # (step, the KPI whose value or numerator counts it)
    ("visits", "visits", "value"),
    ("leads", "leads", "value"),
    ("sqls", "lead_to_sql_rate", "numerator"),
    ("opportunities", "lead_to_opportunity_rate", "numerator"),
    ("customers", "lead_to_customer_rate", "numerator"),
)
FUNNEL_RATES = (
    "visitor_to_lead_rate",
    "lead_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_customer_rate",
)


# Each step counted by the date of the step itself, as the catalogue counts it: SQLs qualified
# in the period, not the period's leads that were ever qualified (the cohort).
FUNNEL_PERIOD_KEYS = {
    "visits": "visits",
    "leads": "leads",
    "sqls": "sqls",
    "opportunities": "opportunities",
    "customers": "customers_new",
}


@dataclass(frozen=True)
class Funnel:
    period: Period
    channel: str | None
    steps: list[tuple[str, Decimal | None]]
    rates: list[tuple[str, Decimal | None]]  # between each step and the next
    # Beside each step its count by the step's own date (the catalogue's), in the steps' order.
    period_counts: list[Decimal | None] = field(default_factory=list)
    # The cohort's steps too young to judge -> the typical days to reach them.
    young: dict[str, int] = field(default_factory=dict)

    @property
    def has_values(self) -> bool:
        """False without a single visit or lead: an empty state instead of empty bars."""
        return any(value for _, value in self.steps)


def funnel(*, period: Period, channel: str | None, today: date | None = None) -> Funnel:
    """Visits, then the period's cohort of leads and how far they got (KPIS.md section 4),
    beside the period's own counts; with `today`, the steps too young to judge."""
    keys = [k for _, k, _ in FUNNEL_STEPS] + list(FUNNEL_RATES) + list(FUNNEL_PERIOD_KEYS.values())
    dimension, value = ("channel", channel) if channel is not None else ("", "")
    found = {
        s.kpi_key: s
        for s in KpiSnapshot.objects.filter(
            kpi_key__in=keys,
            grain=period.grain,
            period_start=period.start,
            dimension=dimension,
            dimension_value=value,
        )
    }
    steps = []
    for step, key, part in FUNNEL_STEPS:
        s = found.get(key)
        steps.append((step, getattr(s, part) if s else None))
    rates = [(key, found[key].value if key in found else None) for key in FUNNEL_RATES]
    counts = [
        found[key].value if (key := FUNNEL_PERIOD_KEYS[step]) in found else None
        for step, _ in steps
    ]
    young = too_young(period=period, today=today, channel=channel) if today else {}
    return Funnel(period, channel, steps, rates, counts, young)


def funnel_channels() -> list[str]:
    return list(
        KpiSnapshot.objects.filter(kpi_key="leads", dimension="channel")
        .values_list("dimension_value", flat=True)
        .distinct()
        .order_by("dimension_value")
    )


@dataclass(frozen=True)
class CohortRow:
    cohort: Period
    size: int
    cells: list[Decimal | None]  # by age in months; None after today


def cohorts(
    *,
    measure: str,
    months: int = 24,
    workspace: Workspace | None = None,
    today: date | None = None,
    segment: ActiveSegment | None = None,
) -> tuple[list[CohortRow], int]:
    """Cohort rows of the last `months` cohorts with their retention by age; under a segment
    (with `workspace` and `today`) its own cohorts, computed on demand: the snapshots hold
    the cohorts of every customer only."""
    key = COHORT_KEYS[0] if measure == "logo" else COHORT_KEYS[1]
    if segment is not None and segment.active and workspace is not None and today is not None:
        snapshots = segment_cohort_snapshots(segment, workspace=workspace, today=today, key=key)
        logo = segment_cohort_snapshots(segment, workspace=workspace, today=today,
                                        key=COHORT_KEYS[0])  # fmt: skip
        sizes_of: dict[date, int] | None = {
            s.period_start: int(s.denominator or 0) for s in logo if s.dimension_value == "0"
        }
    else:
        snapshots = list(
            KpiSnapshot.objects.filter(kpi_key=key, grain="month", dimension="age").only(
                "period_start", "dimension_value", "value", "denominator"
            )
        )
        sizes_of = None
    by_cohort: dict[date, dict[int, KpiSnapshot]] = defaultdict(dict)
    for s in snapshots:
        by_cohort[s.period_start][int(s.dimension_value)] = s
    starts = sorted(by_cohort)[-months:]
    width = max((len(by_cohort[s]) for s in starts), default=0)
    sizes = _cohort_sizes(starts) if sizes_of is None else sizes_of
    rows = []
    for start in starts:
        cells = by_cohort[start]
        values = [cells[a].value if a in cells else None for a in range(width)]
        rows.append(CohortRow(Period.of_start("month", start), sizes.get(start, 0), values))
    return rows, width


def _cohort_sizes(starts: list[date]) -> dict[date, int]:
    return {
        s.period_start: int(s.denominator or 0)
        for s in KpiSnapshot.objects.filter(
            kpi_key=COHORT_KEYS[0],
            grain="month",
            dimension="age",
            dimension_value="0",
            period_start__in=starts,
        ).only("period_start", "denominator")
    }
