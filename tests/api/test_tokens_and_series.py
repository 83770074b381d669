"""API tokens (hashed, last used, revoked, owner gone), the browser session with CSRF, the
request budget (429 with Retry-After), and the series endpoint: the same JSON as `kpi_series`,
with an ETag."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

from django.core.management import call_command
from django.test import Client

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership
from accounts.services import api_token_create, api_token_revoke
from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret
from kpiapp.api.auth import TokenRateThrottle
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
ACCOUNTS = "/api/v1/workspaces/acme/accounts/"


def _token(user, workspace) -> str:
    with workspace_scope(workspace.id):
        return api_token_create(membership=membership_of(user, workspace), name="CI").key


def test_a_token_is_stored_hashed_works_and_stops_when_revoked(erik, alice, workspace):
    key = _token(erik, workspace)
    token = ApiToken.all_workspaces.get()
    assert token.key_hash == hash_secret(key) and key not in token.key_hash
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(ACCOUNTS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(actor=membership_of(alice, workspace), token=token)
    refused = client.get(ACCOUNTS)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert APIClient(HTTP_AUTHORIZATION="Token kz_wrong").get(ACCOUNTS).status_code == 401
    assert APIClient(HTTP_AUTHORIZATION="Token a b").get(ACCOUNTS).status_code == 401


def test_a_token_dies_with_its_owners_membership_and_keeps_their_role(vera, workspace):
    key = _token(vera, workspace)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert (
        client.post(ACCOUNTS, {"name": "x", "external_id": "x"}, format="json").status_code == 403
    )
    Membership.all_workspaces.filter(user=vera, workspace=workspace).delete()
    assert client.get(ACCOUNTS).status_code == 401


def test_the_browser_session_needs_its_csrf_token_to_write(erik, workspace):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(erik, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get(ACCOUNTS).status_code == 200
    body = json.dumps({"name": "x", "external_id": "x"})
    refused = browser.post(ACCOUNTS, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get("/w/acme/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(ACCOUNTS, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_each_token_has_a_request_budget(erik, workspace, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    client = APIClient(HTTP_AUTHORIZATION=f"Token {_token(erik, workspace)}")
    assert [client.get(ACCOUNTS).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(ACCOUNTS)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other = APIClient(HTTP_AUTHORIZATION=f"Token {_token(erik, workspace)}")
    assert other.get(ACCOUNTS).status_code == 200  # a budget per token


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id), freeze_time("2025-05-20"):
        for n, start in enumerate((date(2025, 1, 1), date(2025, 2, 15), date(2025, 3, 3))):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country="DE")
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                currency="EUR",
                amount_cents=10_000 * (n + 1),
                interval="month",
                started_at=start,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace


@freeze_time("2025-05-20")
@pytest.mark.parametrize(
    "query",
    [
        "start=2025-01&end=2025-05",
        "start=2025-Q1&end=2025&grain=quarter",
        "start=2025-01&end=2025-04&dimension=country",
    ],
)
def test_the_series_equals_the_command_and_answers_304_when_unchanged(vera, company, query):
    params = dict(part.split("=") for part in query.split("&"))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {_token(vera, company)}")
    response = client.get(f"/api/v1/workspaces/acme/kpis/mrr/series/?{query}")
    assert response.status_code == 200
    out = StringIO()
    args = [
        "--workspace",
        "acme",
        "--kpi",
        "mrr",
        "--start",
        params["start"],
        "--end",
        params["end"],
        "--grain",
        params.get("grain", "month"),
    ]
    if "dimension" in params:
        args += ["--dimension", params["dimension"]]
    call_command("kpi_series", *args, stdout=out)
    assert response.json() == json.loads(out.getvalue())
    assert response.json()["points"] and response.json()["points"][0]["value"] is not None
    again = client.get(
        f"/api/v1/workspaces/acme/kpis/mrr/series/?{query}", HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


@freeze_time("2025-05-20")
def test_bad_series_requests_say_which_parameter(vera, company):
    client = APIClient()
    client.force_authenticate(vera)
    url = "/api/v1/workspaces/acme/kpis/mrr/series/"
    assert client.get(url).json() == {
        "start": ["This parameter is required."],
        "end": ["This parameter is required."],
    }
    assert "grain" in client.get(url + "?start=2025-01&end=2025-02&grain=week").json()
    assert "dimension" in client.get(url + "?start=2025-01&end=2025-02&dimension=owner").json()
    assert "end" in client.get(url + "?start=2025-05&end=2025-01").json()
    assert (
        client.get(
            "/api/v1/workspaces/acme/kpis/nope/series/?start=2025-01&end=2025-02"
        ).status_code
        == 404
    )
