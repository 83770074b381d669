"""Reports over the API: who sees and changes what, the live content, comments, share links
and the caller's own digests."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.models import DigestSubscription, Report, ShareLink
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.targets import kpi_facts
from tests.conftest import membership_of
from tests.report_data import TODAY, make_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workspaces/acme/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_shows_shared_and_own_private_reports_only(cast, workspace, alice, erik, adam):
    shared = make_report(alice, workspace, title="Team numbers")
    mine = make_report(erik, workspace, title="Erik's draft", visibility="private")
    for user, expected in (
        (erik, {"Team numbers", "Erik's draft"}),
        (adam, {"Team numbers"}),
        (cast["viewer"], {"Team numbers"}),
    ):
        listed = _client(user).get(BASE + "reports/").json()["results"]
        assert {r["title"] for r in listed} == expected, user
    assert _client(adam).get(f"{BASE}reports/{mine.pk}/").status_code == 404
    body = _client(erik).get(f"{BASE}reports/{shared.pk}/").json()
    assert body["range"] == "last_n_months:3" and body["can_edit"] is False
    assert body["owner"]["name"] == "Alice Owner"
    assert body["sections"] == [
        {"kpi": "mrr", "note": "Up again"},
        {"kpi": "customer_churn_rate", "note": ""},
    ]
    found = _client(erik).get(BASE + "reports/?search=draft&visibility=private").json()
    assert [r["title"] for r in found["results"]] == ["Erik's draft"]


def test_editors_create_with_a_template_or_in_full_and_errors_name_the_field(cast, workspace):
    editor = _client(cast["editor"])
    made = editor.post(BASE + "reports/", {"template": "quarterly"}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert (body["title"], body["grain"], body["range"], body["include_targets"]) == (
        "Quarterly review",
        "quarter",
        "last_n_months:12",
        True,
    )
    bad = editor.post(
        BASE + "reports/",
        {
            "title": "Q",
            "grain": "quarter",
            "range_kind": "last_n_months",
            "range_months": 4,
            "sections": [{"kpi": "nope"}],
        },
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"range_months", "sections"}
    assert (
        _client(cast["viewer"])
        .post(BASE + "reports/", {"template": "monthly"}, format="json")
        .status_code
        == 403
    )
    with workspace_scope(workspace.id):
        assert Report.objects.count() == 1


def test_the_creator_and_admins_change_and_delete_and_editors_duplicate(cast, workspace, alice):
    report = make_report(alice, workspace)
    url = f"{BASE}reports/{report.pk}/"
    assert _client(cast["editor"]).patch(url, {"title": "X"}, format="json").status_code == 403
    changed = _client(cast["admin"]).patch(url, {"title": "Renamed"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "Renamed"
    copy = _client(cast["editor"]).post(url + "duplicate/")
    assert copy.status_code == 201 and copy.json()["visibility"] == "private"
    assert _client(cast["viewer"]).post(url + "duplicate/").status_code == 403
    assert _client(cast["editor"]).delete(url).status_code == 403
    assert _client(alice).delete(url).status_code == 204
    assert _client(alice).get(url).status_code == 404


@freeze_time(TODAY)
def test_the_content_equals_the_report_content(cast, workspace, alice, snapshots):
    report = make_report(alice, workspace)
    body = _client(cast["viewer"]).get(f"{BASE}reports/{report.pk}/content/").json()
    with workspace_scope(workspace.id):
        content = report_content(
            report=report, workspace=workspace, today=date(2025, 4, 15), kpis=kpi_facts()
        )
    assert (
        body["periods"] == [p.label for p in content.periods] == ["2025-01", "2025-02", "2025-03"]
    )
    mrr, churn = body["sections"]
    assert mrr["rows"][-1] == {
        "period": "2025-03",
        "value": "12345.67",
        "reason": None,
        "partial": False,
        "compare_period": "2025-02",
        "compare_value": "11000.00",
        "change": "0.122334",
        "change_in_points": False,
        "change_absolute": False,
        "target": "12000.00",
    }
    assert churn["rows"][-1]["value"] is None
    assert churn["rows"][-1]["reason"] == "no customers at start"


def test_comments_by_viewers_removed_by_authors_or_admins(cast, workspace, alice):
    report = make_report(alice, workspace)
    url = f"{BASE}reports/{report.pk}/comments/"
    made = _client(cast["viewer"]).post(url, {"body": "Why?"}, format="json")
    assert made.status_code == 201 and made.json()["author"]["name"] == "Vera Viewer"
    assert _client(cast["viewer"]).post(url, {"body": " "}, format="json").status_code == 400
    listed = _client(cast["editor"]).get(url).json()["results"]
    assert [(c["body"], c["can_delete"]) for c in listed] == [("Why?", False)]
    one = f"{url}{made.json()['id']}/"
    assert _client(cast["editor"]).delete(one).status_code == 403
    assert _client(cast["admin"]).delete(one).status_code == 204


@freeze_time(TODAY)
def test_share_links_show_their_token_once_and_revoke(cast, workspace, alice, client):
    report = make_report(alice, workspace)
    url = f"{BASE}reports/{report.pk}/share-links/"
    assert _client(cast["editor"]).get(url).status_code == 403
    made = _client(alice).post(url, {"label": "Board", "expires_on": "2025-05-01"}, format="json")
    assert made.status_code == 201
    token, link_url = made.json()["token"], made.json()["url"]
    assert link_url.endswith(f"/share/{token}/")
    listed = _client(alice).get(url).json()["results"]
    assert "token" not in listed[0] and listed[0]["active"] is True
    assert client.get(f"/share/{token}/").status_code == 200
    assert _client(alice).delete(f"{url}{listed[0]['id']}/").status_code == 204
    assert client.get(f"/share/{token}/").status_code == 404
    with workspace_scope(workspace.id):
        assert ShareLink.objects.get().revoked_at is not None
    private = make_report(alice, workspace, visibility="private")
    refused = _client(alice).post(f"{BASE}reports/{private.pk}/share-links/", {}, format="json")
    assert refused.status_code == 400 and "report" in refused.json()


def test_digests_are_the_callers_own(cast, workspace, alice):
    report = make_report(alice, workspace)
    fixed = make_report(
        alice,
        workspace,
        range_kind="absolute",
        range_months=None,
        start_period="2024-01",
        end_period="2024-12",
    )
    viewer = _client(cast["viewer"])
    made = viewer.post(
        BASE + "digests/", {"report": report.pk, "cadence": "monthly"}, format="json"
    )
    assert made.status_code == 201 and made.json()["report_title"] == "Board update"
    refused = viewer.post(
        BASE + "digests/", {"report": fixed.pk, "cadence": "monthly"}, format="json"
    )
    assert refused.status_code == 400 and "report" in refused.json()
    one = f"{BASE}digests/{made.json()['id']}/"
    assert viewer.patch(one, {"cadence": "weekly"}, format="json").json()["cadence"] == "weekly"
    assert _client(cast["editor"]).get(BASE + "digests/").json()["results"] == []
    assert _client(cast["editor"]).delete(one).status_code == 404
    assert viewer.delete(one).status_code == 204
    with workspace_scope(workspace.id):
        assert not DigestSubscription.objects.exists()


def test_another_workspaces_token_and_reports_are_not_found(cast, workspace, other_workspace):
    theirs = make_report(cast["outsider"], other_workspace, title="Beta")
    with workspace_scope(other_workspace.id):
        key = api_token_create(
            membership=membership_of(cast["outsider"], other_workspace), name="beta"
        ).key
    foreign = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert foreign.get(BASE + "reports/").status_code == 404
    owner = _client(cast["owner"])
    for suffix in ("", "content/", "comments/", "share-links/"):
        assert owner.get(f"{BASE}reports/{theirs.pk}/{suffix}").status_code == 404
    made = owner.post(BASE + "digests/", {"report": theirs.pk, "cadence": "weekly"}, format="json")
    assert made.status_code == 400
