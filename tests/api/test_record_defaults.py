"""A record through the API needs only the fields PRODUCT.md's CSV kinds table marks as
required (`*`); every other field gets the importer's default, so a minimal JSON object and a
minimal CSV row make the same record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.models import Account, Channel, Lead

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/"


@pytest.fixture
def api(erik, workspace) -> APIClient:
    client = APIClient()
    client.force_authenticate(erik)
    return client


@pytest.fixture
def refs(workspace) -> dict[str, int]:
    with workspace_scope(workspace.id):
        account = Account.objects.create(workspace=workspace, name="Nordwind", external_id="N")
        channel = Channel.objects.create(workspace=workspace, name="Partner")
        lead = Lead.objects.create(
            workspace=workspace, external_id="L-1", created_at=date(2026, 3, 1)
        )
    return {"account": account.pk, "channel": channel.pk, "lead": lead.pk}


def minimal(kind: str, refs: dict[str, int]) -> dict[str, object]:
    """The `*` fields of PRODUCT.md's CSV kinds table, and nothing else."""
    return {
        "accounts": {"name": "Nordwind GmbH"},
        "deals": {"external_id": "D-1", "stage": "lead"},
        "subscriptions": {
            "external_id": "S-1",
            "account": refs["account"],
            "amount": "99.00",
            "interval": "month",
            "started_at": "2026-03-01",
        },
        "leads": {"external_id": "L-2", "created_at": "2026-03-02"},
        "traffic": {"month": "2026-03-01", "channel": refs["channel"], "visits": 120},
        "spend": {"month": "2026-03-01", "category": "marketing", "amount": "500.00"},
        "nps": {"account": refs["account"], "responded_at": "2026-03-05", "score": 9},
        "usage": {"account": refs["account"], "month": "2026-03-01"},
        "touchpoints": {
            "lead": refs["lead"],
            "occurred_at": "2026-03-03",
            "channel": refs["channel"],
            "type": "webinar",
        },
        "exchange_rates": {"month": "2026-03-01", "currency": "USD", "rate": "0.92"},
    }[kind]


KINDS = [k for k in DATA_KINDS if k != "custom_kpi_values"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_with_only_the_required_fields_is_created(api, workspace, refs, kind):
    answer = api.post(URL + kind.replace("_", "-") + "/", minimal(kind, refs), format="json")
    assert answer.status_code == 201, answer.json()


def test_a_minimal_subscription_and_deal_get_the_importers_defaults(api, workspace, refs):
    sub = api.post(URL + "subscriptions/", minimal("subscriptions", refs), format="json").json()
    deal = api.post(URL + "deals/", minimal("deals", refs), format="json").json()
    account = api.post(URL + "accounts/", minimal("accounts", refs), format="json").json()
    assert (sub["interval_count"], sub["quantity"]) == (1, 1)
    assert Decimal(sub["discount_percent"]) == 0
    assert sub["currency"] == deal["currency"] == workspace.currency
    assert deal["kind"] == "new"
    assert account["external_id"] == account["name"] == "Nordwind GmbH"


def test_sent_optional_values_are_kept_and_null_means_the_default(api, workspace, refs):
    record = minimal("subscriptions", refs) | {
        "quantity": 3,
        "currency": "USD",
        "discount_percent": None,
    }
    sub = api.post(URL + "subscriptions/", record, format="json").json()
    assert (sub["quantity"], sub["currency"]) == (3, "USD")
    assert Decimal(sub["discount_percent"]) == 0


@pytest.mark.parametrize("kind", ["subscriptions", "deals", "nps"])
def test_a_missing_required_field_is_still_refused_by_name(api, workspace, refs, kind):
    record = minimal(kind, refs)
    left_out = next(iter(reversed(record)))
    del record[left_out]
    answer = api.post(URL + kind + "/", record, format="json")
    assert answer.status_code == 400 and left_out in answer.json()
    with workspace_scope(workspace.id):
        assert not DATA_KINDS[kind].model.objects.exists()
