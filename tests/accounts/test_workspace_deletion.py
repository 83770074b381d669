"""Deleting a workspace: closed at once, then a background job empties every table that belongs
to a workspace with one DELETE per table, leaving other workspaces untouched."""

from __future__ import annotations

from django.apps import apps
from django.db import models

import pytest

from accounts import services
from accounts.deletion import workspace_data_delete, workspace_tables
from accounts.models import DeletedWorkspaceRecord, Workspace
from accounts.tasks import delete_workspace
from tests.accounts.workspace_data import fill_every_table
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db


def _models_with_a_workspace_fk() -> set[type[models.Model]]:
    return {
        model
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is Workspace
    }


def _rows(workspace_id: int) -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.filter(workspace_id=workspace_id).count()
        for m in _models_with_a_workspace_fk()
    }


def test_the_deletion_covers_every_table_with_a_workspace_and_children_go_first():
    tables = workspace_tables()
    assert set(tables) == _models_with_a_workspace_fk()
    position = {model: i for i, model in enumerate(tables)}
    for model in tables:
        for field in model._meta.get_fields():
            target = field.related_model if field.concrete and field.many_to_one else None
            if target in position and target is not model:
                assert position[model] < position[target], (model, field)


def test_every_table_is_emptied_for_that_workspace_only(
    cast, workspace, other_workspace, django_capture_on_commit_callbacks
):
    fill_every_table(workspace, cast["owner"])
    fill_every_table(other_workspace, cast["outsider"])
    before_a, before_b = _rows(workspace.id), _rows(other_workspace.id)
    empty = [label for label, n in before_a.items() if n == 0]
    assert empty == [], "fill_every_table must fill every table: add a row for " + str(empty)

    with django_capture_on_commit_callbacks(execute=True):
        services.workspace_delete(
            actor=membership_of(cast["owner"], workspace), confirm_slug="acme"
        )

    assert set(_rows(workspace.id).values()) == {0}
    assert _rows(other_workspace.id) == before_b
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert Workspace.objects.filter(pk=other_workspace.pk).exists()
    record = DeletedWorkspaceRecord.objects.get()
    assert (record.workspace_id, record.name, record.slug) == (workspace.pk, "Acme GmbH", "acme")
    assert record.deleted_by == cast["owner"] and record.deleted_by_label == "alice@example.com"
    assert record.finished_at is not None
    assert record.rows_deleted["kpiapp_account"] == before_a["kpiapp.Account"]


def test_it_takes_one_query_per_table_not_per_row(cast, workspace, django_assert_max_num_queries):
    fill_every_table(workspace, cast["owner"])
    Workspace.objects.filter(pk=workspace.pk).update(deleting_since="2026-12-01T00:00:00Z")
    tables = len(workspace_tables())
    with django_assert_max_num_queries(tables + 6):
        delete_workspace(workspace.id)
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert delete_workspace(workspace.id) == {"accounts_workspace": 0}  # a repeat: nothing


def test_a_workspace_not_marked_for_deletion_is_not_deleted(workspace):
    with pytest.raises(ValueError, match="marked"):
        workspace_data_delete(workspace.id)
    assert Workspace.objects.filter(pk=workspace.pk).exists()


def test_the_workspace_is_closed_at_once_while_the_job_waits(
    cast, workspace, client_as, django_capture_on_commit_callbacks
):
    owner = client_as(cast["owner"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post("/w/acme/settings/delete/", {"confirm": "acme"})
    assert response.status_code == 302 and len(callbacks) == 1
    assert Workspace.objects.get(pk=workspace.pk).deleting_since is not None
    assert owner.get("/w/acme/").status_code == 404
    assert client_as(cast["viewer"]).get("/w/acme/settings/").status_code == 404
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(cast["owner"])
    assert api.get("/api/v1/workspaces/acme/accounts/").status_code == 404
    assert api.get("/api/v1/workspaces/").json() == []
    callbacks[0]()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()


def test_only_owners_delete_and_a_wrong_address_changes_nothing(cast, workspace, client_as):
    assert (
        client_as(cast["admin"]).post("/w/acme/settings/delete/", {"confirm": "acme"}).status_code
        == 403
    )
    wrong = client_as(cast["owner"]).post("/w/acme/settings/delete/", {"confirm": "acm"})
    assert wrong.status_code == 400
    assert Workspace.objects.get(pk=workspace.pk).deleting_since is None
    assert not DeletedWorkspaceRecord.objects.exists()
