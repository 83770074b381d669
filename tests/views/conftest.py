"""Fixtures of the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.segment_data import company_write

# (started_at, ended_at, monthly amount in cents) of three accounts
ROWS = [
    ("2024-11-01", None, 100_000),
    ("2025-02-01", None, 50_000),
    ("2025-01-01", "2025-04-10", 25_000),
]


@pytest.fixture
def company(workspace: Workspace) -> Workspace:
    """Three subscriptions, their snapshots as of 20 May 2025: the dashboard's and the
    benchmark page's company (some modules define a `company` of their own)."""
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        common = {"currency": "EUR", "interval": "month"}
        for n, (start, end, cents) in enumerate(ROWS):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}")
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=cents,
                started_at=date.fromisoformat(start),
                ended_at=date.fromisoformat(end) if end else None,
                **common,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace


@pytest.fixture
def in_may() -> Iterator[None]:
    """The segment company's day (`tests/segment_data.py`): 20 May 2025."""
    with freeze_time("2025-05-20 12:00"):
        yield


@pytest.fixture
def segment_company(workspace: Workspace, in_may: None) -> Workspace:
    """The segment company (`tests/segment_data.py`), its snapshots as of 20 May 2025."""
    company_write(workspace)
    return workspace
