"""The importer's write: rows given column by column go into the database exactly (COPY
data written by pyarrow on PostgreSQL), and the references are checked set-wise before the
database's own per-row checks are left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.imports import bulk
from kpiapp.models import Account, Deal, Subscription

pytestmark = pytest.mark.django_db

TRICKY = ['He said "hi", then', "left;\nfor good", "", "tab\there", "back\\slash", "Ümlaut ✓"]


def test_text_dates_and_empty_values_arrive_as_given(workspace):
    names = ["external_id", "name", "country", "industry", "employees", "created_at"]
    count = len(TRICKY)
    columns = [
        [f"A{i}" for i in range(count)],
        TRICKY,
        ["DE"] * count,
        ["", "SaaS", "", "", "", ""],
        [None, 12, None, 0, 3, None],
        [date(2025, 3, 1), None, date(1970, 1, 1), None, None, date(2026, 12, 31)],
    ]
    with workspace_scope(workspace.id):
        bulk.insert_columns(Account, workspace_id=workspace.id, names=names, columns=columns)
        stored = list(Account.objects.order_by("external_id").values_list(*names))
    assert stored == sorted(zip(*columns, strict=True))


def test_mixed_numbers_are_written_as_their_text(workspace):
    """`discount_percent or 0` gives decimals and integers in one column."""
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A1", name="Alpha")
        names = ["external_id", "account_id", "amount_cents", "currency", "interval"]
        names += ["quantity", "discount_percent", "started_at", "plan", "churn_reason"]
        names += ["interval_count"]
        columns = [
            ["S1", "S2"],
            [account.id, account.id],
            [1000, 2550],
            ["EUR", "EUR"],
            ["month", "year"],
            [1, 3],
            [Decimal("12.50"), 0],
            [date(2025, 1, 1), date(2025, 2, 1)],
            ["Pro", ""],
            ["", ""],
            [1, 1],
        ]
        bulk.insert_columns(Subscription, workspace_id=workspace.id, names=names, columns=columns)
        stored = list(
            Subscription.objects.order_by("external_id").values_list("discount_percent", "quantity")
        )
    assert stored == [(Decimal("12.50"), 1), (Decimal("0"), 3)]


DEAL = ["external_id", "account_id", "stage", "currency", "created_at"]
DEAL += ["name", "owner", "kind", "lost_reason"]


def _deal_columns(account_id: int) -> list[list]:
    return [["D1"], [account_id], ["won"], ["EUR"], [date(2025, 3, 1)], [""], [""], ["new"], [""]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY and triggers")
def test_rows_whose_references_exist_skip_the_per_row_checks(workspace, monkeypatch):
    held = []
    real = bulk._references_held
    monkeypatch.setattr(bulk, "_references_held", lambda *a: held.append(real(*a)) or held[-1])
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A1", name="Alpha")
        bulk.insert_columns(
            Deal, workspace_id=workspace.id, names=DEAL, columns=_deal_columns(account.id)
        )
        connection.check_constraints()  # the deferred foreign-key checks, now
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"  # later writes are checked again
        assert Deal.objects.get().account_id == account.id
    assert held == [True]  # the tests' database user may skip triggers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY and triggers")
def test_a_missing_reference_is_left_to_the_database_which_refuses_it(workspace):
    with workspace_scope(workspace.id):
        Account.objects.create(external_id="A1", name="Alpha")
        missing = Account.all_workspaces.order_by("-id").values_list("id", flat=True)[0] + 1000
        bulk.insert_columns(
            Deal, workspace_id=workspace.id, names=DEAL, columns=_deal_columns(missing)
        )
        with pytest.raises(IntegrityError):
            connection.check_constraints()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY and triggers")
def test_another_workspaces_record_does_not_count_as_held(workspace, other_workspace):
    with workspace_scope(other_workspace.id):
        theirs = Account.objects.create(external_id="B1", name="Beta")
    with workspace_scope(workspace.id):
        ours = Account.objects.create(external_id="A1", name="Alpha")
        fields = bulk._fields(Deal, ["account_id"])
        assert bulk._references_held(workspace.id, fields, [[ours.id, ours.id]])
        assert not bulk._references_held(workspace.id, fields, [[ours.id, theirs.id]])
