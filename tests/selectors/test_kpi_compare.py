"""A KPI page's range and its year-earlier line (issue 19, item 5): which periods a range
picks, where a bad one falls back to, and how each period lines up with the one a year before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.change import ABSOLUTE, POINTS, RELATIVE
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.kpis.segments import Condition
from kpiapp.models import CustomKpi, KpiSnapshot
from kpiapp.selectors import kpi_range
from kpiapp.selectors.kpi_detail import kpi_page
from kpiapp.selectors.kpi_lookup import workspace_kpi
from kpiapp.selectors.kpi_range import range_choices, trend_range
from kpiapp.selectors.segments import ActiveSegment
from tests.report_data import write_snapshots

TODAY = date(2026, 12, 5)  # December 2026 is running, November the last complete month


def month(text: str) -> Period:
    return Period("month", month_index(date.fromisoformat(f"{text}-01")))


def test_without_a_range_the_page_shows_the_last_periods_up_to_the_running_one():
    for grain, count in kpi_range.TREND_PERIODS.items():
        span = trend_range(grain=grain, start=None, end=None, today=TODAY)
        current = Period.containing(grain, month_index(TODAY))
        assert span.periods[-1] == current and len(span.periods) == count
        assert not span.custom and not span.error


def test_a_range_takes_every_period_from_start_to_end_both_included():
    span = trend_range(grain="month", start="2025-01", end="2026-06", today=TODAY)
    assert span.custom and not span.error
    assert span.periods[0] == month("2025-01") and span.periods[-1] == month("2026-06")
    assert len(span.periods) == (2026 - 2025) * 12 + 6  # Jan 2025 .. Jun 2026
    one = trend_range(grain="month", start="2026-03", end="2026-03", today=TODAY)
    assert one.periods == [month("2026-03")]
    running = trend_range(grain="month", start="2026-10", end="2026-12", today=TODAY)
    assert running.periods[-1] == month("2026-12") and not running.error  # the edge: allowed


def test_months_of_a_range_count_as_their_quarter_or_year_as_in_the_series_api():
    quarters = trend_range(grain="quarter", start="2025-02", end="2026-05", today=TODAY)
    assert [p.label for p in quarters.periods] == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2",
    ]  # fmt: skip
    years = trend_range(grain="year", start="2024-Q3", end="2026", today=TODAY)
    assert [p.label for p in years.periods] == ["2024", "2025", "2026"]


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        ("2026-06", "2025-01", kpi_range.INVERTED),
        ("1999-12", "2025-01", kpi_range.TOO_EARLY),
        ("2026-01", "2027-01", kpi_range.IN_FUTURE),
        ("June", "2026-06", kpi_range.NOT_A_PERIOD),
        ("2026-13", "", kpi_range.NOT_A_PERIOD),
    ],
)
def test_a_bad_range_falls_back_to_the_default_and_says_why(start, end, error):
    span = trend_range(grain="month", start=start, end=end, today=TODAY)
    default = trend_range(grain="month", start=None, end=None, today=TODAY)
    assert span.periods == default.periods and not span.custom
    assert str(span.error) == str(error)


def test_a_range_longer_than_the_page_draws_is_refused():
    most = kpi_range.MOST_PERIODS["year"]
    first = TODAY.year - most  # one year too many
    span = trend_range(grain="year", start=str(first), end=str(TODAY.year), today=TODAY)
    assert not span.custom and str(most) in str(span.error)
    fits = trend_range(grain="year", start=str(first + 1), end=str(TODAY.year), today=TODAY)
    assert fits.custom and len(fits.periods) == most


def test_the_pickers_offer_the_periods_back_to_the_first_value_newest_first():
    span = trend_range(grain="quarter", start=None, end=None, today=TODAY)
    choices = range_choices("quarter", TODAY, date(2019, 4, 1), span)
    assert choices[0] == ("2026-Q4", "Q4 2026") and choices[-1] == ("2019-Q2", "Q2 2019")
    assert len(choices) == (2026 - 2019) * 4 + 4 - 1  # Q2 2019 .. Q4 2026
    # Without older data: the default range's periods.
    assert len(range_choices("quarter", TODAY, None, span)) == kpi_range.TREND_PERIODS["quarter"]


# The page with data: monthly MRR (a stock), new MRR (a flow), churn rate (a rate).
MRR = {f"2025-{m:02d}": 1000 + 100 * m for m in range(1, 13)} | {
    f"2026-{m:02d}": 2000 + 50 * m for m in range(1, 13)
}
NEW_MRR = {"2025-03": "0", "2025-04": "-50", "2026-03": "300", "2026-04": "200"}
CHURN = {"2025-06": "0.0400", "2026-06": "0.0250"}


@pytest.fixture
def snapshots(workspace):
    rows = [("mrr", "month", date.fromisoformat(f"{m}-01"), str(v)) for m, v in MRR.items()]
    rows += [("mrr_new", "month", date.fromisoformat(f"{m}-01"), v) for m, v in NEW_MRR.items()]
    rows += [("customer_churn_rate", "month", date.fromisoformat(f"{m}-01"), v)
             for m, v in CHURN.items()]  # fmt: skip
    rows += [("mrr", "quarter", date(y, 10, 1), str(MRR[f"{y}-12"])) for y in (2025, 2026)]
    rows += [("mrr", "year", date(y, 1, 1), str(MRR[f"{y}-12"])) for y in (2025, 2026)]
    write_snapshots(workspace, rows)
    with workspace_scope(workspace.id):  # December 2026, its quarter and year are running
        for grain, start in (("month", 12), ("quarter", 10), ("year", 1)):
            KpiSnapshot.objects.filter(grain=grain, period_start=date(2026, start, 1)).update(
                partial=True
            )
    return workspace


def page(workspace, key, grain="month", start=None, end=None, compare="last_year"):
    with workspace_scope(workspace.id):
        span = trend_range(grain=grain, start=start, end=end, today=TODAY)
        return kpi_page(
            workspace=workspace,
            kpi=workspace_kpi(key),
            grain=grain,
            dimension=None,
            today=TODAY,
            span=span,
            compare=compare,
        )


def test_a_stock_lines_up_each_month_with_the_same_month_a_year_before(snapshots):
    shown = page(snapshots, "mrr", start="2026-01", end="2026-12")
    assert [p.label for p in shown.periods] == [f"2026-{m:02d}" for m in range(1, 13)]
    earlier = shown.earlier
    assert [p.label for p in earlier.periods] == [f"2025-{m:02d}" for m in range(1, 13)]
    for n, label in enumerate(f"2026-{m:02d}" for m in range(1, 13)):
        before = Decimal(MRR[label.replace("2026", "2025")])
        assert earlier.values[n] == before
        if label == "2026-12":  # running: its five days would read as a fall
            assert earlier.changes[n].amount is None
            continue
        expected = Decimal(MRR[label]) / before - 1
        assert earlier.changes[n].mode == RELATIVE and earlier.changes[n].amount == expected
        assert earlier.changes[n].good is (expected > 0)
    chart = shown.chart_data()["earlier"]
    assert chart["values"] == [float(MRR[f"2025-{m:02d}"]) for m in range(1, 13)]
    assert chart["labels"][0] == "Jan. 2025"


def test_a_flow_from_a_zero_or_negative_base_changes_by_the_difference(snapshots):
    shown = page(snapshots, "mrr_new", start="2026-03", end="2026-04")
    changes = shown.earlier.changes
    for n, label in enumerate(["2026-03", "2026-04"]):
        before = Decimal(NEW_MRR[label.replace("2026", "2025")])
        assert changes[n].mode == ABSOLUTE
        assert changes[n].amount == Decimal(NEW_MRR[label]) - before


def test_a_rate_changes_in_points_and_a_missing_year_earlier_value_gives_none(snapshots):
    shown = page(snapshots, "customer_churn_rate", start="2026-06", end="2026-06")
    change = shown.earlier.changes[0]
    assert change.mode == POINTS
    assert change.amount == Decimal(CHURN["2026-06"]) - Decimal(CHURN["2025-06"])
    assert change.good is True  # churn fell: good
    older = page(snapshots, "customer_churn_rate", start="2025-06", end="2025-06")
    assert older.earlier.values == [None] and older.earlier.changes[0].amount is None


def test_quarters_and_years_compare_with_the_same_quarter_and_year_before(snapshots):
    for grain, first in (("quarter", "2026-Q4"), ("year", "2026")):
        shown = page(snapshots, "mrr", grain=grain, start=first, end=first)
        assert shown.earlier.periods == [shown.periods[0].same_last_year()]
        assert shown.earlier.values == [Decimal(MRR["2025-12"])]
        assert shown.partial == [True] and shown.earlier.changes[0].amount is None
    complete = page(snapshots, "mrr", grain="year", start="2025", end="2025")
    assert complete.periods[0].label == "2025" and complete.earlier.values == [None]


def test_without_the_toggle_there_is_no_second_line(snapshots):
    shown = page(snapshots, "mrr", start="2026-01", end="2026-03", compare="")
    assert shown.earlier is None and shown.chart_data()["earlier"] is None
    assert [p.label for p in shown.periods] == ["2026-01", "2026-02", "2026-03"]


def test_a_custom_kpi_gets_its_year_earlier_line_too(workspace):
    with workspace_scope(workspace.id):
        CustomKpi.objects.create(
            workspace=workspace, key="custom_demos", name="Demos", unit="count",
            direction="up", aggregation="sum",
        )  # fmt: skip
    values = {"2025-05": "8", "2026-05": "10"}
    write_snapshots(
        workspace,
        [("custom_demos", "month", date.fromisoformat(f"{m}-01"), v) for m, v in values.items()],
    )
    shown = page(workspace, "custom_demos", start="2026-05", end="2026-05")
    assert shown.earlier.values == [Decimal(values["2025-05"])]
    assert shown.earlier.changes[0].amount == Decimal(values["2026-05"]) / Decimal("8") - 1
    assert "custom_demos" not in KPI_BY_KEY  # it is the team's own, not a built-in


def test_under_a_segment_the_year_earlier_line_is_the_segments_own(snapshots):
    """The shown periods and the year-earlier ones both read the segment's breakdown row,
    never the total against the segment."""
    germany = {"2025-03": "400", "2026-03": "500"}
    write_snapshots(
        snapshots,
        [("mrr", "month", date.fromisoformat(f"{m}-01"), v, "country", "DE")
         for m, v in germany.items()],
    )  # fmt: skip
    with workspace_scope(snapshots.id):
        span = trend_range(grain="month", start="2026-03", end="2026-03", today=TODAY)
        shown = kpi_page(
            workspace=snapshots,
            kpi=workspace_kpi("mrr"),
            grain="month",
            dimension=None,
            today=TODAY,
            span=span,
            compare="last_year",
            segment=ActiveSegment((Condition("country", "DE"),)),
        )
    assert shown.earlier.values == [Decimal("400")]  # not the total's MRR of March 2025
    assert shown.earlier.changes[0].amount == Decimal(500) / Decimal(400) - 1
