"""What a database column can hold, read from the model fields: one place for the import's
check, so that a value the write would refuse (an integer out of range, a decimal with too
many digits before the point, text longer than `max_length`) is named on its line and column
instead of failing the whole write.

Integer ranges are PostgreSQL's (Django's `integer_field_ranges`), whatever database runs:
SQLite stores wider integers, but a file that passes the check must import in production.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

Check = Callable[[Any], str | None]  # a value -> the problem, or None

INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


def _integer_check(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, int) and not low <= value <= high:
            if value > high:
                return _("Too large to store; at most %(max)s.") % {"max": high}
            return _("Too small to store; at least %(min)s.") % {"min": low}
        return None

    return check


def _decimal_check(max_digits: int, places: int) -> Check:
    whole_digits = max_digits - places
    limit = Decimal(10) ** whole_digits

    def check(value: Any) -> str | None:
        if isinstance(value, Decimal) and abs(value) >= limit:
            return _("Too large to store; at most %(digits)s digits before the decimal point.") % {
                "digits": whole_digits
            }
        return None

    return check


def _length_check(max_length: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, str) and len(value) > max_length:
            return _("Too long; at most %(max)s characters.") % {"max": max_length}
        return None

    return check


def _check_for(field: models.Field) -> Check | None:
    if field.is_relation or field.primary_key:
        return None  # ids come from the database itself
    internal = field.get_internal_type()
    if internal in INTEGER_RANGES:
        return _integer_check(*INTEGER_RANGES[internal])
    if isinstance(field, models.DecimalField):
        return _decimal_check(field.max_digits, field.decimal_places)
    if isinstance(field, models.CharField) and field.max_length:
        return _length_check(field.max_length)
    return None


@cache
def column_checks(model: type[models.Model]) -> dict[str, Check]:
    """Per attribute name (`amount_cents`, `employees`, …) the check of its column."""
    checks = {}
    for field in model._meta.concrete_fields:
        check = _check_for(field)
        if check is not None:
            checks[field.attname] = check
    return checks


def problems(model: type[models.Model], attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(attribute, message) for each value in `attrs` that its column cannot hold."""
    checks = column_checks(model)
    found = []
    for name, value in attrs.items():
        check = checks.get(name)
        if check is not None and value is not None and (message := check(value)):
            found.append((name, message))
    return found


def column_problems(
    model: type[models.Model], attr: str, values: list[Any]
) -> list[tuple[int, str]]:
    """(position, message) for each of a column's values that it cannot hold: the check of
    `problems`, run per value only when a quick look at the whole column (longest text,
    smallest and largest number) finds that some value may not fit."""
    check = column_checks(model).get(attr)
    if check is None or _all_fit(cast(models.Field, model._meta.get_field(attr)), values):
        return []
    return [(i, m) for i, value in enumerate(values) if value is not None and (m := check(value))]


def _all_fit(field: models.Field, values: list[Any]) -> bool:
    kinds = set(map(type, values))  # one look at the types, in C
    kinds.discard(type(None))
    # Without None, and without "" and 0, which fit every text and integer column.
    given = list(filter(None, values))
    if isinstance(field, models.CharField) and field.max_length:
        if not all(issubclass(kind, str) for kind in kinds):
            return False
        return max(map(len, given), default=0) <= field.max_length
    internal = field.get_internal_type()
    if internal in INTEGER_RANGES:
        low, high = INTEGER_RANGES[internal]
        if kinds - {int}:
            return False
        return not given or (low <= min(given) and max(given) <= high)
    return False  # decimals: few columns, checked value by value
