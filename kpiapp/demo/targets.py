"""The demo workspace's quarterly targets: the last four quarters (some hit, some missed) and
the current one, so that pacing, milestones and forecasts show from the first visit."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import Membership
from kpiapp.kpis.periods import Period, month_index, month_start
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.kpis.target_rules import MONTHLY_MEAN, measured_on, monthly_mean
from kpiapp.models import KpiSnapshot
from kpiapp.selectors.kpi_lookup import workspace_kpi
from kpiapp.services.targets import target_set

DEMO_TARGET_KPIS = ("mrr", "customers_new", "mrr_new", "customer_churn_rate", "deals_won",
                    "win_rate")  # fmt: skip
PAST_QUARTERS = 4
# Past quarters: a target a little below what happened is hit, a little above it is missed.
HIT, MISSED = Decimal("0.95"), Decimal("1.07")
AMBITION = {"state": Decimal("1.10"), "flow": Decimal("1.10")}  # the current quarter


def _value(kpi: KpiDefinition, grain: str, start: date) -> Decimal | None:
    s = KpiSnapshot.objects.filter(kpi_key=kpi.key, grain=grain, period_start=start,
                                   dimension="").first()  # fmt: skip
    return s.value if s else None


def _actual(kpi: KpiDefinition, quarter: Period) -> Decimal | None:
    """What the target was measured on in `quarter` (a rate on the mean of its months)."""
    if measured_on(kpi.kind) == MONTHLY_MEAN:
        mean, _ = monthly_mean([_value(kpi, "month", month_start(m)) for m in quarter.months])
        return None if mean is None else Decimal(mean.numerator) / Decimal(mean.denominator)
    return _value(kpi, "quarter", quarter.start)


def _rounded(kpi: KpiDefinition, value: Decimal) -> Decimal:
    if kpi.unit == "rate":
        step = Decimal("0.001")
    elif kpi.unit == "money":
        step = Decimal(1000) if abs(value) >= 10000 else Decimal(10)
    else:
        step = Decimal(1)
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _goal(kpi: KpiDefinition, actual: Decimal, hit: bool) -> Decimal:
    factor = HIT if hit else MISSED
    if kpi.direction == "down":
        factor = 2 - factor  # a lower target is the harder one
    return actual * factor


def demo_targets_set(*, membership: Membership, as_of: date) -> int:
    """Set the demo's targets (inside the workspace's scope, after the snapshots are built);
    returns how many were set."""
    current = Period.containing("quarter", month_index(as_of))
    count = 0
    for j, key in enumerate(DEMO_TARGET_KPIS):
        kpi = workspace_kpi(key)
        if kpi is None:
            continue
        for i in range(PAST_QUARTERS, 0, -1):
            quarter = Period("quarter", current.first_month - 3 * i)
            actual = _actual(kpi, quarter)
            if actual is None or actual == 0:
                continue
            hit = (i + j) % 3 != 0  # two of three hit
            count += _set(membership, kpi, quarter, _rounded(kpi, _goal(kpi, actual, hit)))
        count += _current(membership, kpi, current)
    return count


def _current(membership: Membership, kpi: KpiDefinition, quarter: Period) -> int:
    if kpi.kind == "state":
        base = _value(kpi, "month", month_start(quarter.first_month - 1))
    else:
        base = _actual(kpi, quarter.previous())
    if base is None or base == 0:
        return 0
    factor = AMBITION.get(kpi.kind, Decimal("1.03"))
    if kpi.direction == "down":
        factor = 2 - factor
    return _set(membership, kpi, quarter, _rounded(kpi, base * factor))


def _set(membership: Membership, kpi: KpiDefinition, quarter: Period, value: Decimal) -> int:
    target_set(membership=membership, kpi_key=kpi.key, quarter=quarter, value=value)
    return 1
