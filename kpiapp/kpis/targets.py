"""Quarterly targets: met or not, progress, pacing status and projection (KPIS.md, "Targets:
direction, verdicts, progress and pacing"). Pure functions over exact numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from kpiapp.kpis.periods import Period, month_index

Status = Literal["on_track", "at_risk", "off_track", "hit", "missed"]
Number = Fraction | Decimal | int

AT_RISK_SHARE = Fraction(8, 10)  # higher-is-better stocks and flows: progress ≥ 0.8 × elapsed
AT_RISK_OVER = Fraction(12, 10)  # lower-is-better flows: up to 1.2 × the pro-rata target
AT_RISK_RELATIVE = Fraction(1, 10)  # rates, ratios and means: within 10 % of the target


@dataclass(frozen=True)
class Pacing:
    """Where a KPI stands against its quarterly target on a given day."""

    elapsed: Fraction  # share of the quarter's days passed, today included
    progress: Fraction | None  # stocks and flows; None for rates, ratios and means
    expected: Fraction | None  # the progress expected by today (= elapsed)
    projection: Fraction | None  # the value expected at the quarter's end, if it can be said
    status: Status | None  # None for a neutral KPI


def _f(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def quarter_elapsed(quarter: Period, today: date) -> Fraction:
    """Days of the quarter passed (today included) / days of the quarter; 0 before it, 1
    after it."""
    if today < quarter.start:
        return Fraction(0)
    if today >= quarter.end:
        return Fraction(1)
    return Fraction((today - quarter.start).days + 1, (quarter.end - quarter.start).days + 1)


def is_met(value: Number, target: Number, direction: str) -> bool:
    if direction == "down":
        return _f(value) <= _f(target)
    return _f(value) >= _f(target)


def pace(
    *,
    kind: str,
    direction: str,
    target: Number,
    current: Number,
    quarter: Period,
    today: date,
    start: Number | None = None,
) -> Pacing:
    """Progress and status of a KPI's `current` value (a stock's state now, a flow's sum so
    far, a rate's value so far) against its `target` for `quarter`. Stocks also need their
    value at the quarter's start. A quarter that has ended is hit or missed."""
    elapsed = quarter_elapsed(quarter, today)
    target_, current_ = _f(target), _f(current)
    progress = projection = None
    if kind == "state":
        base = _f(start if start is not None else 0)
        if target_ == base:
            progress = Fraction(1 if is_met(current_, target_, direction) else 0)
        else:
            progress = (current_ - base) / (target_ - base)
        if elapsed:
            projection = base + (current_ - base) / elapsed
    elif kind == "flow":
        progress = current_ / target_ if target_ else None
        if elapsed:
            projection = current_ / elapsed
    ended = month_index(today) > quarter.last_month
    if direction == "neutral":
        status: Status | None = None
    elif ended:
        status = "hit" if is_met(current_, target_, direction) else "missed"
    else:
        status = _status(kind, direction, target_, current_, progress, elapsed)
    expected = elapsed if progress is not None else None
    return Pacing(elapsed, progress, expected, projection, status)


def _status(
    kind: str,
    direction: str,
    target: Fraction,
    current: Fraction,
    progress: Fraction | None,
    elapsed: Fraction,
) -> Status:
    if kind == "flow" and direction == "down":
        allowed = target * elapsed
        if current <= allowed:
            return "on_track"
        return "at_risk" if current <= allowed * AT_RISK_OVER else "off_track"
    if kind in ("state", "flow") and progress is not None:
        if progress >= elapsed:
            return "on_track"
        return "at_risk" if progress >= elapsed * AT_RISK_SHARE else "off_track"
    # Rates, ratios and means: the quarter's value so far against the target itself.
    if is_met(current, target, direction):
        return "on_track"
    gap = abs(current - target)
    return "at_risk" if gap <= abs(target) * AT_RISK_RELATIVE else "off_track"
