"""fetch_ints and fetch_ints_and_texts: checked like `fetch`, and the same rows as `fetch`
(on PostgreSQL they come packed into one binary value)."""

import pytest

from accounts.tenancy import WorkspaceMismatch, workspace_scope
from kpiapp.kpis import sql
from kpiapp.models import Account


def test_integer_columns_are_checked_and_read_like_fetch(db, workspace, other_workspace):
    with pytest.raises(sql.UnscopedSql):
        sql.fetch_ints(
            "SELECT l.id FROM kpiapp_lead l JOIN kpiapp_account a ON a.id = l.account_id "
            "WHERE l.workspace_id = %(workspace_id)s",
            width=1,
            workspace_id=workspace.id,
        )
    statement = (
        "SELECT id, -id, 2 * id, 5000000000 FROM kpiapp_account "
        "WHERE workspace_id = %(workspace_id)s"
    )
    with workspace_scope(workspace.id):
        with pytest.raises(WorkspaceMismatch):
            sql.fetch_ints(statement, width=4, workspace_id=other_workspace.id)
        assert sql.fetch_ints(statement, width=4, workspace_id=workspace.id).shape == (0, 4)
        for name in ("Alpha", "Beta", "Gamma"):
            Account.objects.create(external_id=name, name=name)
    Account.all_workspaces.create(workspace=other_workspace, external_id="X", name="Other")
    table = sql.fetch_ints(statement, width=4, workspace_id=workspace.id)
    expected = sql.fetch(statement, workspace_id=workspace.id)
    assert sorted(map(tuple, table.tolist())) == sorted(expected)
    assert len(expected) == 3


def test_integer_columns_refuse_a_null(db, workspace):
    with workspace_scope(workspace.id):
        Account.objects.create(external_id="A1", name="Alpha")
    with pytest.raises(ValueError, match="NULL"):
        sql.fetch_ints(
            "SELECT id, CAST(NULL AS INTEGER) FROM kpiapp_account "
            "WHERE workspace_id = %(workspace_id)s",
            width=2,
            workspace_id=workspace.id,
        )


def test_text_columns_come_in_the_order_of_the_integers(db, workspace):
    with workspace_scope(workspace.id):
        for name in ("Alpha", "", "Gamma Ünïcode"):
            Account.objects.create(external_id=f"x-{name}", name=name)
    statement = (
        "SELECT id, name, external_id FROM kpiapp_account WHERE workspace_id = %(workspace_id)s"
    )
    ints, (names, external_ids) = sql.fetch_ints_and_texts(
        statement, width=1, texts=2, workspace_id=workspace.id
    )
    rows = sorted(zip(ints[:, 0].tolist(), names, external_ids, strict=True))
    assert rows == sorted(sql.fetch(statement, workspace_id=workspace.id))
    assert sql.fetch_ints_and_texts(
        "SELECT id, name FROM kpiapp_account WHERE workspace_id = %(workspace_id)s AND id < 0",
        width=1,
        texts=1,
        workspace_id=workspace.id,
    )[1] == [[]]


def test_a_text_is_read_as_it_is_whatever_characters_it_holds(db, workspace):
    # An owner or plan name with a control character (a CSV can carry one) must neither
    # split into two values nor stop every recompute of the workspace.
    names = ["two\x1fparts", "a,b;c", "line\nbreak", "tab\there", "Ünïcødé ✓"]
    with workspace_scope(workspace.id):
        for n, name in enumerate(names):
            Account.objects.create(external_id=f"A{n}", name=name)
    ids, (read,) = sql.fetch_ints_and_texts(
        "SELECT id, name FROM kpiapp_account WHERE workspace_id = %(workspace_id)s",
        width=1,
        texts=1,
        workspace_id=workspace.id,
    )
    by_id = dict(zip(ids[:, 0].tolist(), read, strict=True))
    assert [by_id[i] for i in sorted(by_id)] == names


def test_a_database_error_is_djangos(db, workspace):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        sql.fetch_ints(
            "SELECT id, missing_column FROM kpiapp_account WHERE workspace_id = %(workspace_id)s",
            width=2,
            workspace_id=workspace.id,
        )
