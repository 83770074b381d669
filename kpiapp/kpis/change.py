"""How a KPI moved between two periods, and whether that is good: one rule for the dashboard's
tiles and the reports (KPIS.md, "Direction")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Change:
    amount: Decimal | None  # in points for rates, else relative (None from a base of 0)
    in_points: bool
    good: bool | None  # None: no change, no base, or a KPI without a better direction


NO_CHANGE = Change(None, False, None)


def value_change(value: Decimal, before: Decimal, unit: str) -> tuple[Decimal | None, bool]:
    """The change from `before` to `value`: in points for rates, else relative (None from 0)."""
    if unit == "rate":
        return value - before, True
    if before == 0:
        return None, False
    return value / before - 1, False


def change_between(
    value: Decimal | None, before: Decimal | None, *, unit: str, direction: str
) -> Change:
    if value is None or before is None:
        return NO_CHANGE
    amount, in_points = value_change(value, before, unit)
    good = None
    if amount is not None and amount != 0 and direction != "neutral":
        good = (amount > 0) == (direction == "up")
    return Change(amount, in_points, good)
