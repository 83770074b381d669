"""A KPI's forecast to its quarter's end (KPIS.md, 8. "Forecast to the quarter's end").

Pure functions over plain numbers (floats: a forecast is an estimate, not a figure to the
cent); the selectors gather the months and the open deals.

- Stocks, method `trend`: least squares through the end values of the last 6 complete months
  (4 or 5 when there are only those), read at the quarter's last month; band ± s × √h with s
  the residuals' standard deviation (divisor n − 2) and h the months from the last complete
  month to the quarter's last month. Fewer than 4 complete months: no forecast.
- Flows, method `trend`: the quarter-to-date sum + d × the days left after today, d = the sum of
  the last 3 complete months / their days; band ± the standard deviation of the last 6 complete
  months' sums × (days left / 30.44).
- Pipeline, method `pipeline` (`deals_won`, `mrr_new`): the quarter to date + Σ stage
  probability × contribution of the open deals expected to close from tomorrow to the quarter's
  end. Band (ours; KPIS.md names none): ± 1.28 standard deviations of the sum of independent
  won/lost outcomes, an 80 % band, never below what the quarter has.
- Rates, ratios and means, method `so_far`: the value so far; no band.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Number = Fraction | Decimal | int | float
Method = Literal["trend", "pipeline", "so_far", "actual"]

STOCK_WINDOW, STOCK_MIN = 6, 4  # complete months
FLOW_RATE_MONTHS, FLOW_SPREAD_MONTHS = 3, 6
FLOW_MIN = 3
DAYS_PER_MONTH = 30.44
Z80 = 1.2816  # the normal quantile of a two-sided 80 % band


@dataclass(frozen=True)
class Forecast:
    value: float
    low: float
    high: float
    method: Method


@dataclass(frozen=True)
class NoForecast:
    reason: Literal["too_little_history", "no_open_pipeline", "no_value_yet"]


Outcome = Forecast | NoForecast


def _window(history: Sequence[tuple[int, Number | None]], size: int) -> list[tuple[int, float]]:
    """The last `size` complete months that have a value, as (month index, value)."""
    known = [(m, float(v)) for m, v in history if v is not None]
    return known[-size:]


def stock_trend(history: Sequence[tuple[int, Number | None]], quarter_last_month: int) -> Outcome:
    """A stock at the quarter's last month from its complete months `history` ((month index,
    end value), oldest first)."""
    window = _window(history, STOCK_WINDOW)
    if len(window) < STOCK_MIN:
        return NoForecast("too_little_history")
    xs, ys = [m for m, _ in window], [v for _, v in window]
    n, mean_x, mean_y = len(window), statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    s = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    h = max(0, quarter_last_month - xs[-1])
    value = intercept + slope * quarter_last_month
    spread = s * math.sqrt(h)
    return Forecast(value, value - spread, value + spread, "trend")


def flow_trend(
    history: Sequence[tuple[int, Number | None, int]], so_far: Number, days_left: int
) -> Outcome:
    """A flow's quarter sum: the quarter to date `so_far` (today included) + the daily run rate
    of the last 3 complete months × `days_left` after today. `history`: (month index, sum, days
    in the month) of complete months, oldest first."""
    known = [(m, float(v), d) for m, v, d in history if v is not None]
    if len(known) < FLOW_MIN:
        return NoForecast("too_little_history")
    last3 = known[-FLOW_RATE_MONTHS:]
    daily = sum(v for _, v, _ in last3) / sum(d for _, _, d in last3)
    value = float(so_far) + daily * days_left
    last6 = [v for _, v, _ in known[-FLOW_SPREAD_MONTHS:]]
    spread = statistics.stdev(last6) * (days_left / DAYS_PER_MONTH) if len(last6) > 1 else 0.0
    return Forecast(value, value - spread, value + spread, "trend")


def so_far(value: Number | None) -> Outcome:
    """Rates, ratios and means: the value so far (no band)."""
    if value is None:
        return NoForecast("no_value_yet")
    v = float(value)
    return Forecast(v, v, v, "so_far")


@dataclass(frozen=True)
class OpenDeal:
    probability: Number  # 0..1, the chance of its stage
    contribution: Number  # what winning it adds: 1 deal, or its amount / 12 as new MRR


def pipeline(quarter_to_date: Number, deals: Sequence[OpenDeal]) -> Outcome:
    """The quarter to date + the open deals expected to close in the rest of it, weighted."""
    if not deals:
        return NoForecast("no_open_pipeline")
    base = float(quarter_to_date)
    expected = sum(float(d.probability) * float(d.contribution) for d in deals)
    variance = sum(
        float(d.probability) * (1 - float(d.probability)) * float(d.contribution) ** 2
        for d in deals
    )
    spread = Z80 * math.sqrt(variance)
    value = base + expected
    return Forecast(value, max(base, value - spread), value + spread, "pipeline")


def absolute_percentage_error(forecast: float, actual: float) -> float | None:
    """|forecast − actual| / |actual|; None when the actual is 0 (left out of the mean)."""
    if actual == 0:
        return None
    return abs(forecast - actual) / abs(actual)
