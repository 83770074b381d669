"""A workspace export and a workspace deletion through a real worker on Redis."""

from __future__ import annotations

import time

import pytest

from accounts import services
from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import ExportStatus, WorkspaceExport
from kpiapp.services.workspace_export import workspace_export_request
from tests.accounts.workspace_data import fill_every_table
from tests.conftest import membership_of

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")


def _until(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_exports_and_deletes_a_workspace(worker_on_redis, workspace, alice):
    fill_every_table(workspace, alice)
    with workspace_scope(workspace.id):
        export = workspace_export_request(membership=membership_of(alice, workspace))

    def exported() -> bool:
        with workspace_scope(workspace.id):
            return WorkspaceExport.objects.get(pk=export.pk).status == ExportStatus.DONE

    _until(exported)
    services.workspace_delete(actor=membership_of(alice, workspace), confirm_slug="acme")
    _until(lambda: not Workspace.objects.filter(pk=workspace.pk).exists())
