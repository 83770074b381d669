"""How targets read on pages: their statement, and their value as a form field holds it."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

from kpiapp.selectors.target_standing import Standing

register = template.Library()


@register.filter
def target_statement(standing: Standing, currency: str = "EUR") -> str:
    """ "MRR am Quartalsende ≥ 280.000 €" (kpiapp.kpis.target_rules.statement)."""
    return standing.statement(currency)


@register.simple_tag
def target_input(value: Decimal, unit: str) -> str:
    """A target as it is typed: rates in percent, the locale's decimal mark, no grouping."""
    shown = Decimal(value) * 100 if unit == "rate" else Decimal(value)
    shown = shown.normalize()
    if shown == shown.to_integral_value():
        shown = shown.quantize(Decimal(1))
    return format(shown, "f").replace(".", formats.get_format("DECIMAL_SEPARATOR"))
