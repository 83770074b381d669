"""No request can leave its thread inside a workspace scope (STYLE.md 11: one try/finally)."""

import logging

import pytest

from accounts.middleware import WorkspaceScopeLeaked
from accounts.tenancy import (
    WorkspaceScopeMissing,
    _current_workspace_id,
    current_workspace_id,
    workspace_scope,
)
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.models import KpiSnapshot


@pytest.mark.urls("tests.tenancy.leaky_urls")
def test_an_unhandled_exception_in_an_api_handler_leaves_no_scope_behind(
    workspace, alice, client_as, caplog
):
    client = client_as(alice)
    client.raise_request_exception = False
    response = client.get(f"/api/v1/workspaces/{workspace.slug}/failing/")
    assert response.status_code == 500
    # The viewset left its scope itself; the request guard had nothing to clear.
    assert "workspace scope leaked" not in caplog.text
    # The same thread serves the next request: it must start outside every workspace.
    with pytest.raises(WorkspaceScopeMissing):
        KpiSnapshot.objects.count()
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()
    assert client.get(f"/api/v1/workspaces/{workspace.slug}/accounts/").status_code == 200


def test_an_api_error_answer_leaves_no_scope_behind(workspace, alice, client_as):
    response = client_as(alice).get(
        f"/api/v1/workspaces/{workspace.slug}/campaigns/?channel=99999999999999999999999"
    )
    assert response.status_code == 400
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()


def test_a_request_that_begins_inside_a_scope_is_refused_when_strict(workspace, client):
    token = _current_workspace_id.set(workspace.id)  # as a leak would leave it
    try:
        with pytest.raises(WorkspaceScopeLeaked):
            client.get("/accounts/login/")
        with pytest.raises(WorkspaceScopeMissing):  # and it was cleared
            current_workspace_id()
    finally:
        _current_workspace_id.reset(token)


def test_in_production_a_leaked_scope_is_logged_and_cleared(workspace, client, settings, caplog):
    settings.TENANCY_STRICT = False
    token = _current_workspace_id.set(workspace.id)
    try:
        with caplog.at_level(logging.ERROR, logger="accounts.middleware"):
            assert client.get("/accounts/login/").status_code == 200
        assert "workspace scope leaked" in caplog.text
        with pytest.raises(WorkspaceScopeMissing):
            current_workspace_id()
    finally:
        _current_workspace_id.reset(token)


def test_a_scope_entered_in_a_view_is_left_before_the_response_ends(workspace, alice, client_as):
    with workspace_scope(workspace.id):
        pass
    assert client_as(alice).get(f"/w/{workspace.slug}/").status_code == 200
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()


@pytest.mark.parametrize("method", ["dispatch", "initial", "finalize_response", "get_queryset"])
def test_viewsets_cannot_take_over_the_scope(method):
    with pytest.raises(TypeError, match=method):
        type("Sneaky", (WorkspaceViewSet,), {method: lambda self, *a, **k: None})


@pytest.mark.parametrize(
    "address",
    [
        "campaigns/?channel=99999999999999999999999",
        "accounts/?channel=99999999999999999999999",
        "deals/?account=-1",
        "reports/?owner=99999999999999999999999",
    ],
)
def test_an_id_filter_out_of_range_is_a_clear_400(workspace, alice, client_as, address):
    response = client_as(alice).get(f"/api/v1/workspaces/{workspace.slug}/{address}")
    assert response.status_code == 400
    (field,) = response.json()
    assert field in address


def test_a_record_id_out_of_range_is_not_found(workspace, alice, client_as):
    response = client_as(alice).get(
        f"/api/v1/workspaces/{workspace.slug}/accounts/99999999999999999999999/"
    )
    assert response.status_code == 404


def test_a_json_body_over_the_limit_is_a_json_413(workspace, alice, client_as):
    body = '[{"external_id": "A1", "name": "' + "x" * 3_000_000 + '"}]'
    response = client_as(alice).post(
        f"/api/v1/workspaces/{workspace.slug}/accounts/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "at most 1,000 records" in response.json()["detail"]
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()


def test_errors_of_a_list_of_objects_are_messages_per_field(workspace, alice, client_as):
    response = client_as(alice).post(
        f"/api/v1/workspaces/{workspace.slug}/reports/",
        {"title": "Q4", "sections": [{"kpi": "mrr"}, {"kpi": "x\x00"}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert all(isinstance(m, str) for messages in body.values() for m in messages), body
    assert any(m.startswith("2. kpi: ") for m in body["sections"]), body
