"""Records through the API: create (one or many, all or none), list with filters, search,
ordering and pages, change, delete; money in major units; the same checks as the data pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.models import (
    Account,
    Channel,
    Deal,
    DealStageChange,
    Lead,
    RecomputeState,
    Touchpoint,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/"


@pytest.fixture
def api(erik, workspace) -> APIClient:
    client = APIClient()
    client.force_authenticate(erik)
    return client


def test_create_read_change_and_delete_an_account(api, workspace):
    created = api.post(
        URL + "accounts/",
        {"name": "Nordwind GmbH", "external_id": "N-1", "country": "uk"},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["country"] == "GB" and body["name"] == "Nordwind GmbH"  # UK becomes GB
    url = f"{URL}accounts/{body['id']}/"
    assert api.patch(url, {"industry": "Logistik"}, format="json").json()["industry"] == "Logistik"
    assert api.get(url).json()["name"] == "Nordwind GmbH"  # PATCH kept the rest
    with workspace_scope(workspace.id):
        assert RecomputeState.objects.get().dirty_since is not None  # KPIs follow the data
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_money_is_in_major_units_and_a_stage_change_is_history(api, workspace):
    account = api.post(URL + "accounts/", {"name": "A", "external_id": "A"}, format="json").json()
    deal = api.post(
        URL + "deals/",
        {
            "external_id": "D-1",
            "name": "Pilot",
            "account": account["id"],
            "stage": "proposal",
            "kind": "new",
            "amount": "12000.50",
            "currency": "EUR",
            "created_at": "2025-03-01",
        },
        format="json",
    )
    assert deal.status_code == 201, deal.json()
    assert deal.json()["amount"] == "12000.50"
    with workspace_scope(workspace.id):
        assert Deal.objects.get().amount_cents == 1_200_050
    url = f"{URL}deals/{deal.json()['id']}/"
    won = api.patch(url, {"stage": "won", "closed_at": "2025-04-02"}, format="json")
    assert won.status_code == 200, won.json()
    history = api.get(url + "stage-history/").json()
    assert [(h["from_stage"], h["to_stage"], h["changed_by"]) for h in history] == [
        ("proposal", "won", "erik@example.com")
    ]
    with workspace_scope(workspace.id):
        assert DealStageChange.objects.count() == 1


def test_bad_records_answer_400_per_field_and_change_nothing(api, workspace):
    bad = api.post(
        URL + "deals/", {"external_id": "D-1", "stage": "maybe", "amount": "-3"}, format="json"
    )
    assert bad.status_code == 400
    assert {"stage", "amount"} <= set(bad.json())
    assert api.post(URL + "accounts/", ["not", "objects"], format="json").status_code == 400
    assert api.post(URL + "accounts/", "text", format="json").status_code == 400
    with workspace_scope(workspace.id):
        assert not Deal.objects.exists() and not Account.objects.exists()


def test_bulk_create_is_all_or_nothing(api, workspace):
    rows = [{"name": f"Kunde {n}", "external_id": f"K-{n}"} for n in range(3)]
    rows.append({"name": "", "external_id": "K-x"})
    refused = api.post(URL + "accounts/", rows, format="json")
    assert refused.status_code == 400
    assert refused.json()["rows"] == [{"index": 3, "errors": {"name": ["This field is required."]}}]
    with workspace_scope(workspace.id):
        assert not Account.objects.exists()
    created = api.post(URL + "accounts/", rows[:3], format="json")
    assert created.status_code == 201 and len(created.json()) == 3


def test_lists_filter_search_order_and_page(api, workspace):
    rows = [
        {"name": f"Kunde {n:02}", "external_id": f"K-{n:02}", "country": ("AT", "DE")[n % 2]}
        for n in range(25)
    ]
    assert api.post(URL + "accounts/", rows, format="json").status_code == 201
    page = api.get(URL + "accounts/?page_size=10&ordering=-name").json()
    assert page["count"] == 25 and len(page["results"]) == 10
    assert page["results"][0]["name"] == "Kunde 24" and page["next"].endswith("page=2&page_size=10")
    austrian = api.get(URL + "accounts/?country=AT&page_size=100").json()
    assert austrian["count"] == 13 and {a["country"] for a in austrian["results"]} == {"AT"}
    assert api.get(URL + "accounts/?search=Kunde 07").json()["count"] == 1
    assert api.get(URL + "accounts/?page=9").status_code == 404  # past the last page


def test_custom_kpi_values_are_entered_through_the_api(api, workspace):
    kpi = {"name": "Audit-Quote", "unit": "percent", "direction": "up", "aggregation": "mean"}
    made = api.post(URL + "custom-kpis/", kpi, format="json")
    assert made.status_code == 201 and made.json()["key"] == "custom_audit_quote"
    values = f"{URL}custom-kpis/custom_audit_quote/values/"
    entered = api.post(values, {"month": "2025-03-15", "value": 97.5}, format="json")
    assert entered.status_code == 201 and entered.json()["month"] == "2025-03-01"
    assert api.post(values, {"month": ["2025-04-01"], "value": 1}, format="json").status_code == 400
    assert api.post(values, {"month": "2025-03-01", "value": 1}, format="json").status_code == 400
    assert [v["value"] for v in api.get(values).json()["results"]] == ["97.500000"]


def test_cursor_pages_walk_every_record_once(api, workspace):
    rows = [{"name": f"Kunde {n:03}", "external_id": f"K-{n:03}"} for n in range(230)]
    assert api.post(URL + "accounts/", rows, format="json").status_code == 201
    seen, url = [], URL + "accounts/?cursor=&page_size=100"
    while url:
        page = api.get(url).json()
        assert "count" not in page
        seen += [a["external_id"] for a in page["results"]]
        url = page["next"]
    assert len(seen) == 230 and set(seen) == {r["external_id"] for r in rows}
    assert seen[0] == "K-229"  # newest first
    assert api.get(URL + "accounts/?cursor=bm9wZQ").status_code == 404


def test_a_touchpoint_belongs_to_a_lead_of_this_workspace_only(api, workspace, other_workspace):
    lead = api.post(URL + "leads/", {"external_id": "L-1", "created_at": "2025-03-01"},
                    format="json").json()  # fmt: skip
    with workspace_scope(workspace.id):
        channel = Channel.objects.create(name="Webinare")
    contact = {"lead": lead["id"], "occurred_at": "2025-02-27", "channel": channel.pk,
               "type": "webinar"}  # fmt: skip
    created = api.post(URL + "touchpoints/", contact, format="json")
    assert created.status_code == 201, created.json()
    assert api.get(URL + "touchpoints/").json()["results"][0]["type"] == "webinar"
    account = api.post(URL + "accounts/", {"name": "A", "external_id": "A"}, format="json").json()
    both = api.post(URL + "touchpoints/", {**contact, "account": account["id"]}, format="json")
    assert both.status_code == 400
    assert both.json()["account"] == ["Choose a lead or an account, not both."]
    with workspace_scope(other_workspace.id):
        foreign = Lead.objects.create(external_id="X", created_at="2025-01-01")
    stolen = api.post(URL + "touchpoints/", {**contact, "lead": foreign.pk}, format="json")
    assert stolen.status_code == 400 and "lead" in stolen.json()
    with workspace_scope(workspace.id):
        assert Touchpoint.objects.count() == 1


def test_alerts_in_the_api_follow_the_roles(api, workspace, vera):
    created = api.post(URL + "alerts/", {"kpi_key": "mrr", "kind": "below", "threshold": "1000",
                                         "recipients": "me"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    missing = api.post(URL + "alerts/", {"kpi_key": "mrr", "kind": "below"}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"threshold": ["Enter the value that sets the alert off."]}
    assert api.get(URL + "alerts/events/").json()["results"] == []
    viewer = APIClient()
    viewer.force_authenticate(vera)
    assert viewer.get(URL + "alerts/").json()["results"][0]["kpi_key"] == "mrr"
    assert viewer.delete(f"{URL}alerts/{created.json()['id']}/").status_code == 403
