"""Deal KPIs on the Maven CRM data set agree with an independent computation over the CSV.

The data set is imported with the `maven-crm` preset (accounts, then deals), the KPIs are
recomputed, and win rate, average deal size, sales cycle and deals won are read back per month
and per quarter through the series selector. The expected figures are computed here from the
CSV with the csv module and exact fractions, following KPIS.md section 4 and the preset's
mapping: `deal_stage` Won/Lost are won/lost (Engaging and Prospecting stay open),
`engage_date` is `created_at`, `close_date` is `closed_at`, `close_value` is `amount`; the
preset sets no kind, so every deal is `new` and counts in all four KPIs.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.management import call_command

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.selectors.series import kpi_series
from kpiapp.services.snapshots import snapshot_rebuild
from tests.imports.conftest import dataset

pytestmark = pytest.mark.django_db

MAVEN = "maven-crm-sales-opportunities"
KPIS = ("deals_won", "win_rate", "avg_deal_size", "sales_cycle_days")


# --- the independent side: plain Python over the CSV --------------------------------------


@dataclass
class Tally:
    """The flows of one period, from which every compared KPI follows."""

    won: int = 0
    lost: int = 0
    won_amount: Fraction = Fraction(0)  # major units (USD in the source, EUR once imported)
    cycle_days: int = 0  # Σ (closed_at − created_at) over won deals with a created_at
    cycle_deals: int = 0

    def add(self, other: Tally) -> None:
        self.won += other.won
        self.lost += other.lost
        self.won_amount += other.won_amount
        self.cycle_days += other.cycle_days
        self.cycle_deals += other.cycle_deals


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def quarter_label(year: int, month: int) -> str:
    return f"{year:04d}-Q{(month - 1) // 3 + 1}"


def month_range(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def round_half_up(value: Fraction, places: int) -> Decimal:
    scaled = value * 10**places
    units = (
        math.floor(scaled + Fraction(1, 2)) if scaled >= 0 else -math.floor(Fraction(1, 2) - scaled)
    )
    return Decimal(units).scaleb(-places)


def read_pipeline(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def monthly_tallies(rows: list[dict[str, str]]) -> dict[tuple[int, int], Tally]:
    tallies: dict[tuple[int, int], Tally] = {}
    for row in rows:
        if not row["close_date"]:
            continue  # Engaging / Prospecting: open, never in a closed-deal KPI
        closed = date.fromisoformat(row["close_date"])
        tally = tallies.setdefault((closed.year, closed.month), Tally())
        if row["deal_stage"] == "Won":
            tally.won += 1
            tally.won_amount += Fraction(row["close_value"])
            if row["engage_date"]:
                tally.cycle_days += (closed - date.fromisoformat(row["engage_date"])).days
                tally.cycle_deals += 1
        elif row["deal_stage"] == "Lost":
            tally.lost += 1
        else:
            raise AssertionError(f"closed deal in stage {row['deal_stage']!r}: {row}")
    return tallies


def expected_values(tally: Tally) -> dict[str, Decimal | None]:
    """Each KPI of one period: rounded as the API writes it, or None where it divides by 0."""
    closed = tally.won + tally.lost
    return {
        "deals_won": Decimal(tally.won),
        "win_rate": round_half_up(Fraction(tally.won, closed), 6) if closed else None,
        "avg_deal_size": round_half_up(tally.won_amount / tally.won, 2) if tally.won else None,
        "sales_cycle_days": (
            round_half_up(Fraction(tally.cycle_days, tally.cycle_deals), 2)
            if tally.cycle_deals
            else None
        ),
    }


def expected_tallies(rows: list[dict[str, str]]) -> dict[str, dict[str, Tally]]:
    """grain -> period label -> tally, over every month from the first date in the data (the
    first engage_date, 2016-10, so that periods without closed deals are compared too) to the
    last close_date month; a quarter sums its months' flows."""
    monthly = monthly_tallies(rows)
    dates = [row[c] for row in rows for c in ("engage_date", "close_date") if row[c]]
    first = date.fromisoformat(min(dates))
    last = max(monthly)
    quarters: dict[str, Tally] = {}
    for year, month in month_range((first.year, first.month - (first.month - 1) % 3), last):
        quarters.setdefault(quarter_label(year, month), Tally()).add(
            monthly.get((year, month), Tally())
        )
    return {
        "month": {
            month_label(*m): monthly.get(m, Tally())
            for m in month_range((first.year, first.month), last)
        },
        "quarter": quarters,
    }


# --- the engine's side ----------------------------------------------------------------------


def engine_value(key: str, point: dict) -> Decimal | None:
    value = point["value"]
    if value is None:
        return None
    if key == "sales_cycle_days":  # days: compared at 2 decimals, whatever the engine keeps
        return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Decimal(value)


def point_problems(key: str, point: dict, tally: Tally) -> list[str]:
    where = f"{key} {point['period']}"
    problems = []
    if (point["dimension"], point["dimension_value"], point["partial"]) != (None, None, False):
        problems.append(f"{where}: not a complete total: {point}")
    want = expected_values(tally)[key]
    if want is None:  # divides by zero: undefined, with a reason
        if point["value"] is not None or not point["reason"]:
            problems.append(f"{where}: expected null with a reason, got {point}")
        return problems
    got = engine_value(key, point)
    if got != want:
        problems.append(f"{where}: engine {point['value']!r}, expected {want}")
    elif key != "sales_cycle_days" and point["value"] != format(want, "f"):
        # Counts are integers, money has 2 decimals, rates 6 (PRODUCT.md, API series).
        problems.append(f"{where}: written {point['value']!r}, not {want:f}")
    if point["reason"] is not None:
        problems.append(f"{where}: a value with a reason: {point}")
    if key == "win_rate":
        fraction = (Decimal(str(point["numerator"])), Decimal(str(point["denominator"])))
        if fraction != (tally.won, tally.won + tally.lost):
            problems.append(
                f"{where}: numerator/denominator {point['numerator']!r}/"
                f"{point['denominator']!r}, expected {tally.won}/{tally.won + tally.lost}"
            )
    return problems


def series_problems(workspace, key: str, grain: str, tallies: dict[str, Tally]) -> list[str]:
    periods = list(tallies)
    series = kpi_series(
        workspace=workspace,
        key=key,
        start=periods[0],
        end=periods[-1],
        grain=grain,
        dimension=None,
    )
    problems = []
    if (series["kpi"], series["grain"], series["currency"]) != (key, grain, "EUR"):
        problems.append(
            f"{key}/{grain}: header {series['kpi']}/{series['grain']}/{series['currency']}"
        )
    got_periods = [point["period"] for point in series["points"]]
    if got_periods != periods:
        problems.append(f"{key}/{grain}: periods {got_periods}, expected {periods}")
    for point in series["points"]:
        if point["period"] in tallies:
            problems += point_problems(key, point, tallies[point["period"]])
    return problems


def test_maven_deal_kpis_match_an_independent_computation(run_import, scoped):
    workspace = scoped
    assert workspace.slug == "acme" and workspace.currency == "EUR"
    accounts = run_import("accounts", dataset(MAVEN, "accounts.csv"), preset="maven-crm")
    assert accounts.ok, accounts.errors[:5]
    raw = dataset(MAVEN, "sales_pipeline.csv")
    deals = run_import("deals", raw, preset="maven-crm")
    assert deals.ok, deals.errors[:5]
    assert deals.created == 8800

    with workspace_scope(workspace.id):
        snapshot_rebuild(workspace_id=workspace.id)

    expected = expected_tallies(read_pipeline(raw))
    # This side against the reference figures in the data set's notes (PROVENANCE.md).
    assert len(expected["month"]) == 15 and min(expected["month"]) == "2016-10"
    assert list(expected["quarter"]) == ["2016-Q4", "2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    whole = Tally()
    for tally in expected["quarter"].values():
        whole.add(tally)
    assert (whole.won, whole.lost, whole.won_amount) == (4238, 2473, 10_005_534)
    assert expected_values(whole)["win_rate"] == Decimal("0.631501")
    assert expected_values(whole)["avg_deal_size"] == Decimal("2360.91")
    assert expected_values(whole)["sales_cycle_days"] == Decimal("51.78")

    problems = []
    for grain in ("month", "quarter"):
        for key in KPIS:
            problems += series_problems(workspace, key, grain, expected[grain])
    assert not problems, "\n".join(problems)

    # The command line answers with the same JSON as the selector.
    out = io.StringIO()
    call_command(
        "kpi_series",
        "--workspace=acme",
        "--kpi=win_rate",
        "--start=2017-01",
        "--end=2017-03",
        stdout=out,
    )
    selected = kpi_series(
        workspace=workspace,
        key="win_rate",
        start="2017-01",
        end="2017-03",
        grain="month",
        dimension=None,
    )
    assert json.loads(out.getvalue()) == selected
    assert [p["value"] for p in selected["points"]] == [
        None,
        None,
        format(expected_values(expected["month"]["2017-03"])["win_rate"], "f"),
    ]
