"""Months, quarters and years, calendar-aligned in the workspace's time zone (KPIS.md).

A month is an integer index (`year * 12 + month - 1`), so month arithmetic is plain addition
and arrays can be indexed by it. Every date conversion of the KPI engine goes through here.
"""

from __future__ import annotations

import calendar
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, TypeGuard

from django.utils.formats import date_format

Grain = Literal["month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
MONTHS_IN: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def is_grain(value: object) -> TypeGuard[Grain]:
    """`value` is month, quarter or year (narrows a `str` to `Grain` for the type checker)."""
    return value in GRAINS


# The dates the product accepts (kpiapp.plausibility); the engine never computes beyond them.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative), clamped to that month's length:
    31 Jan + 1 month is 28 or 29 Feb."""
    first = month_start(month_index(day) + months)
    return first.replace(day=min(day.day, days_in_month(first)))


def today_in(time_zone: str) -> date:
    return datetime.now(zoneinfo.ZoneInfo(time_zone)).date()


def local_day_end_utc(day: date, time_zone: str) -> datetime:
    """The instant the day ends in the time zone (midnight after it), as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(), zoneinfo.ZoneInfo(time_zone))


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year, identified by its grain and first month."""

    grain: Grain
    first_month: int

    @property
    def months(self) -> range:
        return range(self.first_month, self.first_month + MONTHS_IN[self.grain])

    @property
    def last_month(self) -> int:
        return self.first_month + MONTHS_IN[self.grain] - 1

    @property
    def start(self) -> date:
        return month_start(self.first_month)

    @property
    def end(self) -> date:
        return month_end(self.last_month)

    @property
    def label(self) -> str:
        year, month = self.first_month // 12, self.first_month % 12 + 1
        if self.grain == "month":
            return f"{year:04d}-{month:02d}"
        if self.grain == "quarter":
            return f"{year:04d}-Q{(month - 1) // 3 + 1}"
        return f"{year:04d}"

    def previous(self) -> Period:
        return Period(self.grain, self.first_month - MONTHS_IN[self.grain])

    def same_last_year(self) -> Period:
        return Period(self.grain, self.first_month - 12)

    @classmethod
    def containing(cls, grain: Grain, month: int) -> Period:
        size = MONTHS_IN[grain]
        year, offset = divmod(month, 12)
        return cls(grain, year * 12 + offset // size * size)

    @classmethod
    def of_start(cls, grain: Grain, start: date) -> Period:
        return cls.containing(grain, month_index(start))


PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")


def parse_period(text: str) -> tuple[Grain, int]:
    """`YYYY-MM`, `YYYY-Qn` or `YYYY` → (its own grain, its first month). ValueError if not."""
    match = PERIOD_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a period: use YYYY-MM, YYYY-Qn or YYYY")
    year = int(match[1])
    if match[2]:
        month = int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} is not a month")
        return "month", year * 12 + month - 1
    if match[3]:
        return "quarter", year * 12 + (int(match[3]) - 1) * 3
    return "year", year * 12


def periods_between(grain: Grain, first_month: int, last_month: int) -> list[Period]:
    """Every period of the grain that overlaps the months first_month..last_month."""
    periods = []
    period = Period.containing(grain, first_month)
    while period.first_month <= last_month:
        periods.append(period)
        period = Period(grain, period.first_month + MONTHS_IN[grain])
    return periods


def period_name(period: Period) -> str:
    """A period in words for people, in the active language: "Okt. 2026" / "Oct. 2026",
    "Q4 2026", "2026". `Period.label` ("2026-10") stays the code in addresses and the API."""
    year = period.first_month // 12
    if period.grain == "month":
        return date_format(period.start, "N Y")
    if period.grain == "quarter":
        return f"Q{period.first_month % 12 // 3 + 1} {year}"
    return str(year)
