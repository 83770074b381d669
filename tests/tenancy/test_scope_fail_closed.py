import pytest

from accounts.models import AuditEvent
from accounts.tenancy import (
    WorkspaceMismatch,
    WorkspaceScopeMissing,
    current_workspace_id,
    workspace_scope,
)


def _event(workspace, subject):
    return AuditEvent.all_workspaces.create(
        workspace=workspace, action="member.added", subject=subject
    )


def test_a_query_without_scope_raises_instead_of_returning_everything(workspace):
    _event(workspace, "a")
    with pytest.raises(WorkspaceScopeMissing):
        list(AuditEvent.objects.all())
    with pytest.raises(WorkspaceScopeMissing):
        AuditEvent.objects.filter(subject="a").exists()


def test_a_scoped_query_sees_only_its_workspace(workspace, other_workspace):
    mine, theirs = _event(workspace, "mine"), _event(other_workspace, "theirs")
    with workspace_scope(workspace.id):
        subjects = set(AuditEvent.objects.values_list("subject", flat=True))
        assert not AuditEvent.objects.filter(pk=theirs.pk).exists()
        assert AuditEvent.objects.get(pk=mine.pk) == mine
    assert "mine" in subjects
    assert "theirs" not in subjects


def test_create_in_scope_belongs_to_the_scope(workspace):
    with workspace_scope(workspace.id):
        event = AuditEvent.objects.create(action="member.added", subject="x")
        (bulk,) = AuditEvent.objects.bulk_create([AuditEvent(action="member.added", subject="y")])
    assert event.workspace_id == workspace.id
    assert AuditEvent.all_workspaces.get(subject="y").workspace_id == workspace.id
    assert bulk.subject == "y"


def test_writing_a_row_for_another_workspace_is_refused(workspace, other_workspace):
    with workspace_scope(workspace.id):
        with pytest.raises(WorkspaceMismatch):
            AuditEvent.objects.create(workspace=other_workspace, action="member.added")
        with pytest.raises(WorkspaceMismatch):
            AuditEvent.objects.bulk_create(
                [AuditEvent(workspace=other_workspace, action="member.added")]
            )
    assert not AuditEvent.all_workspaces.filter(workspace=other_workspace).exists()


def test_the_scope_is_restored_after_an_error_and_when_nested(workspace, other_workspace):
    with pytest.raises(ZeroDivisionError), workspace_scope(workspace.id):
        1 / 0  # noqa: B018
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()
    with workspace_scope(workspace.id):
        with workspace_scope(other_workspace.id):
            assert current_workspace_id() == other_workspace.id
        assert current_workspace_id() == workspace.id


def test_the_scope_does_not_outlive_a_request(client_as, alice, workspace):
    response = client_as(alice).get(f"/w/{workspace.slug}/settings/members/")
    assert response.status_code == 200
    with pytest.raises(WorkspaceScopeMissing):
        current_workspace_id()


@pytest.mark.parametrize("bad", [None, "1", 1.0, True])
def test_a_scope_takes_only_a_workspace_id(bad):
    with pytest.raises(TypeError), workspace_scope(bad):
        pass
