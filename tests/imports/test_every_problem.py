"""One check names every problem of a file: each cell's own problem, whichever check finds it
(parsing the cell, the kind's plausibility rules, references, the column's limits), at most one
message per cell, sorted by line and then by the column's position in the file."""

import pytest

from kpiapp.data_kinds import DATA_KINDS
from kpiapp.models import CustomKpi, Subscription

pytestmark = pytest.mark.django_db

WINDOW = "The date must lie between 1970 and 2100."


@pytest.fixture
def with_accounts(run_import, scoped):
    assert run_import("accounts", "external_id,name\nA1,Alpha GmbH\n").ok
    CustomKpi.objects.create(key="custom_x", name="X", unit="number")
    return scoped


def _problems(result) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in result.errors]


def test_a_subscription_row_names_the_negative_amount_and_the_year_1_start(
    run_import, with_accounts
):
    result = run_import(
        "subscriptions",
        "external_id,account,amount,interval,started_at\nS1,A1,-50,month,0001-01-01\n",
    )
    assert _problems(result) == [
        (2, "amount", "Must not be negative."),
        (2, "started_at", WINDOW),
    ]
    assert Subscription.objects.count() == 0


# Per kind: a row whose first cell fails to parse and whose second is implausible (or names
# a record that does not exist): both are reported in one check.
EVERY_KIND = {
    "accounts": ("name,employees,created_at\nAlpha,many,0001-01-01\n", ["employees", "created_at"]),
    "deals": (
        "external_id,stage,amount,created_at\nD1,won,-1,0001-01-01\n",
        ["amount", "created_at"],
    ),
    "subscriptions": (
        "external_id,account,amount,interval,started_at,ended_at\n"
        "S1,Nobody,10,fortnight,2025-03-01,2025-02-01\n",
        ["account", "interval", "ended_at"],
    ),
    "leads": (
        "external_id,created_at,qualified_at,converted_at\nL1,2025-03-10,someday,1950-01-01\n",
        ["qualified_at", "converted_at"],
    ),
    "traffic": ("date,channel,visits\n1950-01-01,Ads,-3\n", ["date", "visits"]),
    "spend": ("month,category,amount\n1950-01,ads,-5\n", ["month", "category", "amount"]),
    "nps": ("account,responded_at,score\nA1,0001-01-01,11\n", ["responded_at", "score"]),
    "usage": ("account,month,seats\nA1,1950-01,x\n", ["month", "seats"]),
    "exchange_rates": ("month,currency,rate\n1950-01,XYZ,2\n", ["month", "currency"]),
    "custom_kpi_values": ("kpi,month,value\ncustom_x,1950-01,abc\n", ["month", "value"]),
    "touchpoints": ("lead,occurred_at,channel,type\nL404,1950-01-01,Ads,coffee\n",
                    ["lead", "occurred_at", "type"]),
}  # fmt: skip


def test_every_kind_is_covered():
    assert set(EVERY_KIND) == set(DATA_KINDS)


@pytest.mark.parametrize("kind", sorted(EVERY_KIND))
def test_a_cell_that_fails_to_parse_lets_the_other_cells_checks_run(
    run_import, with_accounts, kind
):
    content, columns = EVERY_KIND[kind]
    result = run_import(kind, content)
    assert [(e.line, e.column) for e in result.errors] == [(2, c) for c in columns], _problems(
        result
    )


def test_a_too_long_name_is_named_next_to_a_cell_that_fails_to_parse(run_import, scoped):
    result = run_import("accounts", f"name,employees\n{'x' * 201},many\n")
    assert [(e.column, e.message) for e in result.errors] == [
        ("name", "Too long; at most 200 characters."),
        ("employees", "Not a number."),
    ]


def test_at_most_one_message_per_cell(run_import, with_accounts):
    # 99,999,999,999 employees: above the plausible number and above what the column holds;
    # a subscription ending in year 1 before its start: outside the window and out of order.
    result = run_import("accounts", "name,employees,created_at\nAlpha,99999999999,0001-01-01\n")
    assert _problems(result) == [
        (2, "employees", "Must be at most 10,000,000."),
        (2, "created_at", WINDOW),
    ]
    result = run_import(
        "subscriptions",
        "external_id,account,amount,interval,started_at,ended_at,quantity\n"
        "S1,A1,10,month,2025-03-01,0001-01-01,99999999999\n",
    )
    assert _problems(result) == [
        (2, "ended_at", WINDOW),
        (2, "quantity", "Must be at most 1,000,000."),
    ]


def test_errors_are_sorted_by_line_then_by_the_columns_position_in_the_file(
    run_import, with_accounts
):
    # Line 2's problems are found late (plausibility), lines 3 and 4's early (parsing); in
    # line 5 the start column comes before the amount column.
    result = run_import(
        "subscriptions",
        "external_id,account,started_at,interval,amount\n"
        "S1,A1,0001-01-01,month,10\n"
        "S2,A1,2025-01-01,month,-1\n"
        "S3,A1,2025-01-01,fortnight,10\n"
        "S4,A1,9999-12-31,month,-50\n",
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "started_at"),
        (3, "amount"),
        (4, "interval"),
        (5, "started_at"),
        (5, "amount"),
    ]


def test_a_row_with_the_wrong_number_of_cells_comes_in_its_line(run_import, scoped):
    result = run_import("accounts", "name,employees\nAlpha,-1\nBeta,1,2\nGamma,x\n")
    assert [e.line for e in result.errors] == [2, 3, 4]


def test_a_duplicate_is_named_on_a_column_of_the_file(run_import, scoped):
    # Without an external ID column an account's key is its name.
    result = run_import("accounts", "name,industry\nAlpha,IT\nAlpha,Retail\n=x,IT\n=y,IT\n")
    assert _problems(result) == [
        (3, "name", "The same record as on line 2."),
        (4, "name", "Starts with “=”, which spreadsheets run as a formula; remove it."),
        (5, "name", "Starts with “=”, which spreadsheets run as a formula; remove it."),
    ]


def test_a_problem_found_after_parsing_quotes_the_cell_as_the_file_writes_it(run_import, scoped):
    result = run_import("accounts", "name;employees;created_at\nAlpha;12.000.000;01.01.1901\n")
    assert [(e.column, e.value) for e in result.errors] == [
        ("employees", "12.000.000"),
        ("created_at", "01.01.1901"),
    ]
