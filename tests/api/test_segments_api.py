"""/api/v1/workspaces/<slug>/segments/: everyone reads the saved segments, editors create and
delete them, bad input is a 400 that changes nothing, another workspace's are not found."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.models import Segment
from kpiapp.services.segments import segment_create
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/segments/"
GERMANY_PRO = {
    "name": "Deutschland Pro",
    "conditions": [{"dimension": "country", "value": "DE"}, {"dimension": "plan", "value": "Pro"}],
}


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_editor_creates_lists_and_deletes_a_segment(erik, vera, workspace):
    made = _as(erik).post(URL, GERMANY_PRO, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["segment"] == "country:DE;plan:Pro"
    assert body["conditions"] == GERMANY_PRO["conditions"]
    listed = _as(vera).get(URL).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["name"] for r in rows] == ["Deutschland Pro"]
    assert _as(vera).delete(f"{URL}{body['id']}/").status_code == 403
    assert _as(erik).delete(f"{URL}{body['id']}/").status_code == 204
    with workspace_scope(workspace.id):
        assert not Segment.objects.exists()


def test_a_viewer_cannot_create_one(vera, workspace):
    assert _as(vera).post(URL, GERMANY_PRO, format="json").status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"name": "X", "conditions": []},
        {"name": "X", "conditions": [{"dimension": "owner", "value": "Anna"}]},
        {"name": "X", "conditions": [{"dimension": "country", "value": ""}]},
        {"name": "", "conditions": [{"dimension": "country", "value": "DE"}]},
        {"name": "X", "conditions": [{"dimension": "plan", "value": "a;b"}]},
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(erik, workspace, data):
    response = _as(erik).post(URL, data, format="json")
    assert response.status_code == 400, response.json()
    with workspace_scope(workspace.id):
        assert not Segment.objects.exists()


def test_a_name_twice_is_refused_in_words(erik, workspace):
    assert _as(erik).post(URL, GERMANY_PRO, format="json").status_code == 201
    again = _as(erik).post(URL, GERMANY_PRO, format="json")
    assert again.status_code == 400
    assert "already exists" in str(again.json())


def test_another_workspaces_segments_are_not_found(erik, charlie, workspace, other_workspace):
    with workspace_scope(other_workspace.id):
        theirs = segment_create(membership=membership_of(charlie, other_workspace),
                                name="Theirs", text="country:FR")  # fmt: skip
    assert _as(erik).get(f"{URL}{theirs.pk}/").status_code == 404
    assert _as(erik).delete(f"{URL}{theirs.pk}/").status_code == 404
    assert _as(charlie).get(URL).status_code == 404
    with workspace_scope(other_workspace.id):
        assert Segment.objects.filter(pk=theirs.pk).exists()
