"""The forecast methods on fixed series, figures worked out by hand (kpiapp.kpis.forecast)."""

from __future__ import annotations

import math

import pytest

from kpiapp.kpis import forecast as f


def test_a_stock_with_steady_growth_compounds_to_the_quarter_end():
    history = [100, 110, 121, 133.1]  # +10 % a month
    got = f.stock_trend(history, months_to_come=2)
    assert got.method == "trend_compound"
    assert got.value == pytest.approx(133.1 * 1.21)
    assert got.low == pytest.approx(133.1 * 1.21) and got.high == pytest.approx(133.1 * 1.21)


def test_a_stock_band_uses_the_slowest_and_fastest_month():
    history = [100, 105, 115.5, 115.5]  # +5 %, +10 %, 0 %
    got = f.stock_trend(history, months_to_come=1)
    assert got.value == pytest.approx(115.5 * (1.155) ** (1 / 3))
    assert got.low == pytest.approx(115.5) and got.high == pytest.approx(127.05)


def test_a_stock_through_zero_uses_the_linear_trend():
    history = [-20, -10, 0, 10]  # net new MRR-like series, +10 a month
    got = f.stock_trend(history, months_to_come=3)
    assert got.method == "trend_linear" and got.value == pytest.approx(40)


def test_only_the_last_six_months_count():
    history = [1, 1, 1, 100, 100, 100, 100, 100, 100]
    assert f.stock_trend(history, 3).value == pytest.approx(100)


@pytest.mark.parametrize("history", [[], [100], [100, 110], [100, None, 120, 130]])
def test_too_little_history_is_said_not_drawn(history):
    assert f.stock_trend(history, 2) == f.NoForecast("too_little_history")
    assert f.flow_run_rate(history, [], 2) == f.NoForecast("too_little_history")


def test_a_flow_runs_at_the_trailing_monthly_mean():
    history = [10, 20, 30, 20]  # mean 20
    got = f.flow_run_rate(history, done=[25], months_to_come=2)
    assert got.method == "run_rate"
    assert (got.value, got.low, got.high) == (65, 45, 85)


def test_a_rate_on_the_monthly_mean_mixes_months_done_and_the_trailing_mean():
    history = [0.02, 0.03, 0.04]  # mean 0.03
    got = f.rate_monthly_mean(history, done=[0.06], months_to_come=2)
    assert got.value == pytest.approx(0.04)
    assert got.low == pytest.approx((0.06 + 0.04) / 3) and got.high == pytest.approx(0.14 / 3)


def test_a_rate_on_the_quarter_value_is_the_mean_of_the_last_quarters():
    got = f.rate_quarter_value([0.09, 0.05, 0.07, 0.06, 0.08])  # the last four count
    assert got.value == pytest.approx(0.065) and (got.low, got.high) == (0.05, 0.08)
    assert f.rate_quarter_value([0.07]) == f.NoForecast("too_little_history")


def test_the_pipeline_adds_open_deals_weighted_by_their_stage():
    deals = [f.OpenDeal(0.5, 1000), f.OpenDeal(0.25, 400)]
    got = f.pipeline(2000, deals)
    assert got.method == "pipeline" and got.value == pytest.approx(2600)
    spread = 1.2816 * math.sqrt(0.25 * 1000**2 + 0.1875 * 400**2)
    assert got.high == pytest.approx(2600 + spread)
    assert got.low == pytest.approx(max(2000, 2600 - spread))
    assert f.pipeline(2000, []) == f.NoForecast("no_open_pipeline")


def test_the_percentage_error():
    assert f.absolute_percentage_error(110, 100) == pytest.approx(0.1)
    assert f.absolute_percentage_error(5, 0) is None
