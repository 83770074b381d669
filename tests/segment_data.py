"""A small company with accounts in two countries on two plans, and its snapshots as of
20 May 2025: the segment tests' data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild

TODAY = date(2025, 5, 20)
# (country, plan, started_at, ended_at, monthly amount in cents)
ROWS = [
    ("DE", "Pro", "2024-11-01", None, 100_000),
    ("DE", "Basic", "2025-02-01", None, 20_000),
    ("US", "Pro", "2025-01-01", "2025-04-10", 50_000),
    ("US", "Basic", "2025-03-01", None, 30_000),
]


def company_write(workspace: Workspace) -> None:
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        for n, (country, plan, start, end, cents) in enumerate(ROWS):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country=country)
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                plan=plan,
                amount_cents=cents,
                currency="EUR",
                interval="month",
                started_at=date.fromisoformat(start),
                ended_at=date.fromisoformat(end) if end else None,
            )
        snapshot_rebuild(workspace_id=workspace.id)


def mrr_by_hand(month_end: date, *, country: str = "", plan: str = "") -> Decimal:
    """MRR at a month's end in euros, of the rows of one country or plan (or all)."""
    return sum(
        (
            Decimal(cents) / 100
            for c, p, start, end, cents in ROWS
            if (not country or c == country)
            and (not plan or p == plan)
            and date.fromisoformat(start) <= month_end
            and (end is None or date.fromisoformat(end) > month_end)
        ),
        Decimal(0),
    )
