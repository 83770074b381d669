"""Journeys shared by the attribution page, API and browser tests: three customers won in the
month that starts on `first` (KPIS.md 7), with snapshots computed as of `today`.

A (own channel Direct): Ads (campaign Spring) on day 1, Webinar (through its lead) day 5,
  Sales demo day 10; won day 10 with 300 €; a won deal; a Webinar touch on day 20 comes later.
B (own channel Partner): no touchpoint before its win on day 15 (one on day 16): the implied
  touchpoint; 100 €.
C (own channel Direct): Ads on day 20 of the month before and on day 2; won day 3 (trial end)
  with 200 €.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Campaign, Channel, Deal, Lead, Subscription, Touchpoint
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild


@dataclass(frozen=True)
class Journeys:
    a: Account
    b: Account
    c: Account


def _channel(name: str) -> Channel:
    return Channel.objects.create(name=name, key=name_key(name))


def write_journeys(workspace: Workspace, first: date) -> Journeys:
    def on(n: int) -> date:
        return first + timedelta(days=n - 1)

    with workspace_scope(workspace.id):
        ads, webinar, sales = _channel("Ads"), _channel("Webinar"), _channel("Sales")
        direct, partner = _channel("Direct"), _channel("Partner")
        spring = Campaign.objects.create(channel=ads, name="Spring", key="spring")
        a = Account.objects.create(external_id="A", name="Alpha GmbH", channel=direct)
        b = Account.objects.create(external_id="B", name="Beta AG", channel=partner)
        c = Account.objects.create(external_id="C", name="Gamma KG", channel=direct)
        lead = Lead.objects.create(
            external_id="L1", created_at=on(4), converted_at=on(9), account=a
        )

        def touch(day: date, via: Channel, type_: str = "visit", **owner: object) -> None:
            Touchpoint.objects.create(occurred_at=day, channel=via, type=type_, **owner)

        touch(on(1), ads, account=a, campaign=spring)
        touch(on(5), webinar, "webinar", lead=lead)
        touch(on(10), sales, "demo", account=a)
        touch(on(20), webinar, account=a)
        touch(on(16), sales, account=b)
        touch(first - timedelta(days=11), ads, "ad_click", account=c, campaign=spring)
        touch(on(2), ads, account=c)
        for account, start, cents, trial in (
            (a, on(10), 30000, None),
            (b, on(15), 10000, None),
            (c, first - timedelta(days=12), 20000, on(3)),
        ):
            Subscription.objects.create(
                external_id=f"S-{account.external_id}",
                account=account,
                amount_cents=cents,
                currency="EUR",
                interval="month",
                started_at=start,
                trial_ends_at=trial,
            )
        Deal.objects.create(
            external_id="D1",
            name="Alpha first order",
            account=a,
            stage="won",
            kind="new",
            amount_cents=360000,
            currency="EUR",
            created_at=on(2),
            closed_at=on(9),
        )
        snapshot_rebuild(workspace_id=workspace.id)
    return Journeys(a, b, c)
