"""How values read on the pages: rounded half-up (never cut off), in the locale's format."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils import translation

import pytest

from kpiapp.templatetags.kpi_format import (
    kpi_points,
    kpi_value,
    money,
    signed_percent,
    unit_suffix,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "unit", "english", "german"),
    [
        (Decimal("0.02967"), "rate", f"3.0{NBSP}%", f"3,0{NBSP}%"),
        (Decimal("1234.565"), "money", "€1,234.57", f"1.234,57{NBSP}€"),
        (Fraction(2, 3), "money", "€0.67", f"0,67{NBSP}€"),
        (Decimal("-0.004"), "money", "€0.00", f"0,00{NBSP}€"),
        (Decimal("27.45"), "days", f"27.5{NBSP}days", f"27,5{NBSP}Tage"),
        (Decimal("1"), "days", f"1.0{NBSP}days", f"1,0{NBSP}Tage"),  # a decimal takes the plural
        (Decimal("10.449"), "months", f"10.4{NBSP}months", f"10,4{NBSP}Monate"),
        (Decimal("2.5"), "count", "3", "3"),
        (Decimal("129.000000"), "number", "129", "129"),  # a custom KPI: no needless decimals
        (Decimal("3.14159"), "number", "3.14", "3,14"),
        (Decimal("99.85"), "percent", f"99.85{NBSP}%", f"99,85{NBSP}%"),
        (Decimal("99.996"), "percent", f"100{NBSP}%", f"100{NBSP}%"),
    ],
)
def test_values_are_rounded_half_up_in_both_languages(value, unit, english, german):
    with translation.override("en"):
        assert kpi_value(value, unit) == english
    with translation.override("de"):
        assert kpi_value(value, unit) == german


def test_changes_round_too():
    with translation.override("de"):
        assert signed_percent(Decimal("0.03251")) == f"+3,3{NBSP}%"
        assert kpi_points(Decimal("-0.00449")).startswith("−0,4")
        assert money(199.5) == f"2,00{NBSP}€"


@pytest.mark.parametrize(
    ("unit", "english", "german"),
    [
        ("rate", f"{NBSP}%", f"{NBSP}%"),
        ("percent", f"{NBSP}%", f"{NBSP}%"),
        ("days", f"{NBSP}days", f"{NBSP}Tage"),
        ("months", f"{NBSP}months", f"{NBSP}Monate"),
        ("money", "", ""),
        ("count", "", ""),
    ],
)
def test_charts_label_their_axes_and_tooltips_with_the_unit(unit, english, german):
    with translation.override("en"):
        assert unit_suffix(unit) == english
    with translation.override("de"):
        assert unit_suffix(unit) == german
