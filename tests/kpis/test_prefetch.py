"""Reads aside (`kpiapp.kpis.prefetch`): on PostgreSQL outside a transaction the engine reads
touchpoints and first values on a thread of their own while it computes; the points must be
the very same, the workspace scope goes along, and the thread's connection is closed."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

import pytest

from accounts.tenancy import current_workspace_id, workspace_scope
from kpiapp.kpis import prefetch
from kpiapp.kpis.engine import compute_workspace
from kpiapp.models import Account, Channel, Touchpoint
from tests.kpis.company import TODAY, small_company

pytestmark = pytest.mark.django_db(transaction=True)
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads aside run on PostgreSQL only"
)


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id):
        small_company()
        channel = Channel.objects.first()
        for n, account in enumerate(Account.objects.order_by("id")[:12]):
            Touchpoint.objects.create(
                external_id=f"T{n}", account=account, channel=channel, type="visit",
                occurred_at=date(2024, 3, 1) + timedelta(days=20 * n),
            )  # fmt: skip
    return workspace


@on_postgres
def test_the_points_read_aside_equal_those_read_in_line(company, monkeypatch):
    with workspace_scope(company.id):
        assert prefetch.enabled()
        aside = compute_workspace(company, today=TODAY)
        monkeypatch.setattr(prefetch, "enabled", lambda: False)
        in_line = compute_workspace(company, today=TODAY)
    assert any(p.key == "touchpoints_per_new_customer" and p.numerator for p in aside)
    assert aside == in_line


@on_postgres
def test_a_read_aside_has_the_scope_its_own_connection_and_closes_it(company):
    def read() -> tuple[int, object]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return current_workspace_id(), connections[DEFAULT_DB_ALIAS]

    with workspace_scope(company.id), prefetch.Reads() as reads:
        later = reads.later(read)
        reads.begin((later, True))
        workspace_id, used = later.get()
    assert workspace_id == company.id
    assert used is not connections[DEFAULT_DB_ALIAS]
    assert used.connection is None  # closed when the read ended


@on_postgres
def test_a_failing_read_aside_raises_where_its_result_is_asked_for(company):
    def read() -> None:
        raise ValueError("no such table")

    with workspace_scope(company.id), prefetch.Reads() as reads:
        later = reads.later(read)
        reads.begin((later, True))
        with pytest.raises(ValueError, match="no such table"):
            later.get()


def test_inside_a_transaction_reads_run_in_line(company):
    with transaction.atomic(), workspace_scope(company.id), prefetch.Reads() as reads:
        assert not prefetch.enabled()
        later = reads.later(current_workspace_id)
        reads.begin((later, True))
        workspace_id = later.get()
    assert workspace_id == company.id
