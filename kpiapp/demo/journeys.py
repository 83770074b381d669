"""The demo company's customer journeys: the touchpoints of its leads and accounts.

A lead is touched one to eight times, more the further it got down the funnel: a first
contact a few weeks before it signed up (most likely through its own channel), the sign-up
itself, then a mix of channels up to its conversion or its last step (a demo once it is
qualified). Some accounts are touched directly: the customers from before the window through
their own channel, some won customers during the deal (an event, a demo for the team) and a
few after it (a webinar), which the journeys up to the won day leave out.

The journeys draw from their own random generator, seeded from the company's seed, so they
are the same for a seed and adding them changed none of the company's other rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from kpiapp.models import Touchpoint, TouchpointType

if TYPE_CHECKING:
    from kpiapp.demo.company import _Camp, _Ctx, _Customer, _LeadPlan

T = TouchpointType

# How each channel touches people: (type, weight). Channels are named as in company.CHANNELS.
TYPES_BY_CHANNEL: dict[str, tuple[tuple[str, float], ...]] = {
    "Inbound/Organic": ((T.VISIT, 6), (T.EMAIL, 2), (T.WEBINAR, 1)),
    "Paid Ads": ((T.AD_CLICK, 6), (T.VISIT, 2)),
    "Outbound": ((T.EMAIL, 5), (T.VISIT, 1)),
    "Referral": ((T.REFERRAL, 5), (T.VISIT, 1)),
    "Partner": ((T.REFERRAL, 2), (T.EVENT, 2), (T.WEBINAR, 1), (T.VISIT, 1)),
    "Events": ((T.EVENT, 4), (T.WEBINAR, 3)),
}
OTHER_TYPES = ((T.VISIT, 3), (T.EMAIL, 1))  # a channel the table does not name
P_OWN_FIRST = 0.7  # the first contact came through the lead's own channel
P_OWN_LATER = 0.4  # a later contact did
EARLIEST_DAYS = 42  # the first contact lies up to six weeks before the lead signed up
P_ACCOUNT_DURING_DEAL = 0.3
P_ACCOUNT_AFTER_WIN = 0.2
SEED_SALT = 20  # the journeys' generator is random.Random(seed * SEED_MULTIPLIER + SEED_SALT)
SEED_MULTIPLIER = 1_000_003
BATCH_ROWS = 100_000  # rows built and written at a time


@dataclass(frozen=True)
class _Touch:
    day: date
    channel: int
    type: str
    campaign: _Camp | None = None


def touchpoint_batches(
    ctx: _Ctx,
    seed: int,
    leads: Sequence[_LeadPlan],
    customers: Sequence[_Customer],
    size: int | None = None,
) -> Iterator[list[Touchpoint]]:
    """The touchpoints of every lead and some accounts (leads and accounts already saved),
    `size` rows at a time: the large company has over a million, too many to hold at once.
    The rows are the same whatever the size."""
    size = size or BATCH_ROWS
    rng = random.Random(seed * SEED_MULTIPLIER + SEED_SALT)  # noqa: S311 - demo data
    journeys = _Journeys(ctx, rng)
    objs: list[Touchpoint] = []
    number = 0

    def add(touches: list[_Touch], **owner: Any) -> None:
        nonlocal number
        for touch in touches:
            number += 1
            objs.append(journeys.obj(touch, number, **owner))

    for lead in leads:
        add(journeys.of_lead(lead), lead=lead)
        if len(objs) >= size:
            yield objs
            objs = []
    from_leads = {id(lead.customer) for lead in leads if lead.customer is not None}
    for customer in customers:
        add(journeys.of_account(customer, won_through_lead=id(customer) in from_leads),
            customer=customer)  # fmt: skip
    if objs:
        yield objs


class _Journeys:
    def __init__(self, ctx: _Ctx, rng: random.Random) -> None:
        from kpiapp.demo.company import CHANNELS  # company imports this module

        self.ctx = ctx
        self.rng = rng
        self.names = [spec.name for spec in CHANNELS]
        self.shares = [spec.share for spec in CHANNELS]
        self.p_campaign = [spec.p_campaign for spec in CHANNELS]
        self.running: dict[tuple[int, date], list[_Camp]] = {}

    # --- leads -------------------------------------------------------------------------------

    def of_lead(self, lead: _LeadPlan) -> list[_Touch]:
        rng, as_of = self.rng, self.ctx.as_of
        converted = lead.close if lead.won and lead.close and lead.close <= as_of else None
        count = self._count(lead, converted)
        first_day = lead.created - timedelta(days=rng.randint(0, EARLIEST_DAYS))
        own_first = count == 1 or rng.random() < P_OWN_FIRST
        channel = lead.channel if own_first else self._other_channel(lead.channel)
        touches = [self._touch(first_day, channel, lead.campaign if own_first else None)]
        if count == 1:
            return touches
        if not own_first or first_day < lead.created:  # the sign-up itself
            touches.append(self._touch(lead.created, lead.channel, lead.campaign))
        if lead.qualified is not None and len(touches) < count:
            demo_by = lead.opportunity or min(as_of, lead.qualified + timedelta(days=21))
            touches.append(_Touch(self._day(lead.qualified, demo_by), lead.channel, T.DEMO))
        last = self._last_day(lead, converted)
        while len(touches) < count:
            own = rng.random() < P_OWN_LATER
            channel = lead.channel if own else self._other_channel(lead.channel)
            touches.append(self._touch(self._day(lead.created, last), channel))
        touches.sort(key=lambda touch: touch.day)
        return touches

    def _count(self, lead: _LeadPlan, converted: date | None) -> int:
        rng = self.rng
        if converted is not None:
            return rng.randint(3, 8)
        if lead.opportunity is not None:
            return rng.randint(2, 6)
        if lead.qualified is not None:
            return rng.randint(2, 4)
        return rng.choices((1, 2, 3), weights=(5, 3, 2))[0]

    def _last_day(self, lead: _LeadPlan, converted: date | None) -> date:
        """Up to its conversion; an open or lost lead up to a while after its last step."""
        if converted is not None:
            return converted
        if lead.close is not None:
            return min(self.ctx.as_of, lead.close)
        last_step = lead.qualified or lead.created
        return min(self.ctx.as_of, last_step + timedelta(days=self.rng.randint(0, 30)))

    # --- accounts ----------------------------------------------------------------------------

    def of_account(self, customer: _Customer, *, won_through_lead: bool) -> list[_Touch]:
        rng, as_of = self.rng, self.ctx.as_of
        channel = customer.channel if customer.channel is not None else 0
        touches = []
        if not won_through_lead:  # from before the window: its journey is kept on the account
            for _ in range(rng.randint(1, 3)):
                day = self._day(customer.created - timedelta(days=EARLIEST_DAYS), customer.created)
                touches.append(self._touch(day, channel, customer.campaign))
        elif rng.random() < P_ACCOUNT_DURING_DEAL:
            end = min(as_of, customer.rows[0].started)
            kind = rng.choice((T.EVENT, T.DEMO, T.WEBINAR))
            events = self.names.index("Events") if "Events" in self.names else channel
            where = channel if kind == T.DEMO else events  # a demo for the team, or a fair
            touches.append(_Touch(self._day(customer.created, end), where, kind))
        start = customer.rows[0].started  # the first subscription: won by then
        if start < as_of and rng.random() < P_ACCOUNT_AFTER_WIN:
            touches.append(self._touch(self._day(start + timedelta(days=1), as_of), channel))
        return touches

    # --- pieces ------------------------------------------------------------------------------

    def _day(self, low: date, high: date) -> date:
        high = min(high, self.ctx.as_of)
        if high <= low:
            return min(low, self.ctx.as_of)
        return low + timedelta(days=self.rng.randint(0, (high - low).days))

    def _other_channel(self, own: int) -> int:
        weights = [0.0 if i == own else share for i, share in enumerate(self.shares)]
        return self.rng.choices(range(len(self.shares)), weights=weights)[0]

    def _touch(self, day: date, channel: int, campaign: _Camp | None = None) -> _Touch:
        types = TYPES_BY_CHANNEL.get(self.names[channel], OTHER_TYPES)
        kind = self.rng.choices([t for t, _ in types], weights=[w for _, w in types])[0]
        if campaign is None and self.rng.random() < self.p_campaign[channel]:
            running = self._running(channel, day.replace(day=1))
            if running:
                campaign = self.rng.choices(running, weights=[c.weight for c in running])[0]
        return _Touch(day, channel, kind, campaign)

    def _running(self, channel: int, month: date) -> list[_Camp]:
        key = (channel, month)
        if key not in self.running:
            self.running[key] = [
                c for c in self.ctx.campaigns if c.channel == channel and c.runs_in(month)
            ]
        return self.running[key]

    def obj(
        self,
        touch: _Touch,
        number: int,
        *,
        lead: _LeadPlan | None = None,
        customer: _Customer | None = None,
    ) -> Touchpoint:
        # By ids (the parents are saved): tens of thousands of rows build faster that way.
        campaign = touch.campaign.obj if touch.campaign is not None else None
        return Touchpoint(
            external_id=f"TP-{number:06d}",
            lead_id=lead.obj.pk if lead is not None and lead.obj is not None else None,
            account_id=customer.obj.pk if customer is not None and customer.obj else None,
            occurred_at=touch.day,
            channel_id=self.ctx.channels[touch.channel].pk,
            campaign_id=campaign.pk if campaign is not None else None,
            type=touch.type,
        )
