"""Money is stored as integer cents with an ISO 4217 currency code."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

import pycountry


def is_currency(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


def validate_currency(code: str) -> None:
    if not is_currency(code):
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code."), params={"code": code}
        )


def major_units(cents: int | Decimal) -> Decimal:
    """Stored cents as the amount people read and type: 123450 -> Decimal("1234.50")."""
    return Decimal(cents) / 100


def cents_of(amount: Decimal) -> int:
    """An amount in major units as stored cents (forms check it has at most two places)."""
    return int(amount * 100)
