"""How a KPI moved: points for rates, a percentage of a positive base, and from a base of 0 or
below the plain difference in the KPI's unit (issue 19: "−691,1 %" for net new MRR going from
−2.242 € to +13.258 € misled)."""

from __future__ import annotations

from decimal import Decimal as D

from django.utils import translation

import pytest

from kpiapp.kpis.change import ABSOLUTE, POINTS, RELATIVE, change_between
from kpiapp.templatetags.kpi_format import kpi_change


def test_a_positive_base_gives_a_relative_change():
    moved = change_between(D("110"), D("100"), unit="money", direction="up")
    assert (moved.amount, moved.mode, moved.good) == (D("110") / D("100") - 1, RELATIVE, True)


def test_a_rate_moves_in_points():
    moved = change_between(D("0.03"), D("0.02"), unit="rate", direction="down")
    assert (moved.amount, moved.mode, moved.good) == (D("0.01"), POINTS, False)


@pytest.mark.parametrize(
    ("before", "after"), [(D("-2242"), D("13258")), (D("0"), D("500")), (D("-10"), D("-30"))]
)
def test_a_base_of_zero_or_below_gives_the_difference(before, after):
    moved = change_between(after, before, unit="money", direction="up")
    assert moved.mode == ABSOLUTE and moved.absolute and not moved.in_points
    assert moved.amount == after - before
    assert moved.good is (after > before)


def test_no_value_no_change():
    assert change_between(None, D("5"), unit="count", direction="up").amount is None


class Row:
    def __init__(self, before: D, after: D, unit: str) -> None:
        moved = change_between(after, before, unit=unit, direction="up")
        self.change, self.change_in_points = moved.amount, moved.in_points
        self.change_absolute = moved.absolute


def test_the_difference_reads_as_money_with_a_sign_in_both_languages():
    row = Row(D("-2242"), D("13258"), "money")
    with translation.override("de"):
        assert kpi_change(row, "money", "EUR") == "+15.500,00\u00a0€"
    with translation.override("en"):
        assert kpi_change(row, "money", "EUR") == "+€15,500.00"
    with translation.override("de"):
        assert kpi_change(Row(D("0"), D("-4"), "count"), "count") == "−4"
        assert kpi_change(Row(D("100"), D("90"), "money"), "money") == "−10,0\u00a0%"
