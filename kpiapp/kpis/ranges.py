"""A report's period range, resolved on the day it is viewed (PRODUCT.md capability 6).

Relative ranges count closed periods back from today in the workspace's time zone:
- `last_closed_month`: the last month that has ended;
- `last_closed_quarter`: the last quarter that has ended;
- `last_n_months:N`: the N months that end with the last closed period of the report's grain
  (so a quarterly report of 12 months shows four whole quarters);
- `quarter_to_date`: the current quarter, from its first month up to the current one.
An absolute range runs from the period containing `start` to the one containing `end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, month_index, parse_period, periods_between
from kpiapp.plausibility import DATE_WINDOW, month_in_window

RELATIVE_KINDS = ("last_closed_month", "last_closed_quarter", "last_n_months", "quarter_to_date")
MAX_MONTHS = 120


class RangeError(ValueError):
    """A range that cannot be shown; `field` names the offending setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ResolvedRange:
    grain: Grain
    first_month: int
    last_month: int

    @property
    def periods(self) -> list[Period]:
        return periods_between(self.grain, self.first_month, self.last_month)


def parse_range_code(code: str) -> tuple[str, int | None]:
    """`last_n_months:12` → ("last_n_months", 12); other relative codes → (code, None)."""
    kind, _sep, count = code.partition(":")
    if kind not in RELATIVE_KINDS:
        raise RangeError("range", _("Unknown period range “%(code)s”.") % {"code": code})
    if kind == "last_n_months":
        if not count.isdigit() or not 1 <= int(count) <= MAX_MONTHS:
            raise RangeError(
                "range", _("Write last_n_months:N with N from 1 to %(max)d.") % {"max": MAX_MONTHS}
            )
        return kind, int(count)
    if count:
        raise RangeError("range", _("Only last_n_months takes a number."))
    return kind, None


def _check_absolute(start: str, end: str) -> None:
    message = _("Write a period as YYYY-MM, YYYY-Qn or YYYY.")
    try:
        first = parse_period(start)[1]
    except ValueError:
        raise RangeError("start_period", message) from None
    try:
        end_grain, end_first = parse_period(end)
    except ValueError:
        raise RangeError("end_period", message) from None
    last = Period(end_grain, end_first).last_month
    for field, month in (("start_period", first), ("end_period", last)):
        if not month_in_window(month):
            raise RangeError(field, str(DATE_WINDOW))
    if last < first:
        raise RangeError("end_period", _("The end lies before the start."))
    if last - first + 1 > MAX_MONTHS:
        raise RangeError("end_period", _("A report spans at most ten years."))


def _check_months(months: int | None, grain: Grain) -> None:
    size = MONTHS_IN[grain]
    if months is None or not 1 <= months <= MAX_MONTHS:
        raise RangeError(
            "range_months", _("Choose from 1 to %(max)d months.") % {"max": MAX_MONTHS}
        )
    if months % size:
        raise RangeError(
            "range_months",
            _("By %(grain)s, the number of months must be a multiple of %(size)d.")
            % {"grain": _("quarter") if grain == "quarter" else _("year"), "size": size},
        )


def check_range(*, kind: str, months: int | None, start: str, end: str, grain: Grain) -> None:
    """Raise `RangeError` for a range that does not fit the grain; resolving never fails after."""
    if kind == "absolute":
        _check_absolute(start, end)
    elif kind not in RELATIVE_KINDS:
        raise RangeError("range_kind", _("Choose a period range."))
    elif kind == "last_closed_month" and grain != "month":
        raise RangeError("grain", _("The last closed month is shown by month."))
    elif kind in ("last_closed_quarter", "quarter_to_date") and grain == "year":
        raise RangeError("grain", _("A quarter is shown by month or by quarter."))
    elif kind == "last_n_months":
        _check_months(months, grain)


def resolve_range(
    *, kind: str, months: int | None, start: str, end: str, grain: Grain, today: date
) -> ResolvedRange:
    check_range(kind=kind, months=months, start=start, end=end, grain=grain)
    this_month = month_index(today)
    if kind == "absolute":
        first = parse_period(start)[1]
        end_grain, end_first = parse_period(end)
        return ResolvedRange(grain, first, Period(end_grain, end_first).last_month)
    if kind == "last_closed_month":
        return ResolvedRange(grain, this_month - 1, this_month - 1)
    quarter = Period.containing("quarter", this_month)
    if kind == "last_closed_quarter":
        closed = quarter.previous()
        return ResolvedRange(grain, closed.first_month, closed.last_month)
    if kind == "quarter_to_date":
        return ResolvedRange(grain, quarter.first_month, this_month)
    last = Period.containing(grain, this_month).previous().last_month
    return ResolvedRange(grain, last - (months or 1) + 1, last)
