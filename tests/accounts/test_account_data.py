"""A person downloads their own data as JSON and deletes their login; what they wrote stays,
attributed to a former member, and the last owner of a shared workspace is refused."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditEvent, User
from accounts.tenancy import workspace_scope
from kpiapp.models import ReportComment
from tests.accounts.workspace_data import fill_every_table
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_a_person_downloads_their_own_data_as_json(client_as, cast, workspace, other_workspace):
    fill_every_table(workspace, cast["owner"])
    fill_every_table(other_workspace, cast["outsider"])
    response = client_as(cast["owner"]).get("/accounts/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kennzahl-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.com"
    (acme,) = data["workspaces"]  # only her own workspace
    assert acme["workspace"] == {"name": "Acme GmbH", "slug": "acme"} and acme["role"] == "owner"
    assert [t["name"] for t in acme["api_tokens"]] == ["Skript"]
    assert "key_hash" not in json.dumps(data) and "Beta" not in json.dumps(data)
    assert [r["title"] for r in acme["reports"]] == ["Monatsbericht"]
    assert [c["comment"] for c in acme["comments"]] == ["Sieht gut aus."]
    assert [i["email"] for i in acme["invitations_sent"]] == ["neu@example.com"]
    assert any(e["action"] == "target.set" for e in acme["audit_events"])


def test_the_data_download_needs_a_login(client):
    assert client.get("/accounts/export.json").status_code == 302


def test_deleting_ones_login_keeps_what_one_wrote_as_a_former_members(client_as, cast, workspace):
    fill_every_table(workspace, cast["admin"])
    response = client_as(cast["admin"]).post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(email="adam@example.com").exists()
    with workspace_scope(workspace.id):
        comment = ReportComment.objects.get()
        left = AuditEvent.objects.get(action="member.account_deleted")
    assert comment.author is None and comment.body == "Sieht gut aus."
    assert left.actor is None and left.actor_label == "adam@example.com"
    page = client_as(cast["owner"]).get(f"/w/acme/reports/{comment.report_id}/")
    assert "a former member" in page.content.decode()
    log = client_as(cast["owner"]).get("/w/acme/settings/audit/").content.decode()
    assert "adam@example.com" in log and "deleted user" in log


def test_the_last_owner_of_a_shared_workspace_is_refused_clearly(client_as, cast, workspace):
    response = client_as(cast["owner"]).post(
        "/accounts/delete/", {"password": PASSWORD}, follow=True
    )
    assert "You are the only owner of “Acme GmbH”" in response.content.decode()
    assert User.objects.filter(pk=cast["owner"].pk).exists()
    with workspace_scope(workspace.id):
        assert not AuditEvent.objects.filter(action="member.account_deleted").exists()
