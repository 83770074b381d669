"""A small, seeded company for the recompute and drill-through tests (run inside a scope)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from kpiapp.models import Account, Channel, Deal, ExchangeRate, Lead, Spend, Subscription
from kpiapp.models.marketing import name_key

TODAY = date(2025, 6, 18)  # "today" of the company: its last rows are from before


def small_company(seed: int = 7) -> None:
    """Thirty accounts over eighteen months, each with a lead, a subscription and a deal, in two
    channels with spend, some in USD; written into the workspace in scope."""
    rng = random.Random(seed)
    channels = [Channel.objects.create(name=n, key=name_key(n)) for n in ("Paid ads", "Referral")]
    for month in range(18):
        ExchangeRate.objects.create(
            month=date(2024 + month // 12, month % 12 + 1, 1),
            currency="USD",
            rate=Decimal("0.90") + Decimal(rng.randint(0, 10)) / 100,
        )
        for channel in channels:
            Spend.objects.create(
                month=date(2024 + month // 12, month % 12 + 1, 1),
                channel=channel,
                category="marketing",
                currency="EUR",
                amount_cents=rng.randint(50_000, 90_000),
            )
    for i in range(30):
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 500))
        account = Account.objects.create(
            external_id=f"A{i}",
            name=f"A{i}",
            country=rng.choice(["DE", "AT", "US"]),
            channel=rng.choice(channels),
        )
        Lead.objects.create(
            external_id=f"L{i}",
            created_at=start - timedelta(days=20),
            qualified_at=start - timedelta(days=10),
            converted_at=start,
            account=account,
            channel=account.channel,
        )
        Subscription.objects.create(
            external_id=f"S{i}",
            account=account,
            plan=rng.choice(["basic", "pro"]),
            amount_cents=rng.randint(5_000, 50_000),
            currency=rng.choice(["EUR", "EUR", "USD"]),
            interval=rng.choice(["month", "year"]),
            started_at=start,
            ended_at=rng.choice([None, None, start + timedelta(days=rng.randint(20, 300))]),
        )
        stage = rng.choice(["won", "lost", "demo"])
        Deal.objects.create(
            external_id=f"D{i}",
            account=account,
            stage=stage,
            amount_cents=rng.randint(100_000, 900_000),
            currency="EUR",
            created_at=start - timedelta(days=40),
            owner=rng.choice(["Ann", "Bo"]),
            closed_at=start,
        )
    Deal.objects.filter(stage="demo").update(closed_at=None)


def add_subscription_moves(rng: random.Random, accounts: list[Account]) -> None:
    """What the small company lacks: an add-on row for a dozen accounts that stays (expansion),
    ends while the main row runs on (contraction) or ends with it gone (a later return)."""
    for n, account in enumerate(accounts[:12]):
        begin = date(2024, 3, 1) + timedelta(days=rng.randint(0, 300))
        kind = ("upgrade", "downgrade", "return")[n % 3]
        Subscription.objects.create(
            external_id=f"X{n}",
            account=account,
            plan="addon",
            currency="EUR",
            amount_cents=rng.randint(2_000, 9_000),
            interval="month",
            started_at=begin,
            ended_at=begin + timedelta(days=rng.randint(40, 200)) if kind != "upgrade" else None,
        )
        if kind == "return":
            Subscription.objects.create(
                external_id=f"R{n}",
                account=account,
                plan="basic",
                amount_cents=7_000,
                currency="EUR",
                interval="month",
                started_at=date(2025, 3, 1) + timedelta(days=n),
            )
