"""The audit log page, its CSV export and the API's `audit/`: owners and admins only, filtered,
newest first, described in words, never another workspace's events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/settings/audit/"
API = "/api/v1/workspaces/acme/audit/"


@pytest.fixture
def events(cast, workspace, other_workspace):
    def at(day: int, **kwargs):
        event = audit_record(**kwargs)
        with workspace_scope(kwargs["workspace"].id):
            AuditEvent.objects.filter(pk=event.pk).update(
                created_at=datetime(2026, 11, day, 9, tzinfo=UTC)
            )

    at(1, workspace=workspace, actor=cast["owner"], action="token.created", subject="CI")
    at(
        2,
        workspace=workspace,
        actor=cast["admin"],
        action="member.role_changed",
        subject="erik@example.com",
        old="editor",
        new="viewer",
    )
    at(3, workspace=workspace, actor=cast["admin"], action="target.set", subject="mrr 2026-Q1")
    at(
        2,
        workspace=other_workspace,
        actor=cast["outsider"],
        action="token.created",
        subject="Beta secret token",
    )


def test_owners_and_admins_see_the_log_newest_first_in_words(client_as, cast, events):
    for who in ("owner", "admin"):
        page = client_as(cast[who]).get(PAGE)
        assert page.status_code == 200
        body = page.content.decode().split("<tbody>")[1].lower()
        assert (
            body.index("set a target")
            < body.index("changed a role")
            < body.index("created an api token")
        )
        assert "Beta secret token" not in body
        assert "target.set" not in body  # words, not keys


def test_editors_and_viewers_get_403_and_outsiders_404(client_as, cast, events):
    assert client_as(cast["editor"]).get(PAGE).status_code == 403
    assert client_as(cast["viewer"]).get(PAGE).status_code == 403
    assert client_as(cast["editor"]).get(PAGE + "export.csv").status_code == 403
    assert client_as(cast["outsider"]).get(PAGE).status_code == 404
    assert client_as(cast["outsider"]).get(PAGE + "export.csv").status_code == 404


def test_the_page_filters_by_action_person_and_dates(client_as, cast, events):
    client = client_as(cast["owner"])

    def rows(**params):
        return client.get(PAGE, params).content.decode().split("<tbody>")[1].lower()

    body = rows(action="token.created")
    assert "created an api token" in body and "set a target" not in body
    body = rows(actor="adam@example.com")
    assert "changed a role" in body and "created an api token" not in body
    body = rows(since="2026-11-02", until="2026-11-02")
    assert "changed a role" in body and "set a target" not in body and ">ci<" not in body
    assert client.get(PAGE, {"since": "gestern"}).status_code == 400


def test_the_page_is_german_for_german_users(client_as, cast, events, workspace):
    cast["owner"].language = "de"
    cast["owner"].save()
    body = client_as(cast["owner"]).get(PAGE).content.decode()
    assert "Hat ein Ziel gesetzt" in body and "Protokoll" in body


def test_the_page_paginates(client_as, cast, workspace):
    for n in range(55):
        audit_record(
            workspace=workspace,
            actor=cast["owner"],
            action="token.created",
            subject=f"token {n:02d}",
        )
    client = client_as(cast["owner"])
    first = client.get(PAGE).content.decode()
    assert "token 54" in first and "token 04" not in first
    second = client.get(PAGE, {"page": 2}).content.decode()
    assert "token 04" in second and "token 54" not in second


def test_the_csv_export_holds_the_filtered_list(client_as, cast, events):
    response = client_as(cast["admin"]).get(PAGE + "export.csv", {"actor": "adam@example.com"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0] == "Time,Person,Action,Object,Details,IP address,Action key"
    assert len(lines) == 3
    assert 'Set a target,"MRR, Q1 2026",' in lines[1]
    assert lines[1].endswith(",target.set")
    assert "Role: Editor → Viewer" in lines[2]
    assert "Beta" not in text


def test_the_german_csv_uses_semicolons_and_a_bom(client_as, cast, events):
    cast["admin"].language = "de"
    cast["admin"].save()
    response = client_as(cast["admin"]).get(PAGE + "export.csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeffZeit;Person;Aktion;")
    assert "Hat ein Ziel gesetzt;MRR, Q1 2026;;;target.set" in text


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_and_filters_for_admins_only(cast, events):
    answer = _api(cast["admin"]).get(API).json()
    assert answer["count"] == 3
    assert [e["action"] for e in answer["results"]] == [
        "target.set",
        "member.role_changed",
        "token.created",
    ]
    first = answer["results"][1]
    assert first["actor"] == "adam@example.com" and first["description"] == (
        "Changed a role: erik@example.com (Role: Editor → Viewer)"
    )
    assert first["detail"] == {"old": "editor", "new": "viewer"}
    filtered = _api(cast["owner"]).get(API, {"action": "token.created", "since": "2026-11-01"})
    assert [e["subject"] for e in filtered.json()["results"]] == ["CI"]
    assert _api(cast["owner"]).get(API, {"until": "nope"}).status_code == 400
    assert _api(cast["editor"]).get(API).status_code == 403
    assert _api(cast["outsider"]).get(API).status_code == 404
    assert _api(cast["owner"]).post(API, {}, format="json").status_code == 405


def test_events_of_another_workspace_never_appear(client_as, cast, events, other_workspace):
    # charlie, owner of beta, sees only beta's event, and acme's are not reachable by id
    answer = _api(cast["outsider"]).get("/api/v1/workspaces/beta/audit/").json()
    assert [e["subject"] for e in answer["results"]] == ["Beta secret token"]
    with workspace_scope(other_workspace.id):
        theirs = AuditEvent.objects.get().pk
    assert _api(cast["owner"]).get(f"{API}{theirs}/").status_code == 404
    body = client_as(cast["outsider"]).get("/w/beta/settings/audit/").content.decode()
    assert "Beta secret token" in body and "mrr 2026-Q1" not in body
    # a filter naming a person of another workspace finds nothing in this one
    assert _api(cast["owner"]).get(API, {"actor": "charlie@example.com"}).status_code == 400


def test_a_request_records_the_client_address(client_as, cast, workspace):
    client = client_as(cast["owner"])
    client.post("/w/acme/settings/tokens/", {"name": "CI"}, REMOTE_ADDR="203.0.113.9")
    with workspace_scope(workspace.id):
        event = AuditEvent.objects.get(action="token.created")
    assert event.ip_address == "203.0.113.9"
    assert event.created_at > datetime.now(UTC) - timedelta(minutes=1)
