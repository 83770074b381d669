"""The check refuses every value the write would refuse, on its line and column (issue 15,
item 13): before, such a file passed the check with 0 errors and the import failed."""

from decimal import Decimal

import pytest

from kpiapp.imports import limits
from kpiapp.imports.limits import column_checks
from kpiapp.imports.reading import MAX_COLUMNS
from kpiapp.models import Account, Deal, ExchangeRate, Subscription

pytestmark = pytest.mark.django_db


def only_error(result):
    assert not result.ok
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


@pytest.mark.parametrize("employees", ["1e30", "12345678901234567890123"])
def test_an_employee_count_too_large_for_its_column_is_named_in_the_check(
    run_import, scoped, employees
):
    csv = f"external_id,name,employees\nA1,Alpha,10\nA2,Beta,{employees}\n"
    error = only_error(run_import("accounts", csv, dry_run=True))
    assert (error.line, error.column) == (3, "employees")
    assert "at most 10,000,000" in error.message  # the plausible bound, below the column's
    assert Account.objects.count() == 0
    assert only_error(run_import("accounts", csv)).line == 3  # the import refuses it alike


def test_money_and_small_integers_are_bounded_by_their_own_columns(run_import, scoped):
    assert run_import("accounts", "external_id,name\nA1,Alpha\n").ok
    deals = (
        "external_id,account,stage,amount,created_at\n"
        "D1,A1,won,92233720368547758.07,2026-01-05\n"  # the largest bigint in cents
        "D2,A1,won,92233720368547758.08,2026-01-05\n"
    )
    # Far beyond a plausible deal: the plausibility rule speaks first, one message a cell.
    errors = run_import("deals", deals, dry_run=True).errors
    assert [(e.line, e.column) for e in errors] == [(2, "amount"), (3, "amount")]
    assert all("at most 1,000,000,000" in e.message for e in errors)
    subs = (
        "external_id,account,amount,interval,interval_count,started_at\n"
        "S1,A1,10,month,40000,2026-01-01\n"
    )
    error = only_error(run_import("subscriptions", subs, dry_run=True))
    assert (error.line, error.column) == (2, "interval_count")
    assert Deal.objects.count() == Subscription.objects.count() == 0
    # Behind the rules, the columns' own bounds: what the write would refuse.
    assert [m for _a, m in limits.problems(Deal, {"amount_cents": 2**63})] == [
        "Too large to store; at most 9223372036854775807."
    ]
    (message,) = [m for _a, m in limits.problems(Subscription, {"interval_count": 40_000})]
    assert "32767" in message


def test_text_longer_than_its_column_and_decimals_with_too_many_digits(run_import, scoped):
    long_name = "x" * 201
    error = only_error(run_import("accounts", f"external_id,name\nA1,{long_name}\n", dry_run=True))
    assert (error.line, error.column) == (2, "name")
    assert "at most 200 characters" in error.message
    assert error.value.endswith("…") and len(error.value) == 40
    channel = "c" * 101
    error = only_error(
        run_import("accounts", f"external_id,name,channel\nA1,Alpha,{channel}\n", dry_run=True)
    )
    assert (error.line, error.column) == (2, "channel")
    rates = "month,currency,rate\n2026-01,USD,12345678901\n"
    error = only_error(run_import("exchange_rates", rates, dry_run=True))
    assert (error.line, error.column) == (2, "rate")
    assert "at most 1,000,000" in error.message  # the plausible bound, below the column's
    (message,) = [m for _a, m in limits.problems(ExchangeRate, {"rate": Decimal("12345678901")})]
    assert "10 digits before the decimal point" in message


def test_a_nul_byte_is_refused_with_its_line(run_import, scoped):
    result = run_import("accounts", b"external_id,name\nA1,Alpha\nA2,Be\x00ta\n", dry_run=True)
    error = only_error(result)
    assert "Line 3 contains a NUL character" in error.message
    assert Account.objects.count() == 0


def test_bounds_come_from_the_model_fields():
    checks = column_checks(Account)
    assert checks["employees"](2_147_483_647) is None
    assert checks["employees"](2_147_483_648)
    assert checks["employees"](-1)  # a positive integer column
    assert "channel_id" not in checks and "id" not in checks


def test_a_header_with_too_many_columns_is_refused_at_once(run_import, scoped):
    header = ",".join(f"c{i}" for i in range(80_000))
    data = f"{header}\n{','.join('1' for _ in range(80_000))}\n"
    error = only_error(run_import("accounts", data, dry_run=True))
    assert "The file has 80000 columns; at most 200 can be imported." in error.message


def test_two_hundred_columns_are_read(run_import, scoped):
    extra = [f"extra{i}" for i in range(MAX_COLUMNS - 2)]
    header = ",".join(["external_id", "name", *extra])
    data = f"{header}\nA1,Alpha,{','.join('x' for _ in extra)}\n"
    result = run_import("accounts", data, maps=[f"{c}=-" for c in extra])
    assert result.ok, [str(e) for e in result.errors]
    assert Account.objects.get().name == "Alpha"


@pytest.mark.parametrize("amount", ["1e99999", "1E+999999", "9" * 5000])
def test_absurdly_large_numbers_are_refused_without_building_them(run_import, scoped, amount):
    csv = f"external_id,name,employees\nA1,Alpha,{amount}\n"
    error = only_error(run_import("accounts", csv, dry_run=True))
    assert (error.line, error.column, error.message) == (2, "employees", "Too large to store.")
