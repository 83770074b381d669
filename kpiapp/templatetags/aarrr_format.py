"""The AARRR page's one figure of its own: how far a stage is from its mark."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django import template

from kpiapp.templatetags.kpi_format import number

register = template.Library()


@register.filter
def shortfall(value: Fraction | None) -> str:
    """A relative shortfall (Fraction(1, 25)) as percent with one decimal: "4.0 %", "4,0 %"."""
    if value is None:
        return "–"
    shown = Decimal(value.numerator) / Decimal(value.denominator) * 100
    return f"{number(shown, 1)}\u00a0%"
