"""The forecast methods of KPIS.md, 8, on fixed series with figures worked out by hand
(kpiapp.kpis.forecast)."""

from __future__ import annotations

import math
import statistics

import pytest

from kpiapp.kpis import forecast as f


def test_a_stock_on_a_straight_line_is_read_at_the_quarters_last_month():
    history = [(m, 1000 + 50 * m) for m in range(10, 16)]  # +50 a month, no scatter
    got = f.stock_trend(history, quarter_last_month=17)
    assert got.method == "trend"
    assert got.value == pytest.approx(1000 + 50 * 17)
    assert got.low == pytest.approx(got.value) and got.high == pytest.approx(got.value)


def test_a_stock_band_is_the_residual_spread_times_root_h():
    history = [(1, 10), (2, 14), (3, 12), (4, 16)]
    # least squares: slope 1.6, intercept 9; residuals -0.6, 1.8, -1.8, 0.6
    s = math.sqrt((0.36 + 3.24 + 3.24 + 0.36) / 2)
    got = f.stock_trend(history, quarter_last_month=6)
    assert got.value == pytest.approx(9 + 1.6 * 6)
    assert got.high - got.value == pytest.approx(s * math.sqrt(2))


def test_only_the_last_six_complete_months_count():
    history = [(m, 1) for m in range(1, 4)] + [(m, 100) for m in range(4, 10)]
    assert f.stock_trend(history, 12).value == pytest.approx(100)


@pytest.mark.parametrize("months", [0, 1, 3])
def test_a_stock_with_fewer_than_four_months_has_no_forecast(months):
    history = [(m, 100) for m in range(months)]
    assert f.stock_trend(history, 6) == f.NoForecast("too_little_history")


def test_a_flow_adds_the_daily_run_rate_of_the_last_three_months():
    history = [(1, 310, 31), (2, 280, 28), (3, 620, 31), (4, 300, 30)]
    # last three: (280 + 620 + 300) / (28 + 31 + 30) a day
    daily = 1200 / 89
    got = f.flow_trend(history, so_far=150, days_left=40)
    assert got.method == "trend" and got.value == pytest.approx(150 + daily * 40)
    spread = statistics.stdev([310, 280, 620, 300]) * 40 / 30.44
    assert got.high == pytest.approx(got.value + spread)
    assert got.low == pytest.approx(got.value - spread)


def test_a_flow_with_fewer_than_three_months_has_no_forecast():
    assert f.flow_trend([(1, 10, 31), (2, None, 28)], 5, 30) == f.NoForecast("too_little_history")


def test_rates_forecast_their_value_so_far_without_a_band():
    got = f.so_far(0.025)
    assert (got.value, got.low, got.high, got.method) == (0.025, 0.025, 0.025, "so_far")
    assert f.so_far(None) == f.NoForecast("no_value_yet")


def test_the_pipeline_adds_open_deals_weighted_by_their_stage():
    deals = [f.OpenDeal(0.5, 1000), f.OpenDeal(0.25, 400)]
    got = f.pipeline(2000, deals)
    assert got.method == "pipeline" and got.value == pytest.approx(2600)
    spread = 1.2816 * math.sqrt(0.25 * 1000**2 + 0.1875 * 400**2)
    assert got.high == pytest.approx(2600 + spread)
    assert got.low == pytest.approx(max(2000, 2600 - spread))
    assert f.pipeline(2000, []) == f.NoForecast("no_open_pipeline")


def test_the_percentage_error_leaves_out_a_zero_actual():
    assert f.absolute_percentage_error(110, 100) == pytest.approx(0.1)
    assert f.absolute_percentage_error(5, 0) is None
