"""Golden tests for KPIS.md section 6 (custom KPIs): values per month, quarters aggregated.

A custom KPI is stored under its own key `custom_<slug>`; a quarter takes the last month, the
sum or the mean of its months, as the KPI says. "Today" is 2026-01-15.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import custom_kpi, rebuild, val

pytestmark = pytest.mark.django_db

Q1 = {"2025-01-01": "4", "2025-02-01": "5", "2025-03-01": "3"}


def test_custom_kpi_values_per_month(ws):
    custom_kpi(
        "custom_audit_pass_rate",
        aggregation="last",
        unit="percent",
        values={"2025-01-01": "0.5", "2025-02-01": "0.6", "2025-03-01": "0.9"},
    )
    custom_kpi(
        "custom_booked_revenue",
        aggregation="sum",
        unit="money",
        values={"2025-01-01": "1234.50", "2025-02-01": "100.25"},
    )
    rebuild(ws)

    assert val("custom_audit_pass_rate", "2025-01") == Decimal("0.5")
    assert val("custom_audit_pass_rate", "2025-02") == Decimal("0.6")
    assert val("custom_audit_pass_rate", "2025-03") == Decimal("0.9")
    assert val("custom_booked_revenue", "2025-01") == Decimal("1234.50")
    assert val("custom_booked_revenue", "2025-02") == Decimal("100.25")


def test_custom_kpi_quarter_takes_the_last_month(ws):
    custom_kpi("custom_headcount", aggregation="last", values=Q1)
    rebuild(ws)

    assert val("custom_headcount", "2025-Q1") == Decimal("3")  # March


def test_custom_kpi_quarter_sums_its_months(ws):
    custom_kpi("custom_support_tickets", aggregation="sum", values=Q1)
    rebuild(ws)

    assert val("custom_support_tickets", "2025-Q1") == Decimal("12")  # 4 + 5 + 3


def test_custom_kpi_quarter_is_the_mean_of_its_months(ws):
    custom_kpi("custom_csat", aggregation="mean", direction="up", values=Q1)
    rebuild(ws)

    assert val("custom_csat", "2025-Q1") == Decimal("4")  # (4 + 5 + 3) / 3


def test_custom_kpis_side_by_side_and_over_two_quarters(ws):
    values = {**Q1, "2025-04-01": "10", "2025-05-01": "20", "2025-06-01": "6"}
    custom_kpi("custom_last", aggregation="last", values=values)
    custom_kpi("custom_sum", aggregation="sum", values=values)
    custom_kpi("custom_mean", aggregation="mean", values=values)
    rebuild(ws)

    assert val("custom_last", "2025-Q2") == Decimal("6")  # June
    assert val("custom_sum", "2025-Q2") == Decimal("36")  # 10 + 20 + 6
    assert val("custom_mean", "2025-Q2") == Decimal("12")  # 36 / 3
    assert val("custom_sum", "2025-Q1") == Decimal("12")  # the other quarter is its own
    assert val("custom_mean", "2025-05") == Decimal("20")  # a month is its own value
