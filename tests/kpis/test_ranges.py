"""A report's period range on the day it is read (PRODUCT.md capability 6)."""

from __future__ import annotations

from datetime import date

import pytest

from kpiapp.kpis.ranges import RangeError, parse_range_code, resolve_range


def labels(kind, grain, today, months=None, start="", end=""):
    resolved = resolve_range(
        kind=kind, months=months, start=start, end=end, grain=grain, today=today
    )
    return [p.label for p in resolved.periods]


@pytest.mark.parametrize(
    ("kind", "grain", "months", "today", "expected"),
    [
        ("last_closed_month", "month", None, date(2025, 1, 1), ["2024-12"]),
        ("last_closed_month", "month", None, date(2025, 3, 31), ["2025-02"]),
        ("last_closed_quarter", "month", None, date(2025, 2, 10),
         ["2024-10", "2024-11", "2024-12"]),
        ("last_closed_quarter", "quarter", None, date(2025, 4, 1), ["2025-Q1"]),
        ("quarter_to_date", "month", None, date(2025, 5, 20), ["2025-04", "2025-05"]),
        ("quarter_to_date", "quarter", None, date(2025, 5, 20), ["2025-Q2"]),
        ("last_n_months", "month", 3, date(2025, 1, 15), ["2024-10", "2024-11", "2024-12"]),
        # By quarter, the months end with the last closed quarter: four whole quarters.
        ("last_n_months", "quarter", 12, date(2025, 5, 20),
         ["2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]),
        ("last_n_months", "year", 24, date(2025, 5, 20), ["2023", "2024"]),
    ],
)  # fmt: skip
def test_relative_ranges_count_closed_periods_back_from_today(kind, grain, months, today, expected):
    assert labels(kind, grain, today, months) == expected


def test_an_absolute_range_covers_the_periods_that_contain_its_ends():
    assert labels("absolute", "quarter", date(2030, 1, 1), start="2024-02", end="2024-08") == [
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
    ]
    assert labels("absolute", "month", date(2030, 1, 1), start="2024-Q4", end="2024") == [
        "2024-10",
        "2024-11",
        "2024-12",
    ]


@pytest.mark.parametrize(
    ("kind", "grain", "months", "start", "end", "field"),
    [
        ("last_closed_month", "quarter", None, "", "", "grain"),
        ("quarter_to_date", "year", None, "", "", "grain"),
        ("last_n_months", "quarter", 4, "", "", "range_months"),
        ("last_n_months", "month", 0, "", "", "range_months"),
        ("last_n_months", "month", 121, "", "", "range_months"),
        ("absolute", "month", None, "2024-13", "2024-12", "start_period"),
        ("absolute", "month", None, "2024-01", "", "end_period"),
        ("absolute", "month", None, "2024-05", "2024-04", "end_period"),
        ("absolute", "month", None, "2010-01", "2024-12", "end_period"),
        ("someday", "month", None, "", "", "range_kind"),
    ],
)
def test_ranges_that_do_not_fit_name_the_field(kind, grain, months, start, end, field):
    with pytest.raises(RangeError) as raised:
        resolve_range(
            kind=kind, months=months, start=start, end=end, grain=grain, today=date(2025, 1, 1)
        )
    assert raised.value.field == field


def test_range_codes_as_product_md_writes_them():
    assert parse_range_code("last_n_months:12") == ("last_n_months", 12)
    assert parse_range_code("quarter_to_date") == ("quarter_to_date", None)
    for bad in ("last_n_months", "last_n_months:x", "last_closed_month:3", "yesterday"):
        with pytest.raises(RangeError):
            parse_range_code(bad)
