"""Plausible records only (kpiapp.plausibility): the data pages' forms, the API and the CSV
import refuse the same implausible values with the same message, on the field (import: on the
line and column), and store nothing."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import translation

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, CustomKpi, CustomKpiValue, Deal, Subscription

pytestmark = pytest.mark.django_db
API = "/api/v1/workspaces/acme/"

WINDOW = "The date must lie between 1970 and 2100."
WINDOW_DE = "Das Datum muss zwischen 1970 und 2100 liegen."
FUTURE = "This date lies in the future; enter the day it happened."


def _today(workspace) -> date:
    return today_in(workspace.time_zone)


def _in_years(workspace, years: int) -> str:
    return (_today(workspace) + timedelta(days=366 * years)).isoformat()


@pytest.fixture
def api(erik) -> APIClient:
    client = APIClient()
    client.force_authenticate(erik)
    return client


@pytest.fixture
def customer(workspace):
    with workspace_scope(workspace.id):
        return Account.objects.create(external_id="K-1", name="Kunde")


def _subscription(customer, **changes) -> dict[str, str]:
    return {
        "external_id": "S-1",
        "account": str(customer.pk),
        "amount": "100",
        "currency": "EUR",
        "interval": "month",
        "interval_count": "1",
        "quantity": "1",
        "discount_percent": "0",
        "started_at": "2025-01-01",
        **changes,
    }


def _won_deal(**changes) -> dict[str, str]:
    return {
        "external_id": "D-1",
        "stage": "won",
        "kind": "new",
        "currency": "EUR",
        "amount": "1000",
        "created_at": "2025-01-01",
        "closed_at": "2025-02-01",
        **changes,
    }


# --- forms ---------------------------------------------------------------------------------


def _form_errors(client, workspace, kind: str, data: dict) -> dict:
    response = client.post(f"/w/{workspace.slug}/data/{kind}/new/", data)
    assert response.status_code == 400, response.status_code
    return {
        name: [str(m) for m in messages]
        for name, messages in response.context["form"].errors.items()
    }


@pytest.mark.parametrize("started", ["0001-01-01", "9999-12-31", "1969-12-31", "2101-01-01"])
def test_the_form_refuses_a_start_outside_the_window_in_german_on_the_field(
    client_as, erik, workspace, customer, started
):
    erik.language = "de"
    erik.save(update_fields=["language"])
    data = _subscription(customer, started_at=started)
    response = client_as(erik).post(f"/w/{workspace.slug}/data/subscriptions/new/", data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["started_at"]
    assert WINDOW_DE in response.content.decode()
    assert "Bedingung" not in response.content.decode()
    with workspace_scope(workspace.id):
        assert not Subscription.objects.exists()


def test_the_form_refuses_implausible_subscriptions_on_each_field(
    client_as, erik, workspace, customer
):
    client = client_as(erik)
    errors = _form_errors(
        client,
        workspace,
        "subscriptions",
        _subscription(customer, started_at=_in_years(workspace, 5), quantity="99999999999"),
    )
    assert errors["started_at"] == ["A subscription can start at most one year from today."]
    assert errors["quantity"]  # the column's own limit, or ours
    data = _subscription(
        customer, quantity="1000001", ended_at="2024-12-01", cancelled_at=_in_years(workspace, 1)
    )
    errors = _form_errors(client, workspace, "subscriptions", data)
    assert errors == {
        "quantity": ["Must be at most 1,000,000."],
        "ended_at": ["The end lies before the start."],  # not a constraint's name
        "cancelled_at": [FUTURE],
    }
    assert "__all__" not in errors
    # A signed contract may start next year.
    ok = client.post(
        f"/w/{workspace.slug}/data/subscriptions/new/",
        _subscription(customer, started_at=_in_years(workspace, 1)),
    )
    assert ok.status_code == 302


def test_the_form_refuses_a_won_deal_closing_in_the_future_but_not_an_open_ones(
    client_as, erik, workspace
):
    client = client_as(erik)
    errors = _form_errors(client, workspace, "deals", _won_deal(closed_at=_in_years(workspace, 3)))
    assert errors == {"closed_at": [FUTURE]}
    errors = _form_errors(client, workspace, "deals", _won_deal(amount="2000000000"))
    assert errors == {"amount": ["Must be at most 1,000,000,000."]}
    errors = _form_errors(client, workspace, "deals", _won_deal(closed_at="2024-12-01"))
    assert errors == {"closed_at": ["The deal was closed before it was created."]}
    open_deal = _won_deal(stage="proposal", closed_at=_in_years(workspace, 1))
    assert client.post(f"/w/{workspace.slug}/data/deals/new/", open_deal).status_code == 302


def test_todays_date_in_the_workspace_is_fine(client_as, erik, workspace):
    today = _today(workspace).isoformat()
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/deals/new/", _won_deal(created_at=today, closed_at=today)
    )
    assert response.status_code == 302


# --- API -----------------------------------------------------------------------------------


def test_the_api_answers_400_with_the_field_and_stores_nothing(api, workspace, customer):
    for started in ("0001-01-01", "9999-12-31"):
        response = api.post(
            API + "subscriptions/", _subscription(customer, started_at=started), format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"started_at": [WINDOW]}
    data = _subscription(customer, started_at=_in_years(workspace, 5), quantity=99_999_999_999)
    response = api.post(API + "subscriptions/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"started_at", "quantity"}
    response = api.post(
        API + "deals/", _won_deal(created_at="0001-01-01", closed_at="0001-01-01"), format="json"
    )
    assert response.json() == {"created_at": [WINDOW], "closed_at": [WINDOW]}
    response = api.post(API + "deals/", _won_deal(closed_at=_in_years(workspace, 3)), format="json")
    assert response.json() == {"closed_at": [FUTURE]}
    response = api.post(
        API + "accounts/",
        {"name": "Neu", "external_id": "N", "created_at": _in_years(workspace, 4)},
        format="json",
    )
    assert response.json() == {"created_at": [FUTURE]}
    with workspace_scope(workspace.id):
        assert not Subscription.objects.exists() and not Deal.objects.exists()
        assert Account.objects.count() == 1


def test_the_api_refuses_a_change_that_makes_a_record_implausible(api, workspace, customer):
    created = api.post(API + "subscriptions/", _subscription(customer), format="json")
    assert created.status_code == 201
    url = f"{API}subscriptions/{created.json()['id']}/"
    response = api.patch(url, {"ended_at": "2024-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"ended_at": ["The end lies before the start."]}
    response = api.patch(url, {"started_at": "0001-01-01"}, format="json")
    assert response.json() == {"started_at": [WINDOW]}


def test_a_custom_kpi_value_for_1951_is_refused(api, workspace):
    with workspace_scope(workspace.id):
        CustomKpi.objects.create(
            key="custom_audit", name="Audit", unit="number", direction="up", aggregation="sum"
        )
    url = f"{API}custom-kpis/custom_audit/values/"
    response = api.post(url, {"month": "1951-01-01", "value": "3"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"month": [WINDOW]}
    with workspace_scope(workspace.id):
        assert not CustomKpiValue.objects.exists()


def test_the_messages_read_in_both_languages():
    from kpiapp.plausibility import DATE_WINDOW, at_most

    with translation.override("de"):
        assert str(DATE_WINDOW) == WINDOW_DE
        assert str(at_most(1_000_000)) == "Darf höchstens 1.000.000 sein."
    with translation.override("en"):
        assert str(at_most(1_000_000)) == "Must be at most 1,000,000."


# --- CSV import ----------------------------------------------------------------------------


def _errors(result) -> set[tuple[int, str, str]]:
    return {(e.line, e.column, e.message) for e in result.errors}


def test_the_import_reports_each_implausible_value_by_line_and_column(run_import, scoped):
    future = _in_years(scoped, 4)
    accounts = (
        "external_id,name,created_at,employees\n"
        "A1,Alpha,2024-01-01,50\n"
        f"A2,Beta,{future},50\n"
        "A3,Gamma,0001-01-01,50\n"
        "A4,Delta,2024-01-01,99999999999\n"
    )
    result = run_import("accounts", accounts)
    assert _errors(result) == {
        (3, "created_at", FUTURE),
        (4, "created_at", WINDOW),
        (5, "employees", "Must be at most 10,000,000."),
    }
    assert not Account.objects.exists()  # all or nothing
    assert run_import("accounts", "external_id,name\nA1,Alpha\n").ok
    subscriptions = (
        "external_id,account,amount,interval,quantity,started_at,ended_at\n"
        "S1,A1,10,month,1,2025-01-01,\n"
        f"S2,A1,10,month,1,{_in_years(scoped, 5)},\n"
        "S3,A1,10,month,99999999999,2025-01-01,\n"
        "S4,A1,10,month,1,9999-12-31,\n"
        "S5,A1,20000000000,month,1,2025-01-01,\n"
    )
    result = run_import("subscriptions", subscriptions)
    assert _errors(result) == {
        (3, "started_at", "A subscription can start at most one year from today."),
        (4, "quantity", "Must be at most 1,000,000."),
        (5, "started_at", WINDOW),
        (6, "amount", "Must be at most 1,000,000,000."),
    }
    shown = next(e for e in result.errors if e.line == 6)
    assert shown.value == "20000000000"  # as the file writes it, not in cents
    assert not Subscription.objects.exists()


def test_the_import_names_the_column_a_value_came_from(run_import, scoped):
    result = run_import("traffic", "date,channel,visits\n1951-03-04,Web,10\n")
    assert _errors(result) == {(2, "date", WINDOW)}  # once, though the month derives from it
    result = run_import(
        "deals",
        "external_id,stage,created_at,closed_at,amount\n"
        f"D1,won,2025-01-01,{_in_years(scoped, 3)},5\n",
    )
    assert _errors(result) == {(2, "closed_at", FUTURE)}


def test_the_check_catches_a_number_the_write_would_refuse(run_import, scoped):
    csv = "external_id,name,employees\nA1,Alpha,1e30\nA2,Beta,12345678901234567890123\n"
    result = run_import("accounts", csv, dry_run=True)
    assert _errors(result) == {
        (2, "employees", "Must be at most 10,000,000."),
        (3, "employees", "Must be at most 10,000,000."),
    }
    assert not Account.objects.exists()


def test_a_series_or_report_range_outside_the_window_is_a_400_not_a_500(
    api, client_as, erik, workspace
):
    url = API + "kpis/mrr/series/"
    for query, field in (
        ("start=0000-01&end=2025-01", "start"),
        ("start=2025-01&end=9999-12", "end"),
    ):
        response = api.get(f"{url}?{query}")
        assert response.status_code == 400
        assert response.json() == {field: [WINDOW]}
    from kpiapp.kpis.ranges import RangeError, check_range

    with pytest.raises(RangeError) as refused:
        check_range(kind="absolute", months=None, start="0001-01", end="2025-12", grain="month")
    assert (refused.value.field, str(refused.value)) == ("start_period", WINDOW)
