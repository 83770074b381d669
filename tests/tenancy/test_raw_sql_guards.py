"""Raw SQL cannot bypass the workspace: every table carries its own condition, and the id
given must be the workspace in scope (STYLE.md 3.5)."""

import pytest

from accounts.tenancy import WorkspaceMismatch, WorkspaceScopeMissing, workspace_scope
from kpiapp.imports.bulk import insert_rows, insert_text_rows, update_rows
from kpiapp.kpis import sql
from kpiapp.models import Account


@pytest.mark.parametrize(
    "statement",
    [
        # the join reads every workspace's accounts
        "SELECT l.id FROM kpiapp_lead l JOIN kpiapp_account a ON a.id = l.account_id "
        "WHERE l.workspace_id = %(workspace_id)s",
        "SELECT d.id FROM kpiapp_deal d LEFT JOIN kpiapp_lead AS l ON l.id = d.lead_id "
        "WHERE d.workspace_id = %(workspace_id)s",
        # two tables in a union, one condition
        "SELECT MIN(d) FROM (SELECT MIN(month) AS d FROM kpiapp_spend "
        "WHERE workspace_id = %(workspace_id)s UNION ALL SELECT MIN(month) FROM kpiapp_traffic)"
        " firsts",
    ],
)
def test_a_table_without_its_own_workspace_condition_is_refused(db, workspace, statement):
    with pytest.raises(sql.UnscopedSql):
        sql.fetch(statement, workspace_id=workspace.id)


def test_statements_that_bind_every_table_run(db, workspace):
    assert (
        sql.fetch(
            "SELECT l.id FROM kpiapp_lead l JOIN kpiapp_account a ON a.id = l.account_id "
            "AND a.workspace_id = %(workspace_id)s WHERE l.workspace_id = %(workspace_id)s",
            workspace_id=workspace.id,
        )
        == []
    )
    assert sql.fetch(
        "SELECT MIN(d) FROM (SELECT MIN(month) AS d FROM kpiapp_spend "
        "WHERE workspace_id = %(workspace_id)s UNION ALL SELECT MIN(month) FROM kpiapp_traffic "
        "WHERE workspace_id = %(workspace_id)s) firsts",
        workspace_id=workspace.id,
    ) == [(None,)]


def test_sql_for_another_workspace_than_the_scope_is_refused(db, workspace, other_workspace):
    statement = "SELECT id FROM kpiapp_account WHERE workspace_id = %(workspace_id)s"
    with workspace_scope(workspace.id), pytest.raises(WorkspaceMismatch):
        sql.fetch(statement, workspace_id=other_workspace.id)
    with workspace_scope(workspace.id):
        assert sql.fetch(statement, workspace_id=workspace.id) == []


def test_bulk_writes_need_the_scope_of_their_workspace(db, workspace, other_workspace):
    names = ["external_id", "name", "country", "industry"]
    row = {"external_id": "A1", "name": "Alpha", "country": "DE", "industry": ""}
    with pytest.raises(WorkspaceScopeMissing):
        insert_rows(Account, workspace_id=workspace.id, names=names, rows=[row])
    with workspace_scope(workspace.id):
        with pytest.raises(WorkspaceMismatch):
            insert_rows(Account, workspace_id=other_workspace.id, names=names, rows=[row])
        with pytest.raises(WorkspaceMismatch):
            update_rows(Account, workspace_id=other_workspace.id, names=["name"], rows=[(1, row)])
        with pytest.raises(WorkspaceMismatch):
            insert_text_rows(
                Account, workspace_id=other_workspace.id, columns=["external_id"], rows=[["A2"]]
            )
        insert_rows(Account, workspace_id=workspace.id, names=names, rows=[row])
        assert Account.objects.get().name == "Alpha"
    assert not Account.all_workspaces.filter(workspace=other_workspace).exists()
