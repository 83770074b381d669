"""When an alert fires (issue 20), as pure functions over a KPI's values.

- **Threshold**: the value is above (or below) the rule's bound.
- **Change**: the change against the previous period or the same period a year earlier
  reaches the rule's size, either way (relative; in points for rates; never from a base of 0).
- **Anomaly**: the value lies outside mean ± 3 standard deviations (sample, n − 1) of the last
  12 periods before it; with fewer than 6 of them known the band is not drawn and nothing
  fires. A flat history (deviation 0) fires on any other value.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from kpiapp.kpis.change import ABSOLUTE, value_change

ANOMALY_PERIODS = 12
ANOMALY_MIN_PERIODS = 6
ANOMALY_SIGMAS = Decimal(3)


@dataclass(frozen=True)
class Firing:
    condition: str  # above, below, rise, fall, unusually_high, unusually_low
    value: Decimal
    reference: Decimal | None  # the bound, the earlier value or the band's edge


def threshold(value: Decimal, bound: Decimal, *, above: bool) -> Firing | None:
    if above and value > bound:
        return Firing("above", value, bound)
    if not above and value < bound:
        return Firing("below", value, bound)
    return None


def change(value: Decimal, before: Decimal | None, size: Decimal, unit: str) -> Firing | None:
    if before is None:
        return None
    amount, mode = value_change(value, before, unit)
    if mode == ABSOLUTE or abs(amount) < size:  # no percentage of a base of 0 or below
        return None
    return Firing("rise" if amount > 0 else "fall", value, before)


def anomaly(value: Decimal, history: list[Decimal | None]) -> Firing | None:
    known = [v for v in history[-ANOMALY_PERIODS:] if v is not None]
    if len(known) < ANOMALY_MIN_PERIODS:
        return None
    mean = statistics.fmean(float(v) for v in known)
    spread = statistics.stdev(float(v) for v in known)
    high = Decimal(str(mean)) + ANOMALY_SIGMAS * Decimal(str(spread))
    low = Decimal(str(mean)) - ANOMALY_SIGMAS * Decimal(str(spread))
    if value > high:
        return Firing("unusually_high", value, high)
    if value < low:
        return Firing("unusually_low", value, low)
    return None
