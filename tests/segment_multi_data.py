"""A small company for segments of several conditions, as of 20 May 2025: accounts in three
countries, a channel of an account's own and one from its converted lead, an account on two
plans at once, a plan switch, a churn and a reactivation, a yearly plan, a trial, and a
dollar subscription whose rate is missing for February 2025 (undefined values)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Campaign, Channel, ExchangeRate, Lead, Subscription
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild

TODAY = date(2025, 5, 20)
# account -> (country, its own channel or None, the channel and campaign of its converted lead)
ACCOUNTS = {
    "M0": ("DE", "Referral", None),
    "M1": ("DE", None, ("Ads", "Spring")),
    "M2": ("AT", "Ads", None),
    "M3": ("DE", "Ads", None),
    "M4": ("US", "Referral", None),
    "M5": ("DE", "Referral", None),
}
# (account, plan, currency, amount in cents per bill, interval, started, trial ends, ended)
SUBSCRIPTIONS = [
    ("M0", "Pro", "EUR", 100_000, "month", "2024-10-01", None, None),
    ("M0", "Basic", "EUR", 20_000, "month", "2025-01-15", None, "2025-03-20"),
    ("M1", "Basic", "EUR", 30_000, "month", "2024-12-01", None, "2025-03-01"),
    ("M1", "Pro", "EUR", 60_000, "month", "2025-03-01", None, None),
    ("M2", "Pro", "EUR", 40_000, "month", "2024-11-01", None, "2025-01-31"),
    ("M2", "Pro", "EUR", 45_000, "month", "2025-04-01", None, None),
    ("M3", "Pro", "EUR", 1_200_000, "year", "2025-02-01", None, None),
    ("M4", "Pro", "USD", 50_000, "month", "2024-11-01", None, None),
    ("M5", "Pro", "EUR", 10_000, "month", "2025-04-01", "2025-05-01", None),
]
USD_MONTHS_WITHOUT_RATE = ("2025-02-01",)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def multi_company_write(workspace: Workspace) -> None:
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        referral = Channel.objects.create(name="Referral", key=name_key("Referral"))
        ads = Channel.objects.create(name="Ads", key=name_key("Ads"))
        channels = {"Referral": referral, "Ads": ads}
        spring = Campaign.objects.create(name="Spring", key=name_key("Spring"), channel=ads)
        accounts = {}
        for n, (key, (country, channel, lead)) in enumerate(ACCOUNTS.items()):
            account = Account.objects.create(
                external_id=key, name=f"Kunde {key}", country=country,
                channel=channels[channel] if channel else None,
            )  # fmt: skip
            accounts[key] = account
            if lead:
                Lead.objects.create(
                    external_id=f"L{n}", created_at=date(2024, 11, 1),
                    converted_at=date(2024, 11, 20), account=account,
                    channel=channels[lead[0]], campaign=spring,
                )  # fmt: skip
        for n, (key, plan, currency, cents, interval, start, trial, end) in enumerate(
            SUBSCRIPTIONS
        ):
            Subscription.objects.create(
                external_id=f"S{n}", account=accounts[key], plan=plan, amount_cents=cents,
                currency=currency, interval=interval, started_at=_day(start),
                trial_ends_at=_day(trial), ended_at=_day(end),
            )  # fmt: skip
        for month in range(8):
            first = date(2024 + (9 + month) // 12, (9 + month) % 12 + 1, 1)
            if first.isoformat() not in USD_MONTHS_WITHOUT_RATE:
                rate = Decimal("0.90") + Decimal(month) / 100  # moves: an FX impact each month
                ExchangeRate.objects.create(month=first, currency="USD", rate=rate)
        snapshot_rebuild(workspace_id=workspace.id)
