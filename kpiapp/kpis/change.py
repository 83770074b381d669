"""How a KPI moved between two periods, and whether that is good: one rule for the dashboard's
tiles, the KPI pages, the reports (page, CSV, PDF, digest) and alerts (KPIS.md, "Direction").

A rate moves in percentage points; anything else by a percentage of its earlier value, unless
that value is zero or negative: a percentage of it would mislead (net new MRR from −2.242 € to
+13.258 € is not "−691 %"), so the change is the plain difference in the KPI's unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

POINTS = "points"  # a rate's change in percentage points (as a fraction: 0.004 = 0.4 pp)
RELATIVE = "relative"  # a fraction of the earlier value (0.032 = +3.2 %)
ABSOLUTE = "absolute"  # the difference in the KPI's unit (money in major units)


@dataclass(frozen=True)
class Change:
    amount: Decimal | None  # in `mode`; None without both values
    mode: str
    good: bool | None  # None: no change, no values, or a KPI without a better direction

    @property
    def in_points(self) -> bool:
        return self.mode == POINTS

    @property
    def absolute(self) -> bool:
        return self.mode == ABSOLUTE


NO_CHANGE = Change(None, RELATIVE, None)


def value_change(value: Decimal, before: Decimal, unit: str) -> tuple[Decimal, str]:
    """The change from `before` to `value` and how it is measured (POINTS, RELATIVE, ABSOLUTE)."""
    if unit == "rate":
        return value - before, POINTS
    if before <= 0:
        return value - before, ABSOLUTE
    return value / before - 1, RELATIVE


def change_between(
    value: Decimal | None, before: Decimal | None, *, unit: str, direction: str
) -> Change:
    if value is None or before is None:
        return NO_CHANGE
    amount, mode = value_change(value, before, unit)
    good = None
    if amount != 0 and direction != "neutral":
        good = (amount > 0) == (direction == "up")
    return Change(amount, mode, good)
