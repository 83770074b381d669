"""The demo writer's COPY path (PostgreSQL): ids from the sequence, parents resolved, scoped."""

from __future__ import annotations

from datetime import date

from django.conf import settings

import pytest

from accounts.models import Workspace
from accounts.tenancy import WorkspaceMismatch, workspace_scope
from kpiapp.demo import writer
from kpiapp.models import Account, Channel, Lead

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="COPY is PostgreSQL's; elsewhere the writer uses bulk_create",
    ),
]


def test_copy_writes_children_of_parents_saved_in_the_same_run(
    workspace: Workspace, other_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "COPY_FROM", 1)
    with workspace_scope(workspace.id):
        channel = Channel(name="Partner", key="partner")
        accounts = [Account(external_id=f"K-{n}", name=f"Firma {n}", channel=channel)
                    for n in range(3)]  # fmt: skip
        leads = [
            Lead(external_id=f"L-{n}", created_at=date(2026, 1, n + 1), account=account,
                 channel=channel)
            for n, account in enumerate(accounts)
        ]  # fmt: skip
        assert writer.save(Channel, [channel]) == 1
        assert writer.save(Account, accounts) == 3
        assert writer.save(Lead, leads) == 3

        assert all(obj.pk is not None and not obj._state.adding for obj in accounts + leads)
        stored = list(Lead.objects.order_by("external_id").values_list(
            "external_id", "account__external_id", "channel__key", "created_at"))  # fmt: skip
        assert stored == [(f"L-{n}", f"K-{n}", "partner", date(2026, 1, n + 1)) for n in range(3)]
        # The sequence moved past the copied ids: an ordinary insert gets a fresh one.
        later = Account.objects.create(external_id="K-9", name="Später GmbH")
        assert later.pk > max(account.pk for account in accounts)
    with workspace_scope(other_workspace.id):
        assert not Lead.objects.exists()


def test_copy_refuses_rows_of_another_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    with workspace_scope(workspace.id):
        with pytest.raises(WorkspaceMismatch):
            writer.copy(Account, [Account(workspace=other_workspace, external_id="K-1", name="X")])
        assert not Account.objects.exists()
