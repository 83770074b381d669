"""Customers: the list's MRR, status, plan and paid months (golden cases computed here from the
rows the test writes), its filters and sorting, the customer page, and the customers behind
an MRR movement (they add up to the KPI value)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Account, Deal, KpiSnapshot, NpsResponse, Usage
from kpiapp.selectors.customers import (
    CustomerFilters,
    customer_rows,
    filter_customers,
    sort_customers,
)
from tests.customer_data import CUSTOMERS, NOW, TODAY, USD_MAY, customers, d, expected_mrr

pytestmark = pytest.mark.django_db
__all__ = ["customers"]  # the fixture


def _rows(workspace: Workspace):
    with workspace_scope(workspace.id):
        return {r.name: r for r in customer_rows(workspace=workspace, today=TODAY)}


def test_mrr_status_plan_and_paid_months_per_customer(customers):
    rows = _rows(customers)
    assert set(rows) == set(CUSTOMERS)  # an account without subscriptions is no customer
    for name, subs in CUSTOMERS.items():
        row = rows[name]
        assert row.status == name.split()[-1], name
        assert row.mrr == expected_mrr(subs), name
        assert row.arr == row.mrr * 12
    assert rows["Alpha active"].mrr == Decimal("270.00")  # 100 × 3 × 0.9
    assert rows["Zeta active"].mrr == Decimal(1200) / 12 * USD_MAY
    month = lambda text: Period("month", month_index(d(text)))  # noqa: E731
    assert rows["Gamma churned"].first_paid == month("2025-01-01")
    assert rows["Gamma churned"].last_paid == month("2025-04-01")  # the last day is 9 April
    assert rows["Beta cancelling"].last_paid == month("2025-05-01")  # paid up to today
    assert rows["Delta trial"].first_paid is None and rows["Delta trial"].last_paid is None
    assert rows["Eta none"].first_paid is None
    assert rows["Epsilon reactivated"].first_paid == month("2024-11-01")
    assert rows["Epsilon reactivated"].plan == "Pro"  # the row paying today
    assert rows["Gamma churned"].plan == "Basic"  # the row that ended last
    assert rows["Alpha active"].channel == "Paid ads" and rows["Zeta active"].channel == ""


def test_filters_and_sorting(customers):
    rows = list(_rows(customers).values())
    basic = filter_customers(rows, CustomerFilters(plan="Basic"))
    assert {r.name for r in basic} == {
        n for n, subs in CUSTOMERS.items() if _rows(customers)[n].plan == "Basic"
    }
    assert [r.name for r in filter_customers(rows, CustomerFilters(search="ALPHA"))] == [
        "Alpha active"
    ]
    churned = filter_customers(rows, CustomerFilters(status="churned", country="AT"))
    assert [r.name for r in churned] == ["Gamma churned"]
    by_mrr = sort_customers(rows, "-mrr")
    values = [r.mrr or Decimal(0) for r in by_mrr]
    assert values == sorted(values, reverse=True)
    assert by_mrr[0].name == "Alpha active"
    by_first = sort_customers(rows, "first_paid")
    assert by_first[0].name == "Epsilon reactivated"
    assert by_first[-1].first_paid is None  # empty values last, either direction
    assert sort_customers(rows, "-first_paid")[-1].first_paid is None


@freeze_time(NOW)
def test_the_list_page_filters_sorts_and_pages_in_the_address(client_as, alice, customers):
    client = client_as(alice)
    response = client.get("/w/acme/customers/?status=active&sort=-mrr")
    assert response.status_code == 200
    names = [r.name for r, _ in response.context["rows"]]
    assert names == ["Alpha active", "Zeta active", "Theta active"]
    page = response.content.decode()
    assert "270.00" in page and "/w/acme/customers/" in page
    assert "Jan. 2025" in page or "Jan 2025" in page  # months in words, not codes
    assert client.get("/w/acme/customers/?page=99").status_code == 200
    empty = client.get("/w/acme/customers/?q=nobody")
    assert "No customer matches these filters." in empty.content.decode()


@freeze_time(NOW)
def test_csv_export_has_the_rows_shown(client_as, alice, customers):
    response = client_as(alice).get("/w/acme/customers/export.csv?status=churned")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "Customer"
    assert [line[0] for line in lines[1:]] == ["Gamma churned"]
    assert lines[1][5] == "2025-01" and lines[1][6] == "2025-04"


@freeze_time(NOW)
def test_the_customer_page_shows_its_movements_and_their_causes(client_as, alice, customers):
    with workspace_scope(customers.id):
        account = Account.objects.get(name="Epsilon reactivated")
        Deal.objects.create(
            external_id="D1",
            account=account,
            name="Epsilon Pro",
            stage="won",
            currency="EUR",
            created_at=date(2025, 2, 1),
            closed_at=date(2025, 2, 20),
            amount_cents=48_000_00,
        )
        NpsResponse.objects.create(account=account, score=9, responded_at=date(2025, 4, 2))
        Usage.objects.create(account=account, month=date(2025, 4, 1), active_users=4, seats=5)
    response = client_as(alice).get(f"/w/acme/customers/{account.pk}/")
    assert response.status_code == 200
    profile = response.context["profile"]
    moves = [(m.month.label, m.key, m.amount) for m in profile.movements]
    # November 2024 new (30 €), churned at the end of 2024 (January's start had 30), back in
    # March with 40 €: a reactivation
    assert moves == [
        ("2025-03", "mrr_reactivation", 40),
        ("2025-01", "mrr_churn", 30),
        ("2024-11", "mrr_new", 30),
    ]
    causes = {
        m.month.label: [(c.subscription.external_id, c.change) for c in m.causes]
        for m in profile.movements
    }
    assert causes["2025-01"] == [("S4-0", "ends")]
    assert causes["2025-03"] == [("S4-1", "begins")]
    assert [p.mrr for p in profile.timeline][-1] == 40
    page = response.content.decode()
    assert "customer-mrr-data" in page and "Epsilon Pro" in page and "S4-1" in page
    record = client_as(alice).get(f"/w/acme/data/accounts/{account.pk}/").content.decode()
    assert f"/w/acme/customers/{account.pk}/" in record  # the record links to the page


@freeze_time(NOW)
def test_another_workspaces_customer_is_not_found(
    client_as, alice, charlie, customers, other_workspace
):
    with workspace_scope(customers.id):
        account = Account.objects.get(name="Alpha active")
    assert client_as(charlie).get(f"/w/beta/customers/{account.pk}/").status_code == 404
    assert client_as(charlie).get(f"/w/acme/customers/{account.pk}/").status_code == 404
    assert client_as(charlie).get("/w/acme/customers/").status_code == 404


@freeze_time(NOW)
def test_a_movement_lists_its_customers_with_their_amounts(client_as, alice, customers):
    client = client_as(alice)
    response = client.get("/w/acme/customers/?movement=mrr_churn&period=2025-04")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.name, amount) for r, amount in rows] == [("Gamma churned", 25)]
    assert response.context["shown_total"] == response.context["snapshot"].value
    quarter = client.get("/w/acme/customers/?movement=mrr_new&period=2025-Q1")
    assert quarter.context["shown_total"] == quarter.context["snapshot"].value
    assert {r.name for r, _ in quarter.context["rows"]} == {
        "Alpha active",
        "Beta cancelling",
        "Gamma churned",
        "Zeta active",
        "Theta active",
    }
    text = client.get(
        "/w/acme/customers/export.csv?movement=mrr_churn&period=2025-04"
    ).content.decode()
    assert list(csv.reader(io.StringIO(text)))[1][-1] == "25.00"


@freeze_time(NOW)
@pytest.mark.parametrize(
    "query, message",
    [
        ("movement=mrr_nope&period=2025-04", "There is no such MRR movement"),
        ("movement=mrr_new&period=April", "This period could not be read"),
        ("movement=mrr_new&period=2031-01", "This period lies in the future"),
        ("status=happy", "There is no such status"),
    ],
)
def test_bad_movement_or_period_says_so_and_shows_everyone(
    client_as, alice, customers, query, message
):
    response = client_as(alice).get(f"/w/acme/customers/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["movement"] is None
    assert response.context["count"] == len(CUSTOMERS)


@freeze_time(NOW)
def test_mrr_page_and_movement_kpi_pages_link_to_the_customers(client_as, alice, customers):
    client = client_as(alice)
    page = client.get("/w/acme/mrr/").content.decode()
    assert "/w/acme/customers/?movement=mrr_churn&amp;period=2025-04" in page
    quarters = client.get("/w/acme/mrr/?grain=quarter").content.decode()
    assert "/w/acme/customers/?movement=mrr_new&amp;period=2025-Q1" in quarters
    # Each period's value on a movement KPI's page links to its customers (none when 0).
    with workspace_scope(customers.id):
        values = {
            (s.kpi_key, s.period_start.strftime("%Y-%m")): s.value
            for s in KpiSnapshot.objects.filter(grain="month", dimension="")
        }
    for key in ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation"):
        detail = client.get(f"/w/acme/kpis/{key}/").content.decode()
        linked = set(re.findall(rf"/w/acme/customers/\?movement={key}&amp;period=([\d-]+)", detail))
        shown = {month for (k, month), value in values.items() if k == key and value}
        assert linked == shown, key
    assert linked == {"2025-03"}  # the one reactivation: Epsilon back in March
    assert "/customers/?movement=" not in client.get("/w/acme/kpis/mrr/").content.decode()


def test_no_customers_shows_an_empty_state(client_as, alice, workspace):
    response = client_as(alice).get("/w/acme/customers/")
    assert response.status_code == 200
    assert "No customers yet" in response.content.decode()


@freeze_time(NOW)
def test_the_list_reads_a_fixed_number_of_queries(
    client_as, alice, customers, django_assert_num_queries
):
    """Set-based: twenty more customers cost no query more (a list of thousands stays fast)."""
    client = client_as(alice)
    with CaptureQueriesContext(connection) as before:
        client.get("/w/acme/customers/")
    with workspace_scope(customers.id):
        for n in range(20):
            account = Account.objects.create(external_id=f"More{n}", name=f"More {n}")
            account.subscriptions.create(
                external_id=f"M{n}",
                amount_cents=1_000 + n,
                currency="EUR",
                interval="month",
                started_at=date(2025, 1, 1),
                workspace=customers,
            )
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get("/w/acme/customers/")
    assert response.context["count"] == len(CUSTOMERS) + 20
