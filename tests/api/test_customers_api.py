"""`customers/` in the API: the list's numbers, its filters, ordering and pages, a customer by
its id, and nothing of another workspace."""

from __future__ import annotations

from decimal import Decimal

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.models import Account
from tests.customer_data import CUSTOMERS, NOW, customers, expected_mrr

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/customers/"
__all__ = ["customers"]  # the fixture


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@freeze_time(NOW)
def test_the_list_has_mrr_status_plan_and_paid_months(vera, customers):
    body = _client(vera).get(URL).json()
    assert body["count"] == len(CUSTOMERS)
    by_name = {c["name"]: c for c in body["results"]}
    for name, rows in CUSTOMERS.items():
        got = by_name[name]
        assert Decimal(got["mrr"]) == expected_mrr(rows), name
        assert Decimal(got["arr"]) == expected_mrr(rows) * 12, name
        assert got["status"] == name.split()[-1], name
    assert by_name["Gamma churned"]["first_paid_month"] == "2025-01"
    assert by_name["Gamma churned"]["last_paid_month"] == "2025-04"
    assert by_name["Delta trial"]["first_paid_month"] is None
    mrrs = [Decimal(c["mrr"]) for c in body["results"]]
    assert mrrs == sorted(mrrs, reverse=True)  # largest first by default


@freeze_time(NOW)
def test_filters_ordering_and_pages(vera, customers):
    api = _client(vera)
    churned = api.get(URL + "?status=churned").json()["results"]
    assert [c["name"] for c in churned] == ["Gamma churned"]
    assert [c["name"] for c in api.get(URL + "?search=alp").json()["results"]] == ["Alpha active"]
    assert {c["name"] for c in api.get(URL + "?channel=Paid ads").json()["results"]} == {
        "Alpha active",
        "Beta cancelling",
        "Gamma churned",
    }
    names = [c["name"] for c in api.get(URL + "?ordering=name").json()["results"]]
    assert names == sorted(names, key=str.casefold)
    page = api.get(URL + "?ordering=name&page_size=3&page=2").json()
    assert [c["name"] for c in page["results"]] == names[3:6] and page["count"] == len(names)
    bad = api.get(URL + "?status=happy")
    assert bad.status_code == 400 and "status" in bad.json()
    assert api.get(URL + "?ordering=secret").status_code == 400


@freeze_time(NOW)
def test_one_customer_and_no_other_workspaces(vera, charlie, other_workspace, customers):
    with workspace_scope(customers.id):
        alpha = Account.objects.get(name="Alpha active")
        prospect = Account.objects.get(external_id="P")
    api = _client(vera)
    got = api.get(f"{URL}{alpha.pk}/").json()
    assert got["name"] == "Alpha active" and got["status"] == "active"
    assert api.get(f"{URL}{prospect.pk}/").status_code == 404  # no subscriptions: no customer
    outsider = _client(charlie)
    assert outsider.get(URL).status_code == 404
    assert outsider.get(f"{URL}{alpha.pk}/").status_code == 404
    own = outsider.get(f"/api/v1/workspaces/beta/customers/{alpha.pk}/")
    assert own.status_code == 404
    assert outsider.get("/api/v1/workspaces/beta/customers/").json()["count"] == 0
    assert api.post(URL, {}, format="json").status_code == 405
