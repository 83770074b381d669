"""A forecast of a KPI to its quarter's end (issue 18; the method is stated in README, "Forecast").

Two methods, both pure functions over plain numbers:

- **Trailing trend** from the last up to six complete months:
  - stocks: compound monthly growth (the geometric mean of the month-over-month factors) when
    every value is positive, else the least-squares linear trend; carried from the latest
    month end to the quarter's end. Band: the smallest and the largest monthly factor (or
    step) of the window, carried the same way.
  - flows: the run rate — the quarter's sum so far plus the months still to come at the mean
    of the window's months. Band: the window's slowest and fastest month.
  - rates, ratios and means held against the mean of the months: the months done plus the
    months to come at the window's mean. Band: the window's lowest and highest month.
  - rates held against the quarter's own value: the mean of the last up to four complete
    quarters. Band: their lowest and highest.
  Fewer than three complete months (two quarters) of history: no forecast, and the reason.
- **Weighted open pipeline** (deal and revenue KPIs): what the quarter has so far plus, for
  each open deal expected to close in the rest of the quarter, its stage probability × its
  contribution (1 deal, its new MRR, its services amount). Band: ± 1.28 standard deviations of
  the sum of independent win/lose outcomes (an 80 % band).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Number = Fraction | Decimal | int | float
Method = Literal["trend_compound", "trend_linear", "run_rate", "monthly_mean", "quarter_mean",
                 "pipeline"]  # fmt: skip

WINDOW = 6  # trailing complete months
QUARTER_WINDOW = 4  # trailing complete quarters (rates on the quarter's own value)
MIN_MONTHS = 3
MIN_QUARTERS = 2
Z80 = 1.2816  # the normal quantile of a two-sided 80 % band


@dataclass(frozen=True)
class Forecast:
    value: float
    low: float
    high: float
    method: Method


@dataclass(frozen=True)
class NoForecast:
    reason: Literal["too_little_history", "no_open_pipeline", "quarter_over"]


Outcome = Forecast | NoForecast


def _known(values: Sequence[Number | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _trailing(history: Sequence[Number | None]) -> list[float] | None:
    """The last `WINDOW` months, or None when fewer than `MIN_MONTHS` of them are known or one
    in the middle is missing (a gap makes growth meaningless)."""
    window = list(history)[-WINDOW:]
    while window and window[0] is None:
        window.pop(0)
    if len(window) < MIN_MONTHS or any(v is None for v in window):
        return None
    return [float(v) for v in window]  # type: ignore[arg-type]


def stock_trend(history: Sequence[Number | None], months_to_come: int) -> Outcome:
    """A stock's value at the quarter's end: `history` ends with the latest complete month-end
    value, `months_to_come` month ends lie between it and the quarter's end."""
    window = _trailing(history)
    if window is None:
        return NoForecast("too_little_history")
    last, h = window[-1], max(0, months_to_come)
    if all(v > 0 for v in window):
        factors = [b / a for a, b in zip(window, window[1:], strict=False)]
        growth = (window[-1] / window[0]) ** (1 / (len(window) - 1))
        return Forecast(last * growth**h, last * min(factors) ** h, last * max(factors) ** h,
                        "trend_compound")  # fmt: skip
    n = len(window)
    mean_x, mean_y = (n - 1) / 2, sum(window) / n
    slope = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(window)) / sum(
        (i - mean_x) ** 2 for i in range(n)
    )
    steps = [b - a for a, b in zip(window, window[1:], strict=False)]
    return Forecast(last + slope * h, last + min(steps) * h, last + max(steps) * h,
                    "trend_linear")  # fmt: skip


def flow_run_rate(
    history: Sequence[Number | None], done: Sequence[Number | None], months_to_come: int
) -> Outcome:
    """A flow's quarter sum: the complete months `done` so far plus `months_to_come` at the run
    rate of the last complete months in `history`."""
    window = _trailing(history)
    if window is None:
        return NoForecast("too_little_history")
    so_far, h = sum(_known(done)), max(0, months_to_come)
    rate = sum(window) / len(window)
    return Forecast(so_far + rate * h, so_far + min(window) * h, so_far + max(window) * h,
                    "run_rate")  # fmt: skip


def rate_monthly_mean(
    history: Sequence[Number | None], done: Sequence[Number | None], months_to_come: int
) -> Outcome:
    """The mean of the quarter's monthly values: the defined months `done` plus
    `months_to_come` at the trailing mean."""
    window = _trailing(history)
    if window is None:
        return NoForecast("too_little_history")
    known, h = _known(done), max(0, months_to_come)
    count = len(known) + h
    if count == 0:
        return NoForecast("too_little_history")
    mean = sum(window) / len(window)

    def with_rest(rest: float) -> float:
        return (sum(known) + rest * h) / count

    return Forecast(with_rest(mean), with_rest(min(window)), with_rest(max(window)),
                    "monthly_mean")  # fmt: skip


def rate_quarter_value(quarters: Sequence[Number | None]) -> Outcome:
    """A rate held against the quarter's own value: the mean of the last complete quarters."""
    window = _known(list(quarters)[-QUARTER_WINDOW:])
    if len(window) < MIN_QUARTERS:
        return NoForecast("too_little_history")
    return Forecast(sum(window) / len(window), min(window), max(window), "quarter_mean")


@dataclass(frozen=True)
class OpenDeal:
    probability: Number  # 0..1, the stage's chance to be won
    contribution: Number  # what winning it adds to the KPI (1 deal, its MRR, ...)


def pipeline(so_far: Number, deals: Sequence[OpenDeal]) -> Outcome:
    """What the quarter has `so_far` plus the open deals expected to close in it, weighted by
    their stage probability."""
    if not deals:
        return NoForecast("no_open_pipeline")
    base = float(so_far)
    expected = sum(float(d.probability) * float(d.contribution) for d in deals)
    variance = sum(
        float(d.probability) * (1 - float(d.probability)) * float(d.contribution) ** 2
        for d in deals
    )
    spread = Z80 * math.sqrt(variance)
    low = max(base, base + expected - spread)  # the quarter keeps what it has
    return Forecast(base + expected, low, base + expected + spread, "pipeline")


def absolute_percentage_error(forecast: float, actual: float) -> float | None:
    """|forecast − actual| / |actual|; None when the actual is 0 (undefined)."""
    if actual == 0:
        return None
    return abs(forecast - actual) / abs(actual)
