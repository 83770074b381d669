"""Target progress, pacing and projection (KPIS.md, Targets), on fixed dates."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from kpiapp.kpis.periods import Period
from kpiapp.kpis.targets import pace, quarter_elapsed

Q1 = Period("quarter", 2025 * 12)  # 2025-01-01 .. 2025-03-31, 90 days
MID = date(2025, 2, 14)  # 31 + 14 = 45 days passed, today included: elapsed 1/2


def test_elapsed_counts_today_and_stops_at_the_ends():
    assert quarter_elapsed(Q1, MID) == Fraction(1, 2)
    assert quarter_elapsed(Q1, date(2025, 1, 1)) == Fraction(1, 90)
    assert quarter_elapsed(Q1, date(2024, 12, 31)) == 0
    assert quarter_elapsed(Q1, date(2025, 3, 31)) == 1


@pytest.mark.parametrize(
    ("current", "progress", "status"),
    [
        (115_000, Fraction(1, 2), "on_track"),  # (115 − 100) / (130 − 100) = 0.5 ≥ 0.5
        (113_000, Fraction(13, 30), "at_risk"),  # 0.433 ≥ 0.8 × 0.5
        (110_000, Fraction(1, 3), "off_track"),  # 0.333 < 0.4
    ],
)
def test_a_stock_paces_from_its_value_at_the_quarter_start(current, progress, status):
    p = pace(
        kind="state",
        direction="up",
        target=130_000,
        current=current,
        quarter=Q1,
        today=MID,
        start=100_000,
    )
    assert (p.progress, p.status, p.expected) == (progress, status, Fraction(1, 2))
    assert p.projection == 100_000 + (current - 100_000) * 2  # start + gain / elapsed


def test_a_stock_whose_target_is_its_start_value_is_all_or_nothing():
    met = pace(
        kind="state", direction="up", target=100, current=100, quarter=Q1, today=MID, start=100
    )
    short = pace(
        kind="state", direction="up", target=100, current=99, quarter=Q1, today=MID, start=100
    )
    assert (met.progress, met.status) == (1, "on_track")
    assert (short.progress, short.status) == (0, "off_track")


def test_a_lower_is_better_stock_paces_downwards():
    # Pending churn from 10,000 down to 6,000; now 8,000: progress (8 − 10) / (6 − 10) = 0.5.
    p = pace(
        kind="state",
        direction="down",
        target=6_000,
        current=8_000,
        quarter=Q1,
        today=MID,
        start=10_000,
    )
    assert (p.progress, p.status) == (Fraction(1, 2), "on_track")


@pytest.mark.parametrize(
    ("so_far", "status"), [(15, "on_track"), (13, "at_risk"), (11, "off_track")]
)
def test_a_higher_is_better_flow_compares_progress_with_elapsed(so_far, status):
    p = pace(kind="flow", direction="up", target=30, current=so_far, quarter=Q1, today=MID)
    assert p.progress == Fraction(so_far, 30)
    assert p.projection == so_far * 2  # sum / elapsed
    assert p.status == status


@pytest.mark.parametrize(("so_far", "status"), [(5, "on_track"), (6, "at_risk"), (7, "off_track")])
def test_a_lower_is_better_flow_must_stay_under_its_pro_rata_target(so_far, status):
    # Target 10 churned customers: on track while ≤ 10 × 0.5 = 5; at risk up to 1.2 × 5 = 6.
    p = pace(kind="flow", direction="down", target=10, current=so_far, quarter=Q1, today=MID)
    assert p.status == status


@pytest.mark.parametrize(
    ("kind", "direction", "target", "current", "status"),
    [
        ("rate", "up", "1.00", "1.02", "on_track"),  # NRR meets its target
        ("rate", "up", "1.00", "0.95", "at_risk"),  # 5 % short: within 10 %
        ("rate", "up", "1.00", "0.85", "off_track"),
        ("rate", "down", "0.03", "0.02", "on_track"),  # churn under its target
        ("rate", "down", "0.03", "0.031", "at_risk"),  # 0.001 over: within 0.003
        ("ratio", "down", "5000", "5600", "off_track"),  # CAC 12 % over
        ("mean", "up", "2000", "1900", "at_risk"),  # deal size 5 % short
    ],
)
def test_rates_ratios_and_means_compare_the_value_so_far_with_the_target(
    kind, direction, target, current, status
):
    p = pace(
        kind=kind,
        direction=direction,
        target=Fraction(target),
        current=Fraction(current),
        quarter=Q1,
        today=MID,
    )
    assert (p.status, p.progress, p.projection) == (status, None, None)


@pytest.mark.parametrize(
    ("kind", "direction", "target", "value", "status"),
    [
        ("flow", "up", 30, 31, "hit"),
        ("flow", "up", 30, 29, "missed"),
        ("flow", "down", 10, 10, "hit"),
        ("rate", "down", Fraction(3, 100), Fraction(4, 100), "missed"),
    ],
)
def test_a_past_quarter_is_hit_or_missed(kind, direction, target, value, status):
    p = pace(
        kind=kind,
        direction=direction,
        target=target,
        current=value,
        quarter=Q1,
        today=date(2025, 4, 2),
        start=0,
    )
    assert p.elapsed == 1 and p.status == status


def test_a_neutral_kpi_has_no_status():
    p = pace(kind="flow", direction="neutral", target=100, current=10, quarter=Q1, today=MID)
    assert p.status is None and p.progress == Fraction(1, 10)
