"""The customers new in each month with their journeys (KPIS.md section 7), loaded once.

A customer is new in the month of its won day (its first day with MRR > 0) when it is still
active at that month's end: exactly the accounts `customers_new` counts. Its new MRR is its MRR
at that month's end at that month's rates, as `mrr_new` counts it. The journey is the
touchpoints of the account and of its leads up to the won day (`attribution.journey`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cached_property
from typing import NamedTuple

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis import sql
from kpiapp.kpis.attribution import IMPLIED_TYPE, Touch, journey
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context, from_day_number
from kpiapp.kpis.dimensions import (
    AccountAttributes,
    load_account_attributes,
    load_names,
    named_codes,
)
from kpiapp.kpis.mrr_states import EntityGrids, SubscriptionRows, entity_grids, load_subscriptions
from kpiapp.kpis.reasons import no_rate
from kpiapp.kpis.registry import ACCOUNT_ATTRIBUTES


@dataclass(frozen=True, eq=False)
class NewCustomer:
    account: int
    won_day: date
    month: int  # month index of the won day: the month it counts as new in
    # The new MRR in units of 1/mrr_scale of the workspace currency (exact integers); None:
    # a rate is missing (`mrr_reason`). `mrr_new` is the same in major units.
    mrr_units: int | None
    mrr_scale: int
    mrr_reason: str
    channel: str  # the account's own channel and campaign (Dimensions), and its country
    campaign: str
    country: str
    first_value: date | None
    had_touchpoints: bool  # False: the journey is the implied touchpoint
    # The journey's touches: positions into `touches`, in journey order (none: implied).
    touches: TouchRows | None = field(default=None, repr=False)
    positions: list[int] = field(default_factory=list, repr=False)

    @cached_property
    def mrr_new(self) -> Fraction | None:
        return None if self.mrr_units is None else Fraction(self.mrr_units, self.mrr_scale)

    @property
    def length(self) -> int:
        return len(self.positions) or 1

    def step_values(self, by: str) -> list[str]:
        """The journey's channels, campaigns or types ("channel", "campaign", "type"), without
        making a `Touch` of each step (the engine reads only these)."""
        if self.touches is None or not self.positions:
            return [IMPLIED_TYPE if by == "type" else getattr(self, by)]
        values = getattr(self.touches, by)
        return [values[i] for i in self.positions]

    @cached_property
    def steps(self) -> list[Touch]:
        if self.touches is None or not self.positions:
            return journey([], self.won_day, channel=self.channel, campaign=self.campaign)
        return self.touches.touches(self.positions, {})


@dataclass
class TouchRows:
    """Every touchpoint that reaches an account (its own, or its lead's), as arrays."""

    id: np.ndarray
    account: np.ndarray  # account id
    day: np.ndarray  # day number
    channel: list[str]  # names ("" for none)
    campaign: list[str]
    type: list[str]
    # "channel" / "campaign" -> (label names, blank first; the label index of each touch)
    codes: dict[str, tuple[list[str], np.ndarray]] = field(repr=False)

    def touches(self, positions: list[int], days: dict[int, date]) -> list[Touch]:
        """The touches at `positions`; `days` caches the date of each day number."""
        numbers = self.day[positions].tolist()
        for number in set(numbers) - days.keys():
            days[number] = from_day_number(number)
        channel, campaign, kind = self.channel, self.campaign, self.type
        return [
            Touch(days[number], touch_id, channel[i], campaign[i], kind[i])
            for i, number, touch_id in zip(
                positions, numbers, self.id[positions].tolist(), strict=True
            )
        ]


def load_touches(
    *, workspace_id: int, channels: dict[int, str], campaigns: dict[int, str]
) -> TouchRows:
    """The touchpoints of the workspace that belong to an account, directly or by a lead."""
    day = sql.day_number("t.occurred_at")
    columns = f"t.id, {{account}}, {day}, t.channel_id, COALESCE(t.campaign_id, 0), t.type"
    # Only touchpoints that reach an account: most leads never convert, and their
    # touchpoints (nine in ten on the large demo) would be read only to be dropped. Two
    # indexed halves (the account's own, its leads') beat one scan of every touchpoint.
    # Read column-wise (no Python value per cell): 180 -> 40 ms of CPU on the bench's 1.2
    # million touchpoints, on a read thread that shares the interpreter with the compute.
    numbers, (types,) = sql.fetch_ints_and_texts(
        f"SELECT {columns.format(account='t.account_id')} FROM kpiapp_touchpoint t "
        "WHERE t.workspace_id = %(workspace_id)s AND t.account_id IS NOT NULL "
        f"UNION ALL SELECT {columns.format(account='l.account_id')} FROM kpiapp_lead l "
        "JOIN kpiapp_touchpoint t ON t.lead_id = l.id AND t.workspace_id = %(workspace_id)s "
        "WHERE l.workspace_id = %(workspace_id)s AND l.account_id IS NOT NULL",
        width=5,
        texts=1,
        workspace_id=workspace_id,
    )
    ids, accounts, days, channel_ids, campaign_ids = numbers.T
    channel_codes, channel_names = named_codes(channel_ids, channels)
    campaign_codes, campaign_names = named_codes(campaign_ids, campaigns)
    return TouchRows(
        id=ids.copy(),
        account=accounts.copy(),
        day=days.copy(),
        channel=[channel_names[c] for c in channel_codes.tolist()],
        campaign=[campaign_names[c] for c in campaign_codes.tolist()],
        type=types,
        codes={
            "channel": (channel_names, channel_codes),
            "campaign": (campaign_names, campaign_codes),
        },
    )


def load_touch_labels(
    *,
    workspace_id: int,
    accounts: Collection[int],
    channels: dict[int, str],
    campaigns: dict[int, str],
) -> set[tuple[str, str]]:
    """("channel" or "campaign", name) of the touchpoints of `accounts` and their leads: the
    values of the attributed KPIs that a change of these accounts can move."""
    wanted, params = sql.id_list("account", accounts)
    rows = sql.fetch(
        "SELECT t.channel_id, t.campaign_id FROM kpiapp_touchpoint t "
        f"WHERE t.workspace_id = %(workspace_id)s AND t.account_id IN {wanted} "
        "UNION SELECT t.channel_id, t.campaign_id FROM kpiapp_lead l "
        "JOIN kpiapp_touchpoint t ON t.lead_id = l.id AND t.workspace_id = %(workspace_id)s "
        f"WHERE l.workspace_id = %(workspace_id)s AND l.account_id IN {wanted}",
        workspace_id=workspace_id,
        params=params,
    )
    labels = {("channel", channels.get(channel, "")) for channel, _ in rows}
    return labels | {("campaign", campaigns.get(c, "") if c else "") for _, c in rows}


def load_first_value_days(*, workspace_id: int) -> np.ndarray:
    """(account, day number) of each account's first value: read once for the activation rate
    (here) and time to first value (`engagement`)."""
    return sql.fetch_ints(
        f"SELECT account_id, MIN({sql.day_number('first_value_at')}) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND first_value_at IS NOT NULL "
        "GROUP BY account_id",
        width=2,
        workspace_id=workspace_id,
    )


NO_FIRST_VALUE = -1  # the day number of an account without a first value


def first_value_days_of(table: np.ndarray, account_ids: np.ndarray) -> np.ndarray:
    """The first value's day number of each of `account_ids` (NO_FIRST_VALUE: none), from
    `load_first_value_days`."""
    if not len(table):
        return np.full(len(account_ids), NO_FIRST_VALUE, dtype=np.int64)
    order = np.argsort(table[:, 0], kind="stable")
    accounts, days = table[order, 0], table[order, 1]
    at = np.minimum(np.searchsorted(accounts, account_ids), len(accounts) - 1)
    return np.where(accounts[at] == account_ids, days[at], NO_FIRST_VALUE)


def _new_mrr(
    context: Context, rows: SubscriptionRows, grids: EntityGrids, entities: np.ndarray,
    slots: np.ndarray,
) -> tuple[list[int | None], list[str]]:  # fmt: skip
    """Each entity's MRR at the end of its month slot, at that month's rates, in units of
    1 / (unit_denominator × RATE_SCALE × 100) major units (None and the reason when a rate it
    needs is missing; the first currency's in code order)."""
    totals = np.zeros(len(entities), dtype=object)
    reasons = np.full(len(entities), "", dtype=object)
    months = context.first_month + slots
    for code, grid in enumerate(grids.grids):
        native = grid[entities, slots + 1]
        if not native.any():
            continue
        currency = rows.currencies[code]
        distinct, month_at = np.unique(months, return_inverse=True)
        rate_of = [context.rates.get(currency, int(m)) for m in distinct.tolist()]
        rates = np.array([r or 0 for r in rate_of], dtype=object)[month_at.reshape(-1)]
        totals += native.astype(object) * rates
        lacking = np.array([r is None for r in rate_of], dtype=bool)[month_at.reshape(-1)]
        for n in np.flatnonzero(lacking & (native != 0) & (reasons == "")).tolist():
            reasons[n] = no_rate(currency, int(months[n]))
    priced = reasons == ""
    return (
        [total if ok else None for total, ok in zip(totals.tolist(), priced.tolist(), strict=True)],
        reasons.tolist(),
    )


class JourneySteps(NamedTuple):
    customer: np.ndarray  # per step: its customer's index
    position: np.ndarray  # its place in the journey
    touch: np.ndarray  # its touch's position in `touches` (-1: the implied touchpoint)
    first: np.ndarray  # per customer: the index of its first step


@dataclass
class NewCustomers:
    """The customers new in the months asked for, as columns (one entry per customer, in
    order of won day, then account), with their journeys; and the labels of every new
    customer's journey (channels and campaigns of its steps) and own attributes, over all
    months: the dimension values the journey KPIs have in every period.

    Columns, not an object per customer: a partial recompute reads some 10,000 of them."""

    account: np.ndarray  # account id
    won_day: np.ndarray  # day number
    slot: np.ndarray  # month slot of the won day
    month: np.ndarray  # its month index
    mrr_units: list[int | None]  # new MRR in 1/mrr_scale (None: a rate is missing, mrr_reason)
    mrr_reason: list[str]
    mrr_scale: int
    own: dict[str, np.ndarray]  # dimension (ACCOUNT_ATTRIBUTES) -> the label index in names
    names: dict[str, list[str]]
    first_value: np.ndarray  # day number, or NO_FIRST_VALUE
    starts: np.ndarray  # each journey's touches: positions[starts[i]:stops[i]] (none: implied)
    stops: np.ndarray
    positions: np.ndarray  # into `touches`, each journey's in order of day, then id
    touches: TouchRows
    step_labels: dict[str, set[str]]  # "channel" / "campaign" -> labels
    own_labels: set[tuple[str, str]]  # ("channel" | "campaign" | "country", label)

    @property
    def count(self) -> int:
        return len(self.account)

    @cached_property
    def lengths(self) -> np.ndarray:
        """Each journey's number of steps (the implied one counts)."""
        return np.maximum(self.stops - self.starts, 1)

    @cached_property
    def steps(self) -> JourneySteps:
        """Every step of every journey as arrays, customers in order (read by several KPIs)."""
        lengths = self.lengths
        first = np.cumsum(lengths) - lengths
        customer = np.repeat(np.arange(self.count), lengths)
        position = np.arange(int(lengths.sum())) - first[customer]
        has_touches = (self.stops > self.starts)[customer]
        at = np.where(has_touches, self.starts[customer] + position, 0)
        touch = (
            self.positions[np.minimum(at, max(len(self.positions) - 1, 0))]
            if len(self.positions)
            else np.zeros(len(at), dtype=np.int64)
        )
        return JourneySteps(customer, position, np.where(has_touches, touch, -1), first)

    def customers(self) -> list[NewCustomer]:
        """One `NewCustomer` each, for pages."""
        labels = {d: [self.names[d][c] for c in self.own[d].tolist()] for d in ACCOUNT_ATTRIBUTES}
        positions = self.positions.tolist()
        return [
            NewCustomer(
                account=account,
                won_day=from_day_number(won),
                month=month,
                mrr_units=units,
                mrr_scale=self.mrr_scale,
                mrr_reason=reason,
                channel=channel,
                campaign=campaign,
                country=country,
                first_value=None if value == NO_FIRST_VALUE else from_day_number(value),
                had_touchpoints=stop > start,
                touches=self.touches,
                positions=positions[start:stop],
            )
            for account, won, month, units, reason, channel, campaign, country, value, start, stop
            in zip(
                self.account.tolist(), self.won_day.tolist(), self.month.tolist(),
                self.mrr_units, self.mrr_reason, labels["channel"], labels["campaign"],
                labels["country"], self.first_value.tolist(), self.starts.tolist(),
                self.stops.tolist(), strict=True,
            )
        ]  # fmt: skip


def _won_slots(context: Context, grids: EntityGrids) -> np.ndarray:
    """Per account the month slot of its won day (its first day with MRR), or -1 when it is
    no new customer of any month up to today: never active, won before the first month or
    after today, or won and lost within its first month (a later return is a reactivation)."""
    boundaries = context.boundaries()
    # Day d lies in slot k when boundaries[k] < d <= boundaries[k + 1].
    slot = np.searchsorted(boundaries, grids.first_active, side="left") - 1
    inside = (grids.first_active < NO_END) & (slot >= 0) & (slot < context.month_count)
    slot = np.where(inside, slot, -1)
    held = np.zeros(len(slot), dtype=bool)
    rows_at = np.flatnonzero(inside)
    for grid in grids.grids:
        held[rows_at] |= grid[rows_at, slot[rows_at] + 1] > 0
    return np.where(held, slot, -1)


def new_customers(
    context: Context,
    rows: SubscriptionRows,
    grids: EntityGrids,
    attributes: AccountAttributes,
    touches: TouchRows,
    first_values: np.ndarray,
    *,
    from_slot: int = 0,
) -> NewCustomers:
    """The customers new in the month slots from `from_slot` on, by won day, then account id
    (a partial recompute needs only the months it emits; the labels cover every month).
    `first_values`: what `load_first_value_days` reads."""
    won_slot = _won_slots(context, grids)
    account_ids = np.array(rows.account_ids, dtype=np.int64)
    won_day = np.where(won_slot >= 0, grids.first_active, -1)
    # Each touch's account as an index into the subscription rows' accounts (-1: none).
    order = np.argsort(account_ids, kind="stable")
    found_at = np.searchsorted(account_ids[order], touches.account)
    found_at = np.minimum(found_at, max(len(order) - 1, 0))
    index = (
        np.where(account_ids[order][found_at] == touches.account, order[found_at], -1)
        if len(order)
        else np.full(len(touches.account), -1)
    )
    customer_touch = index >= 0
    customer_touch[customer_touch] = won_slot[index[customer_touch]] >= 0
    kept = customer_touch.copy()  # touches of a journey: up to and including the won day
    kept[kept] = touches.day[kept] <= won_day[index[kept]]
    step_labels = {}
    for by in ("channel", "campaign"):
        names, codes = touches.codes[by]
        step_labels[by] = {names[c] for c in np.unique(codes[kept]).tolist()}
    with_steps = np.zeros(len(account_ids), dtype=bool)
    with_steps[index[kept]] = True
    own_labels: set[tuple[str, str]] = set()
    customers = np.flatnonzero(won_slot >= 0)
    for position, dimension in enumerate(ACCOUNT_ATTRIBUTES):
        names = attributes.names[position]
        codes = attributes.codes_of(dimension, account_ids[customers])
        own_labels.update((dimension, names[c]) for c in np.unique(codes).tolist())
        if dimension in step_labels:  # the implied touchpoint of a customer without any
            implied = np.unique(codes[~with_steps[customers]]).tolist()
            step_labels[dimension].update(names[c] for c in implied)

    wanted = np.flatnonzero(won_slot >= from_slot)
    wanted = wanted[np.lexsort((account_ids[wanted], won_day[wanted]))]
    # The wanted customers' journeys: their kept touches by customer, then day, then id (the
    # order of `attribution.journey`), each customer's a contiguous run.
    wanted_touch = kept.copy()
    wanted_touch[wanted_touch] = won_slot[index[wanted_touch]] >= from_slot
    positions = np.flatnonzero(wanted_touch)
    positions = positions[
        np.lexsort((touches.id[positions], touches.day[positions], index[positions]))
    ]
    steps_of = index[positions]
    mrr_units, mrr_reasons = _new_mrr(context, rows, grids, wanted, won_slot[wanted])
    return NewCustomers(
        account=account_ids[wanted],
        won_day=grids.first_active[wanted].astype(np.int64),
        slot=won_slot[wanted],
        month=context.first_month + won_slot[wanted],
        mrr_units=mrr_units,
        mrr_reason=mrr_reasons,
        mrr_scale=rows.unit_denominator * RATE_SCALE * 100,
        own={d: attributes.codes_of(d, account_ids[wanted]) for d in ACCOUNT_ATTRIBUTES},
        names=dict(zip(ACCOUNT_ATTRIBUTES, attributes.names, strict=True)),
        first_value=first_value_days_of(first_values, account_ids[wanted]),
        starts=np.searchsorted(steps_of, wanted, side="left"),
        stops=np.searchsorted(steps_of, wanted, side="right"),
        positions=positions,
        touches=touches,
        step_labels=step_labels,
        own_labels=own_labels,
    )


def load_new_customers(context: Context, workspace: Workspace) -> list[NewCustomer]:
    """The same customers as the engine sees them, for pages (a few set-based queries)."""
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    rows = load_subscriptions(workspace_id=workspace.id)
    grids = entity_grids(rows, rows.account, len(rows.account_ids), context.boundaries())
    return new_customers(
        context,
        rows,
        grids,
        attributes,
        load_touches(workspace_id=workspace.id, channels=channels, campaigns=campaigns),
        load_first_value_days(workspace_id=workspace.id),
    ).customers()
