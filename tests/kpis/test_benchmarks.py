"""The built-in benchmark library, choosing its row and the verdict (BENCHMARKS.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpiapp.kpis.benchmarks import LIBRARY, Benchmark, choose, verdict
from kpiapp.kpis.registry import KPI_BY_KEY


def test_every_row_names_a_kpi_at_a_grain_with_its_source():
    for row in LIBRARY:
        assert row.key in KPI_BY_KEY and row.grain in ("month", "quarter", "year"), row
        assert row.source, row
        assert (row.high is not None) == (row.form == "band"), row
        if row.high is not None:
            assert row.low < row.high
    assert len(LIBRARY) == 25  # the rows of BENCHMARKS.md


@pytest.mark.parametrize(
    ("key", "grain", "segment", "expected"),
    [
        ("customer_churn_rate", "month", "smb", ("at_most", "0.03", 2017)),  # own segment
        ("customer_churn_rate", "month", "early", ("at_most", "0.03", None)),  # else `all`
        ("nrr", "year", "mid-market", ("point", "1.01", 2025)),  # the newest of `all`
        ("nrr", "year", "enterprise", ("point", "1.1", 2023)),
        ("sales_cycle_days", "quarter", "early", None),  # no row for early, none for all
        ("win_rate", "month", "smb", None),  # only at its own grain
    ],
)
def test_the_row_is_the_segments_else_alls_newest(key, grain, segment, expected):
    row = choose(LIBRARY, key=key, grain=grain, segment=segment)
    if expected is None:
        assert row is None
    else:
        assert (row.form, str(row.low.normalize()), row.year) == expected


def test_a_team_row_wins_over_the_library():
    team = Benchmark("nrr", "year", "team", "point", Decimal("1.05"), source="Our board")
    assert choose([*LIBRARY, team], key="nrr", grain="year", segment="smb") is team


POINT_UP = Benchmark("nrr", "year", "all", "point", Decimal("1.02"))
POINT_DOWN = Benchmark("customer_churn_rate", "month", "all", "point", Decimal("0.0491"))
BAND_UP = Benchmark("grr", "year", "all", "band", Decimal("0.90"), Decimal("0.93"))
BAND_DOWN = Benchmark("sales_cycle_days", "quarter", "smb", "band", Decimal(14), Decimal(30))


@pytest.mark.parametrize(
    ("row", "direction", "value", "expected"),
    [
        (POINT_UP, "up", "1.10", "better"),
        (POINT_UP, "up", "1.00", "on_par"),  # 0.02 off, within 5 % of 1.02 (0.051)
        (POINT_UP, "up", "0.90", "worse"),
        (POINT_DOWN, "down", "0.05", "on_par"),  # 0.0009 off, within 0.002455
        (POINT_DOWN, "down", "0.03", "better"),  # lower churn is better
        (POINT_DOWN, "down", "0.06", "worse"),
        (BAND_UP, "up", "0.95", "better"),
        (BAND_UP, "up", "0.93", "on_par"),  # the band includes its ends
        (BAND_UP, "up", "0.85", "worse"),
        (BAND_DOWN, "down", "12", "better"),  # a shorter cycle is better
        (BAND_DOWN, "down", "31", "worse"),
    ],
)
def test_verdicts_follow_the_kpis_direction(row, direction, value, expected):
    assert verdict(row, Decimal(value), direction) == expected


def test_thresholds_give_only_better_or_worse():
    at_least = Benchmark("quick_ratio", "month", "all", "at_least", Decimal(4))
    at_most = Benchmark("cac_payback_months", "month", "all", "at_most", Decimal(12))
    assert verdict(at_least, Decimal(4), "up") == "better"
    assert verdict(at_least, Decimal("3.99"), "up") == "worse"
    assert verdict(at_most, Decimal(12), "down") == "better"
    assert verdict(at_most, Decimal("12.01"), "down") == "worse"
    assert verdict(at_most, Decimal(1), "neutral") is None
