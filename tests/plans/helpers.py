"""The trailing figures of the golden plan example (tests/kpis/test_plan.py) written as the KPI
engine's monthly snapshots by channel, so the plan's reads, the service and the API can be
checked against numbers computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from kpiapp.models import Channel, KpiSnapshot
from kpiapp.models.marketing import name_key

# channel -> kpi -> (numerator, denominator or None), all in October 2026
FIGURES = {
    "Paid Ads": {
        "mrr_new": (6000, None),
        "customers_new": (12, None),
        "win_rate": (10, 40),
        "sql_to_opportunity_rate": (40, 80),
        "lead_to_sql_rate": (80, 400),
        "visitor_to_lead_rate": (400, 20000),
        "cost_per_lead": (20000, 400),
        "sales_cycle_days": (600, 12),
    },
    "Partner": {
        "mrr_new": (4000, None),
        "customers_new": (4, None),
        "win_rate": (4, 8),
        "sql_to_opportunity_rate": (8, 10),
        "lead_to_sql_rate": (10, 20),
        "cost_per_lead": (0, 20),
        "sales_cycle_days": (360, 4),
    },
}
OCTOBER = date(2026, 10, 1)
Q4 = date(2026, 10, 1)


def snapshot(key: str, start: date, value, *, grain: str = "month", channel: str | None = None,
             numerator=None, denominator=None) -> KpiSnapshot:  # fmt: skip
    return KpiSnapshot.objects.create(
        kpi_key=key, grain=grain, period_start=start, dimension="channel" if channel else "",
        dimension_value=channel or "", value=None if value is None else Decimal(value),
        numerator=None if numerator is None else Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        computed_at=timezone.now(),
    )  # fmt: skip


def write_trailing_figures(month: date = OCTOBER) -> None:
    """Inside a workspace scope: the two channels and their figures in `month` (October 2026
    unless told); the MRR at the end of September 2026 (100.000 €) for ARR goals."""
    for name, figures in FIGURES.items():
        Channel.objects.create(name=name, key=name_key(name))
        for key, (top, bottom) in figures.items():
            value = Decimal(top) / Decimal(bottom) if bottom else Decimal(top)
            snapshot(key, month, value, channel=name, numerator=top, denominator=bottom)
    snapshot("mrr", date(2026, 9, 1), "100000.00")


def write_quarter_so_far(values: dict[tuple[str, str], int]) -> None:
    """Q4 2026 values so far of (kpi, channel)."""
    for (key, channel), value in values.items():
        snapshot(key, Q4, value, grain="quarter", channel=channel, numerator=value)
