"""The customers of the customer tests: one of each status, computed by hand in the tests."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Channel, ExchangeRate, Subscription
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild

TODAY = date(2025, 5, 20)
NOW = "2025-05-20 12:00"
USD_MAY = Decimal("0.9")
CENT = Decimal("0.01")


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# name -> rows of (plan, amount in cents, interval, quantity, discount %, currency, started,
# trial ends, ended, notice given); the expected status is the last word of the name
CUSTOMERS = {
    "Alpha active": [("Pro", 10_000, "month", 3, 10, "EUR", "2025-01-01", None, None, None)],
    "Beta cancelling": [
        ("Basic", 5_000, "month", 1, 0, "EUR", "2025-02-01", None, "2025-07-01", "2025-04-15")
    ],
    "Gamma churned": [
        ("Basic", 2_500, "month", 1, 0, "EUR", "2025-01-01", None, "2025-04-10", None)
    ],
    "Delta trial": [("Pro", 9_900, "month", 1, 0, "EUR", "2025-05-10", "2025-06-10", None, None)],
    "Epsilon reactivated": [
        ("Basic", 3_000, "month", 1, 0, "EUR", "2024-11-01", None, "2025-01-01", None),
        ("Pro", 4_000, "month", 1, 0, "EUR", "2025-03-01", None, None, None),
    ],
    "Zeta active": [("Enterprise", 120_000, "year", 1, 0, "USD", "2025-02-01", None, None, None)],
    "Eta none": [("Pro", 9_900, "month", 1, 0, "EUR", "2025-08-01", None, None, None)],
    "Theta active": [  # renewed: the first row ends, the next one continues
        ("Basic", 5_000, "month", 1, 0, "EUR", "2025-01-01", None, "2025-06-01", None),
        ("Basic", 6_000, "month", 1, 0, "EUR", "2025-06-01", None, None, None),
    ],
}
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def expected_mrr(rows: list[tuple]) -> Decimal:
    """Hand computation of KPIS.md section 1 on TODAY: the rows active today, normalised,
    converted at May's rate."""
    total = Decimal(0)
    for _plan, cents, interval, qty, discount, currency, start, trial, end, _notice in rows:
        active_from = date.fromisoformat(max(start, trial or start))
        if not (active_from <= TODAY and (end is None or date.fromisoformat(end) > TODAY)):
            continue
        mrr = Decimal(cents) / 100 * qty * (1 - Decimal(discount) / 100) / MONTHS[interval]
        total += mrr * (USD_MAY if currency == "USD" else 1)
    return total.quantize(CENT, ROUND_HALF_UP)


@pytest.fixture
def customers(workspace: Workspace) -> Workspace:
    with workspace_scope(workspace.id), freeze_time(NOW):
        ads = Channel.objects.create(name="Paid ads", key=name_key("Paid ads"))
        for month in range(1, 13):
            ExchangeRate.objects.create(month=date(2025, month, 1), currency="USD", rate=USD_MAY)
        for n, (name, rows) in enumerate(CUSTOMERS.items()):
            account = Account.objects.create(
                external_id=f"A{n}",
                name=name,
                country="DE" if n % 2 else "AT",
                channel=ads if n < 3 else None,
            )
            for k, row in enumerate(rows):
                plan, cents, interval, qty, discount, currency, start, trial, end, notice = row
                Subscription.objects.create(
                    external_id=f"S{n}-{k}",
                    account=account,
                    plan=plan,
                    amount_cents=cents,
                    interval=interval,
                    quantity=qty,
                    discount_percent=discount,
                    currency=currency,
                    started_at=d(start),
                    trial_ends_at=d(trial),
                    ended_at=d(end),
                    cancelled_at=d(notice),
                )
        Account.objects.create(external_id="P", name="Prospect without subscription")
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace
