"""The one CSV dialect of every file Kennzahl writes: German files use `;`, a decimal comma and
a byte order mark (Excel opens them right), English ones `,` and a point. Text cells that a
spreadsheet would run as a formula are neutralised; numbers are never touched."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A leading apostrophe makes a spreadsheet show a formula-like cell as text (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def uses_decimal_comma(language: str) -> bool:
    return language.startswith("de")


def number_text(
    value: Decimal | Fraction | float | None, *, decimal_comma: bool, places: int | None = None
) -> str:
    """A number as a plain decimal: `places` digits after the point, or as many as it has."""
    if value is None:
        return ""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if places is not None:
        text = f"{value:.{places}f}"
    else:
        text = format(value.normalize() if isinstance(value, Decimal) else value, "f")
    return text.replace(".", ",") if decimal_comma else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]], *, language: str) -> Iterator[str]:
    """Rows as CSV text in the language's dialect, ready to stream. Text cells must already be
    neutralised (`neutralise`)."""
    german = uses_decimal_comma(language)
    writer = csv.writer(_Echo(), delimiter=";" if german else ",", lineterminator="\r\n")
    if german:
        yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)
