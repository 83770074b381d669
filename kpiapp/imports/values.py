"""Parsing one cell. Each parser returns a Python value or raises `CellError` with the reason.

Numbers: a point is the decimal separator; in semicolon files a comma is too (German Excel),
and then a point may group thousands. Dates: ISO `YYYY-MM-DD` or `DD.MM.YYYY`; timestamps are
converted to the workspace's time zone and cut to their day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from kpiapp.countries import country_code
from kpiapp.models.money import is_currency


class CellError(ValueError):
    pass


@dataclass(frozen=True)
class CellContext:
    decimal_comma: bool
    time_zone: ZoneInfo
    currency: str  # the workspace's, the default for empty currency cells


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# Spreadsheet programs run a cell that starts like this as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-]?[\d.,\s]+%?$")
# More digits before the point than any column holds (limits.py names the exact bound); a
# guard for the parsers themselves, which would otherwise build enormous integers.
MAX_DIGITS = 40


def text(raw: str, ctx: CellContext) -> str:
    value = raw.strip()
    if value.startswith(_FORMULA_START) and not _NUMBER_LIKE.match(value):
        raise CellError(
            _("Starts with “%(char)s”, which spreadsheets run as a formula; remove it.")
            % {"char": value[0]}
        )
    return value


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("Not a real date.")) from None


def day(raw: str, ctx: CellContext) -> date:
    value = raw.strip()
    if len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)  # the common case, in C
        except ValueError:
            pass
    if m := _ISO_DATE.match(value):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DE_DATE.match(value):
        return _make_date(int(m[3]), int(m[2]), int(m[1]))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CellError(_("Not a date; use YYYY-MM-DD or DD.MM.YYYY.")) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ctx.time_zone)
    return moment.date()


def month(raw: str, ctx: CellContext) -> date:
    value = raw.strip()
    if m := _MONTH.match(value):
        return _make_date(int(m[1]), int(m[2]), 1)
    try:
        first = day(value, ctx)
    except CellError:
        raise CellError(_("Not a month; use YYYY-MM.")) from None
    if first.day != 1:
        raise CellError(_("A month is written YYYY-MM or as the first day of the month."))
    return first


def decimal(raw: str, ctx: CellContext) -> Decimal:
    value = raw.strip().replace(" ", "").replace("\u00a0", "")
    if ctx.decimal_comma and "," in value:
        value = value.replace(".", "").replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        hint = _(" (a decimal comma only in semicolon-separated files)") if "," in value else ""
        raise CellError(_("Not a number%(hint)s.") % {"hint": hint}) from None
    if not number.is_finite():
        raise CellError(_("Not a number."))
    if number and number.adjusted() >= MAX_DIGITS:  # 1e99999 would cost seconds to convert
        raise CellError(_("Too large to store."))
    return number


def non_negative_decimal(raw: str, ctx: CellContext) -> Decimal:
    number = decimal(raw, ctx)
    if number < 0:
        raise CellError(_("Must not be negative."))
    return number


def cents(raw: str, ctx: CellContext) -> int:
    """A money amount in major units (12.50) as integer cents, never rounded silently."""
    value = raw.strip()
    whole_part, dot, fraction = value.partition(".")
    if (
        whole_part.isdigit()
        and len(whole_part) < MAX_DIGITS
        and (not dot or (fraction.isdigit() and len(fraction) <= 2))
    ):
        return int(whole_part) * 100 + (int(fraction.ljust(2, "0")) if dot else 0)  # fast path
    number = non_negative_decimal(raw, ctx)
    scaled = number * 100
    if scaled != scaled.to_integral_value():
        raise CellError(_("Money amounts have at most two decimals."))
    return int(scaled)


def whole(raw: str, ctx: CellContext) -> int:
    value = raw.strip()
    if value.isdigit() and len(value) < MAX_DIGITS:
        return int(value)
    number = non_negative_decimal(raw, ctx)
    if number != number.to_integral_value():
        raise CellError(_("Must be a whole number."))
    return int(number)


def positive_whole(raw: str, ctx: CellContext) -> int:
    number = whole(raw, ctx)
    if number < 1:
        raise CellError(_("Must be at least 1."))
    return number


def percent(raw: str, ctx: CellContext) -> Decimal:
    number = non_negative_decimal(raw.strip().rstrip("%"), ctx)
    if number > 100:
        raise CellError(_("Must be between 0 and 100."))
    if number != round(number, 2):
        raise CellError(_("At most two decimals."))
    return number


def nps_score(raw: str, ctx: CellContext) -> int:
    score = whole(raw, ctx)
    if score > 10:
        raise CellError(_("An NPS score is a whole number from 0 to 10."))
    return score


def positive_rate(raw: str, ctx: CellContext) -> Decimal:
    number = decimal(raw, ctx)
    if number <= 0:
        raise CellError(_("An exchange rate must be greater than 0."))
    return number


def currency(raw: str, ctx: CellContext) -> str:
    code = raw.strip().upper()
    if not is_currency(code):
        raise CellError(_("Not an ISO 4217 currency code such as EUR or USD."))
    return code


def country(raw: str, ctx: CellContext | None) -> str:  # the record form has no cell
    code = country_code(raw)
    if code is None:
        raise CellError(_("Not a country; use an ISO code such as DE or a country name."))
    return code


class Choice:
    """A parser for one of `options` (accepted spelling, case-insensitive → stored value);
    `choices` are the stored values."""

    def __init__(self, options: Mapping[str, str]) -> None:
        self.accepted = {k.casefold(): v for k, v in options.items()}
        self.allowed = ", ".join(sorted(set(options.values())))
        self.choices = sorted(set(options.values()))

    def __call__(self, raw: str, ctx: CellContext) -> str:
        value = self.accepted.get(raw.strip().casefold())
        if value is None:
            raise CellError(_("Not one of: %(allowed)s.") % {"allowed": self.allowed})
        return value


def choice(options: Mapping[str, str]) -> Choice:
    return Choice(options)
