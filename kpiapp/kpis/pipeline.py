"""Deals (KPIS.md section 4): won and lost, win rate, deal size, services revenue, sales cycle,
pipeline value and weighted pipeline.

Reads the deals (a few columns, stages as codes) and their stage history once. Closed deals are
counted and summed per dimension value and month with numpy; the pipeline adds each deal's
stretches of one stage to a per-month running sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.context import (
    NO_END,
    RATE_SCALE,
    Context,
    day_number,
    from_day_number,
    months_of_days,
)
from kpiapp.kpis.dimensions import GroupIndex
from kpiapp.kpis.periods import local_day_end_utc
from kpiapp.kpis.reasons import NO_CLOSED, NO_CYCLE, NO_WON, no_rate
from kpiapp.kpis.results import Collector

STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
KINDS = ("new", "expansion", "renewal")
SALES_KINDS = {"new", "expansion"}


@dataclass
class MonthTotals:
    """Per-month sums for one dimension value (index = month slot)."""

    size: int
    won: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    sales_won: list[int] = field(default_factory=list)
    sales_lost: list[int] = field(default_factory=list)
    amount: list[Fraction] = field(default_factory=list)  # won new + expansion, major units
    amount_count: list[int] = field(default_factory=list)
    services: list[Fraction] = field(default_factory=list)
    cycle_days: list[int] = field(default_factory=list)
    cycle_count: list[int] = field(default_factory=list)
    missing: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("won", "lost", "sales_won", "sales_lost", "amount_count"):
            setattr(self, name, [0] * self.size)
        for name in ("cycle_days", "cycle_count"):
            setattr(self, name, [0] * self.size)
        self.amount = [Fraction(0)] * self.size
        self.services = [Fraction(0)] * self.size
        self.missing = [None] * self.size


@dataclass
class DealOutcome:
    """Won deals and won amounts per (dimension, value) for the acquisition KPIs."""

    totals: dict[tuple[str, str], MonthTotals]


@dataclass
class DealRows:
    """Every deal of a workspace as arrays (index = row, ordered by id)."""

    ids: np.ndarray
    stage: np.ndarray  # index into STAGES
    kind: np.ndarray  # index into KINDS
    owner: GroupIndex
    channel: GroupIndex  # the deal's channel, else its lead's; "" for none
    campaign: GroupIndex
    currency: np.ndarray  # index into currencies
    currencies: list[str]
    amount: np.ndarray  # cents; 0 when empty
    has_amount: np.ndarray
    services: np.ndarray
    created: np.ndarray  # day number; -1 when empty
    closed: np.ndarray  # day number; NO_END when open

    @property
    def count(self) -> int:
        return len(self.ids)


def _code(column: str, values: tuple[str, ...]) -> str:
    cases = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(values))
    return f"CASE {column} {cases} ELSE -1 END"


def _deal_columns(lead: str) -> str:
    day = sql.day_number
    return (
        f"d.id, {_code('d.stage', STAGES)}, {_code('d.kind', KINDS)}, "
        f"COALESCE(d.channel_id, {lead.format('channel_id')}, 0), "
        f"COALESCE(d.campaign_id, {lead.format('campaign_id')}, 0), "
        "COALESCE(d.amount_cents, -1), COALESCE(d.services_amount_cents, 0), "
        f"COALESCE({day('d.created_at')}, -1), COALESCE({day('d.closed_at')}, {NO_END}), "
        "d.owner, d.currency"
    )


def load_deals(context: Context, channels: dict[int, str], campaigns: dict[int, str]) -> DealRows:
    # Only deals without their own channel or campaign read their lead: joining every deal
    # made PostgreSQL hash all of them (beyond work_mem) against a scan of all leads.
    table, (owners, currency_codes) = sql.fetch_ints_and_texts(
        f"SELECT {_deal_columns('NULL')} FROM kpiapp_deal d "
        "WHERE d.workspace_id = %(workspace_id)s AND (d.lead_id IS NULL "
        "OR (d.channel_id IS NOT NULL AND d.campaign_id IS NOT NULL)) "
        f"UNION ALL SELECT {_deal_columns('l.{}')} FROM kpiapp_deal d LEFT JOIN kpiapp_lead l "
        "ON l.id = d.lead_id AND l.workspace_id = %(workspace_id)s "
        "WHERE d.workspace_id = %(workspace_id)s AND d.lead_id IS NOT NULL "
        "AND (d.channel_id IS NULL OR d.campaign_id IS NULL)",
        width=9,
        texts=2,
        workspace_id=context.workspace_id,
    )
    order = np.argsort(table[:, 0], kind="stable")
    table = table[order]
    order_list = order.tolist()
    owner = GroupIndex.of([owners[i] for i in order_list])
    currency_index = GroupIndex.of([currency_codes[i] for i in order_list])
    currencies = sorted(currency_index.labels)
    rank = np.array([currencies.index(c) for c in currency_index.labels], dtype=np.int64)
    amount = table[:, 5]
    return DealRows(
        ids=table[:, 0],
        stage=table[:, 1],
        kind=table[:, 2],
        owner=owner,
        channel=_names(table[:, 3], channels),
        campaign=_names(table[:, 4], campaigns),
        currency=rank[currency_index.group],
        currencies=currencies,
        amount=np.maximum(amount, 0),
        has_amount=amount >= 0,
        services=table[:, 6],
        created=table[:, 7],
        closed=table[:, 8],
    )


def _names(ids: np.ndarray, names: dict[int, str]) -> GroupIndex:
    """The groups of the names of `ids` (0 or an unknown id: ""), labelled in order of first
    appearance as `GroupIndex.of` would, from the few distinct ids instead of every row."""
    distinct, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    index: dict[str, int] = {}
    group_of_distinct = np.zeros(len(distinct), dtype=np.int64)
    for d in np.argsort(first, kind="stable").tolist():
        label = names.get(int(distinct[d]), "")
        group_of_distinct[d] = index.setdefault(label, len(index))
    return GroupIndex(list(index), group_of_distinct[inverse.reshape(-1)])


def _groupings(deals: DealRows) -> list[tuple[str, GroupIndex]]:
    return [
        ("", GroupIndex([""], np.zeros(deals.count, dtype=np.int64))),
        ("owner", deals.owner),
        ("channel", deals.channel),
        ("campaign", deals.campaign),
        ("kind", _kinds(deals.kind)),
    ]


def _kinds(kind: np.ndarray) -> GroupIndex:
    """`GroupIndex.of` the kinds' names, from their codes."""
    if (kind < 0).any():  # cannot pass the kind's check constraint; read as before
        return GroupIndex.of([KINDS[k] for k in kind.tolist()])
    codes, first = np.unique(kind, return_index=True)
    ordered = codes[np.argsort(first, kind="stable")].tolist()
    group_of_code = np.zeros(len(KINDS), dtype=np.int64)
    group_of_code[ordered] = np.arange(len(ordered))
    return GroupIndex([KINDS[k] for k in ordered], group_of_code[kind])


def compute(
    context: Context,
    collector: Collector,
    channels: dict[int, str],
    campaigns: dict[int, str],
    *,
    read_deals: Callable[[], DealRows] | None = None,
    read_history: Callable[[], np.ndarray] | None = None,
) -> DealOutcome:
    """`read_deals` and `read_history` give what `load_deals` and `load_stage_changes` read
    (the engine reads them beside other work); by default they are read here."""
    deals = read_deals() if read_deals else load_deals(context, channels, campaigns)
    groupings = _groupings(deals) if deals.count else _groupings(deals)[:1]
    totals = _closed_totals(context, deals, groupings)
    for (dimension, label), t in totals.items():
        args = (dimension, label)
        collector.monthly("deals_won", *args, t.won)
        collector.monthly("deals_lost", *args, t.lost)
        won_and_lost = [t.sales_won[k] + t.sales_lost[k] for k in range(t.size)]
        collector.monthly("win_rate", *args, t.sales_won, won_and_lost, zero_reason=NO_CLOSED)
        collector.monthly(
            "avg_deal_size", *args, t.amount, t.amount_count, missing=t.missing, zero_reason=NO_WON
        )
        collector.monthly("services_revenue", *args, t.services, missing=t.missing)
        collector.monthly(
            "sales_cycle_days", *args, t.cycle_days, t.cycle_count, zero_reason=NO_CYCLE
        )
    if collector.wants("pipeline_value", "weighted_pipeline"):
        history = (
            read_history()
            if read_history
            else load_stage_changes(context, open_after=history_after(context, collector))
        )
        _pipeline(context, collector, deals, groupings, history)
    return DealOutcome(totals)


def history_after(context: Context, collector: Collector) -> date | None:
    """A partial recompute emits the month-end states from the first emitted period's last
    month on (pipeline value and weighted pipeline are states): a deal closed by then adds
    to no such state, whatever its stages were, so only the history of the deals open after
    that day is needed (None: all of it)."""
    width = context.month_count + 1
    first_point = collector.first_emitted_state_slot() + 1
    partial = 1 < first_point < width  # else: a full run, or no month end emitted at all
    return from_day_number(int(context.boundaries()[first_point])) if partial else None


def _closed_totals(
    context: Context, deals: DealRows, groupings: list[tuple[str, GroupIndex]]
) -> dict[tuple[str, str], MonthTotals]:
    """Won and lost deals per dimension value and month of `closed_at` (up to today)."""
    size = context.month_count
    today = day_number(context.today)
    closed = deals.closed < NO_END
    month = np.where(closed, months_of_days(np.where(closed, deals.closed, 0)), 0)
    slot = month - context.first_month
    counted = closed & (deals.closed <= today) & (slot >= 0)
    won = counted & (deals.stage == STAGES.index("won"))
    lost = counted & (deals.stage == STAGES.index("lost"))
    sales = deals.kind <= 1  # new or expansion
    cycle = sales & won & (deals.created >= 0)
    totals: dict[tuple[str, str], MonthTotals] = {}
    for dimension, groups in groupings:
        index = groups.group * size + np.where(counted, slot, 0)

        def count(
            mask: np.ndarray,
            weights: np.ndarray | None = None,
            *,
            index: np.ndarray = index,
            groups: GroupIndex = groups,
        ) -> np.ndarray:
            out = np.zeros(groups.count * size, dtype=np.int64)
            np.add.at(out, index[mask], 1 if weights is None else weights[mask])
            return out.reshape(groups.count, size)

        n_won, n_lost = count(won), count(lost)
        n_sales_won, n_sales_lost = count(won & sales), count(lost & sales)
        n_amount = count(won & sales & deals.has_amount)
        cycle_days = count(cycle, deals.closed - deals.created)
        n_cycle = count(cycle)
        per_currency = [
            (
                code,
                count(won & sales & (deals.currency == c), deals.amount),
                count(won & (deals.currency == c), deals.services),
            )
            for c, code in enumerate(deals.currencies)
        ]
        for g, label in enumerate(groups.labels):
            t = MonthTotals(size)
            t.won, t.lost = n_won[g].tolist(), n_lost[g].tolist()
            t.sales_won, t.sales_lost = n_sales_won[g].tolist(), n_sales_lost[g].tolist()
            t.amount_count = n_amount[g].tolist()
            t.cycle_days, t.cycle_count = cycle_days[g].tolist(), n_cycle[g].tolist()
            _convert_won(context, t, g, per_currency)
            totals[(dimension, label)] = t
    return totals


def _convert_won(context: Context, t: MonthTotals, g: int, per_currency: list) -> None:
    divisor = RATE_SCALE * 100
    for k, month in enumerate(context.months):
        amount = services = 0
        for code, amounts, services_cents in per_currency:
            a, s = int(amounts[g, k]), int(services_cents[g, k])
            if not (a or s):
                continue
            rate = context.rates.get(code, month)
            if rate is None:
                t.missing[k] = t.missing[k] or no_rate(code, month)
                continue
            amount += a * rate
            services += s * rate
        t.amount[k] = Fraction(amount, divisor)
        t.services[k] = Fraction(services, divisor)


def _pipeline(
    context: Context,
    collector: Collector,
    deals: DealRows,
    groupings: list[tuple[str, GroupIndex]],
    history: np.ndarray,
) -> None:
    """pipeline_value and weighted_pipeline at every month end (states); `history` is what
    `load_stage_changes` read."""
    boundaries = context.boundaries()
    width = len(boundaries)
    today = day_number(context.today)
    # Open on day d: created_at <= d < closed_at; deals without amount are left out.
    opened = np.searchsorted(boundaries, deals.created)
    closed = np.searchsorted(boundaries, deals.closed)
    eligible = deals.has_amount & (deals.created >= 0) & (deals.created <= today)
    opened = np.where(eligible, opened, width)

    seg_deal, seg_from, seg_to, seg_stage = stage_segments(
        context, deals, width, boundaries, history=history
    )
    probabilities = context.stage_probabilities
    scale = math.lcm(*(p.denominator for p in probabilities.values())) if probabilities else 1
    weight_of_code = np.array(
        [int(probabilities.get(stage, 0) * scale) for stage in STAGES] + [0], dtype=np.int64
    )
    weight = weight_of_code[seg_stage]  # code -1 (unknown) takes the trailing 0
    start = np.maximum(opened[seg_deal], seg_from)
    stop = np.minimum(closed[seg_deal], seg_to)
    live = start < stop
    n_currencies = len(deals.currencies)
    for dimension, groups in groupings:
        plain = _running(
            groups.count,
            groups.group,
            deals.currency,
            n_currencies,
            opened,
            np.maximum(closed, opened),
            deals.amount,
            width,
        )
        weighted = _running(
            groups.count,
            groups.group[seg_deal[live]],
            deals.currency[seg_deal[live]],
            n_currencies,
            start[live],
            stop[live],
            deals.amount[seg_deal[live]] * weight[live],
            width,
        )
        for g, label in enumerate(groups.labels):
            for key, sums, divisor in (
                ("pipeline_value", plain, 1),
                ("weighted_pipeline", weighted, scale),
            ):
                values, missing = _convert(context, sums, g, deals.currencies, divisor)
                collector.monthly(key, dimension, label, values, missing=missing)


def load_stage_changes(context: Context, *, open_after: date | None = None) -> np.ndarray:
    """Every recorded stage change (deal, epoch seconds, from and to stage code, id); with
    `open_after`, only those of the deals still open after that day."""
    later = ""
    params: dict[str, object] = {}
    if open_after is not None:
        later = (
            "AND c.deal_id IN (SELECT d.id FROM kpiapp_deal d WHERE d.workspace_id = "
            "%(workspace_id)s AND (d.closed_at IS NULL OR d.closed_at > %(after)s))"
        )
        params["after"] = open_after
    return sql.fetch_ints(
        f"SELECT c.deal_id, {sql.epoch_seconds('c.changed_at')}, "
        f"{_code('c.from_stage', STAGES)}, {_code('c.to_stage', STAGES)}, c.id "
        f"FROM kpiapp_dealstagechange c WHERE c.workspace_id = %(workspace_id)s {later}",
        width=5,
        workspace_id=context.workspace_id,
        params=params,
    )


def stage_segments(
    context: Context,
    deals: DealRows,
    width: int,
    boundaries: np.ndarray,
    *,
    open_after: date | None = None,
    history: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(deal, from state point, to state point, stage code) for every stretch of one stage.

    Before its first recorded change a deal is in that change's `from_stage` (or, when the
    history starts with the deal's creation, its `to_stage`); a deal without history is in
    its current stage throughout. With `open_after`, only the history of deals still open
    after that day is read: the others' stretches are right only before it. `history`: the
    changes `load_stage_changes` read already."""
    table = load_stage_changes(context, open_after=open_after) if history is None else history
    # A change counts from the first state point whose local day ended after it.
    ends = np.array(
        [
            local_day_end_utc(from_day_number(b), context.time_zone).timestamp()
            for b in boundaries.tolist()
        ]
    )
    table = table[np.lexsort((table[:, 4], table[:, 1], table[:, 0]))]  # deal, time, id
    ids = deals.ids
    deal_ids = table[:, 0]
    position = np.minimum(np.searchsorted(ids, deal_ids), max(len(ids) - 1, 0))
    known = (ids[position] == deal_ids) if len(ids) else np.zeros(len(table), dtype=bool)
    deal = position[known]
    at, from_code, to_code = table[known, 1], table[known, 2], table[known, 3]
    effective = np.searchsorted(ends, at, side="right")
    boundary = deal[1:] != deal[:-1]
    first = np.r_[True, boundary][: len(deal)]
    last = np.r_[boundary, True][: len(deal)]
    following = np.where(last, width, np.r_[effective[1:], width][: len(deal)])
    initial = np.where(from_code[first] >= 0, from_code[first], to_code[first])
    tracked = np.zeros(len(ids), dtype=bool)
    tracked[deal] = True
    untracked = np.flatnonzero(~tracked)  # as setdiff1d, without its sort of every change
    current = deals.stage
    zeros = np.zeros(int(first.sum()) + len(untracked), dtype=np.int64)
    return (
        np.r_[deal, deal[first], untracked],
        np.r_[effective, zeros],
        np.r_[following, effective[first], np.full(len(untracked), width)],
        np.r_[to_code, initial, current[untracked] if len(untracked) else []].astype(np.int64),
    )


def _running(
    n_groups: int,
    group: np.ndarray,
    currency: np.ndarray,
    n_currencies: int,
    start: np.ndarray,
    stop: np.ndarray,
    amount: np.ndarray,
    width: int,
) -> np.ndarray:
    """Open amount per (group, currency, state point) from open intervals [start, stop)."""
    delta = np.zeros((n_groups, max(n_currencies, 1), width + 1), dtype=np.int64)
    np.add.at(delta, (group, currency, start), amount)
    np.add.at(delta, (group, currency, stop), -amount)
    return np.cumsum(delta, axis=2)[:, :, :width]


def _convert(
    context: Context, sums: np.ndarray, g: int, currencies: list[str], divisor: int
) -> tuple[list[Fraction], list[str | None]]:
    """Month-end values (state point k + 1) at the rates of month k, in major units."""
    values: list[Fraction] = []
    missing: list[str | None] = []
    for k, month in enumerate(context.months):
        total = 0
        reason = None
        for c, code in enumerate(currencies):
            amount = int(sums[g, c, k + 1])
            if not amount:
                continue
            rate = context.rates.get(code, month)
            if rate is None:
                reason = reason or no_rate(code, month)
                continue
            total += amount * rate
        values.append(Fraction(total, RATE_SCALE * 100 * divisor))
        missing.append(reason)
    return values, missing
