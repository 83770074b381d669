"""Money is stored as integer cents with an ISO 4217 currency code."""

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
