"""Every API endpoint × every role × another workspace: nothing leaks, the right codes
(401 without credentials, 404 outside the caller's workspaces, 403 below the role)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Channel
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db

# resource -> (role to read, role to write, what an empty POST of a writer answers)
DATA = (
    "accounts",
    "deals",
    "subscriptions",
    "leads",
    "traffic",
    "spend",
    "nps",
    "usage",
    "exchange-rates",
    "custom-kpis",
    "targets",
    "benchmarks",
)
RULES = {
    **dict.fromkeys(DATA, ("viewer", "editor", 400)),
    "channels": ("viewer", "editor", 405),
    "campaigns": ("viewer", "editor", 405),
    "kpis": ("viewer", "editor", 405),
    "imports": ("editor", "editor", 400),
    "members": ("viewer", "admin", 405),
    "invitations": ("admin", "admin", 400),
    "tokens": ("viewer", "viewer", 400),
    "reports": ("viewer", "editor", 400),
    "digests": ("viewer", "viewer", 400),
    "audit": ("admin", "admin", 405),
}
LISTS = list(RULES)
RANK = {"viewer": 1, "editor": 2, "admin": 3, "owner": 4}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("resource", LISTS)
def test_anonymous_callers_get_401_and_outsiders_404(resource, client, cast, workspace):
    url = f"/api/v1/workspaces/acme/{resource}/"
    anonymous = APIClient().get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    assert _client(cast["outsider"]).get(url).status_code == 404
    assert _client(cast["outsider"]).post(url, {}, format="json").status_code == 404
    assert _client(cast["viewer"]).get(url.replace("acme", "no-such")).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "editor", "admin", "owner"])
@pytest.mark.parametrize("resource", LISTS)
def test_members_get_what_their_role_allows(resource, role, cast, workspace):
    read, write, empty_post = RULES[resource]
    client = _client(cast[role])
    url = f"/api/v1/workspaces/acme/{resource}/"
    assert client.get(url).status_code == (200 if RANK[role] >= RANK[read] else 403)
    status = client.post(url, {}, format="json" if resource != "imports" else "multipart")
    assert status.status_code == (empty_post if RANK[role] >= RANK[write] else 403)


def test_nothing_of_another_workspace_is_visible(cast, workspace, other_workspace):
    with workspace_scope(other_workspace.id):
        theirs = Account.objects.create(external_id="B1", name="Beta's customer")
        channel = Channel.objects.create(name="Beta ads", key="beta ads")
    with workspace_scope(workspace.id):
        Account.objects.create(external_id="A1", name="Acme's customer")
    client = _client(cast["owner"])
    listed = client.get("/api/v1/workspaces/acme/accounts/").json()["results"]
    assert [a["name"] for a in listed] == ["Acme's customer"]
    assert client.get(f"/api/v1/workspaces/acme/accounts/{theirs.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/workspaces/acme/accounts/{theirs.pk}/", {"name": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/workspaces/acme/accounts/{theirs.pk}/").status_code == 404
    # a foreign id as a relation is refused, not linked
    sent = {"name": "X", "external_id": "A2", "channel": channel.pk}
    mine = client.post("/api/v1/workspaces/acme/accounts/", sent, format="json")
    assert mine.status_code == 400 and "channel" in mine.json()
    with workspace_scope(other_workspace.id):
        assert Account.objects.get(pk=theirs.pk).name == "Beta's customer"


def test_a_token_grants_its_own_workspace_only(cast, workspace, other_workspace, charlie):
    Membership.all_workspaces.create(user=charlie, workspace=workspace, role="owner")
    with workspace_scope(other_workspace.id):
        key = api_token_create(membership=membership_of(charlie, other_workspace), name="t").key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert [w["slug"] for w in client.get("/api/v1/workspaces/").json()] == ["beta"]
    assert client.get("/api/v1/workspaces/beta/accounts/").status_code == 200
    assert client.get("/api/v1/workspaces/acme/accounts/").status_code == 404
