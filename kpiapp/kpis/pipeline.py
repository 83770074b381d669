"""Deals (KPIS.md section 4): won and lost, win rate, deal size, services revenue, sales cycle,
pipeline value and weighted pipeline.

Closed deals are summed by the database (one GROUP BY). The pipeline needs each deal's open
days and its stage at every month end, so it reads the deals and their stage history once and
adds each (deal, stage) segment to a per-month running sum (numpy).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context, from_day_number
from kpiapp.kpis.dimensions import GroupIndex
from kpiapp.kpis.periods import local_day_end_utc
from kpiapp.kpis.results import Collector

STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
SALES_KINDS = {"new", "expansion"}
NO_CLOSED = "no new or expansion deals closed in the period"
NO_WON = "no new or expansion deals won in the period"
NO_CYCLE = "no new or expansion deals with a created date won in the period"


def month_label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def missing_rate(currency: str, month: int) -> str:
    return f"no exchange rate for {currency} {month_label(month)}"


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


def compute(
    context: Context, collector: Collector, channels: dict[int, str], campaigns: dict[int, str]
) -> DealOutcome:
    totals = _closed_totals(context, channels, campaigns)
    for (dimension, label), t in totals.items():
        args = (dimension, label)
        collector.monthly("deals_won", *args, t.won)
        collector.monthly("deals_lost", *args, t.lost)
        won_and_lost = [t.sales_won[k] + t.sales_lost[k] for k in range(t.size)]
        collector.monthly("win_rate", *args, t.sales_won, won_and_lost, zero_reason=NO_CLOSED)
        collector.monthly("avg_deal_size", *args, t.amount, t.amount_count, missing=t.missing,
                          zero_reason=NO_WON)  # fmt: skip
        collector.monthly("services_revenue", *args, t.services, missing=t.missing)
        collector.monthly("sales_cycle_days", *args, t.cycle_days, t.cycle_count,
                          zero_reason=NO_CYCLE)  # fmt: skip
    _pipeline(context, collector, channels, campaigns)
    return DealOutcome(totals)


def _closed_totals(
    context: Context, channels: dict[int, str], campaigns: dict[int, str]
) -> dict[tuple[str, str], MonthTotals]:
    day = sql.day_number
    rows = sql.fetch(
        "SELECT d.stage, d.kind, d.owner, COALESCE(d.channel_id, l.channel_id), "
        "COALESCE(d.campaign_id, l.campaign_id), d.currency, "
        f"{sql.month_number('d.closed_at')} AS m, COUNT(*), "
        "COALESCE(SUM(d.amount_cents), 0), COUNT(d.amount_cents), "
        "COALESCE(SUM(d.services_amount_cents), 0), "
        f"COALESCE(SUM({day('d.closed_at')} - {day('d.created_at')}), 0), COUNT(d.created_at) "
        "FROM kpiapp_deal d LEFT JOIN kpiapp_lead l ON l.id = d.lead_id "
        "WHERE d.workspace_id = %(workspace_id)s AND d.stage IN ('won', 'lost') "
        "AND d.closed_at IS NOT NULL AND d.closed_at <= %(today)s "
        "GROUP BY d.stage, d.kind, d.owner, COALESCE(d.channel_id, l.channel_id), "
        "COALESCE(d.campaign_id, l.campaign_id), d.currency, m",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    size = context.month_count
    totals: dict[tuple[str, str], MonthTotals] = defaultdict(lambda: MonthTotals(size))
    totals[("", "")]  # the totals exist even without deals
    for (
        stage,
        kind,
        owner,
        channel,
        campaign,
        currency,
        month,
        n,
        amount,
        n_amount,
        services,
        cycle,
        n_created,
    ) in rows:
        k = context.month_slot(int(month))
        if k < 0:
            continue
        rate = context.rates.get(currency, int(month))
        labels = (
            ("", ""),
            ("owner", owner or ""),
            ("channel", channels.get(channel, "") if channel else ""),
            ("campaign", campaigns.get(campaign, "") if campaign else ""),
            ("kind", kind),
        )
        for key in labels:
            t = totals[key]
            sales = kind in SALES_KINDS
            if stage == "lost":
                t.lost[k] += n
                t.sales_lost[k] += n if sales else 0
                continue
            t.won[k] += n
            if rate is None and (amount or services):
                t.missing[k] = t.missing[k] or missing_rate(currency, int(month))
            rate = rate or 0
            t.services[k] += Fraction(int(services) * rate, RATE_SCALE * 100)
            if sales:
                t.sales_won[k] += n
                t.amount[k] += Fraction(int(amount) * rate, RATE_SCALE * 100)
                t.amount_count[k] += n_amount
                t.cycle_days[k] += int(cycle)
                t.cycle_count[k] += n_created
    return totals


def _pipeline(
    context: Context, collector: Collector, channels: dict[int, str], campaigns: dict[int, str]
) -> None:
    """pipeline_value and weighted_pipeline at every month end (states)."""
    boundaries = context.boundaries()
    day = sql.day_number
    deals = sql.fetch(
        "SELECT d.id, d.stage, d.kind, d.owner, COALESCE(d.channel_id, l.channel_id), "
        "COALESCE(d.campaign_id, l.campaign_id), d.currency, d.amount_cents, "
        f"{day('d.created_at')}, {day('d.closed_at')} "
        "FROM kpiapp_deal d LEFT JOIN kpiapp_lead l ON l.id = d.lead_id "
        "WHERE d.workspace_id = %(workspace_id)s AND d.amount_cents IS NOT NULL "
        "AND d.created_at IS NOT NULL AND d.created_at <= %(today)s "
        "AND (d.closed_at IS NULL OR d.closed_at > %(first)s) ORDER BY d.id",
        workspace_id=context.workspace_id,
        params={"today": context.today, "first": from_day_number(int(boundaries[0]))},
    )
    width = len(boundaries)
    n = len(deals)
    ids = np.array([d[0] for d in deals], dtype=np.int64)
    currencies = sorted({d[6] for d in deals})
    currency = np.array([currencies.index(d[6]) for d in deals], dtype=np.int64)
    amount = np.array([d[7] for d in deals], dtype=np.int64)
    opened = np.searchsorted(boundaries, np.array([d[8] for d in deals], dtype=np.int64))
    closes = np.array([NO_END if d[9] is None else d[9] for d in deals], dtype=np.int64)
    closed = np.searchsorted(boundaries, closes)

    # Segments of constant stage: (deal, from state point, to state point, stage).
    seg_deal, seg_from, seg_to, seg_stage = _stage_segments(context, ids, deals, width, boundaries)
    probabilities = context.stage_probabilities
    scale = math.lcm(*(p.denominator for p in probabilities.values())) if probabilities else 1
    weight_of_code = np.array(
        [int(probabilities.get(stage, 0) * scale) for stage in STAGES] + [0], dtype=np.int64
    )
    weight = weight_of_code[seg_stage]  # code -1 (unknown) takes the trailing 0
    start = np.maximum(opened[seg_deal], seg_from)
    stop = np.minimum(closed[seg_deal], seg_to)
    live = start < stop

    labels_by_dimension = {
        "": [""] * n,
        "owner": [d[3] or "" for d in deals],
        "channel": [channels.get(d[4], "") if d[4] else "" for d in deals],
        "campaign": [campaigns.get(d[5], "") if d[5] else "" for d in deals],
        "kind": [d[2] for d in deals],
    }
    for dimension, labels in labels_by_dimension.items():
        if dimension and not n:
            continue
        groups = GroupIndex.of(labels) if n else GroupIndex([""], np.zeros(0, dtype=np.int64))
        plain = _running(
            groups.count, groups.group, currency, len(currencies), opened, closed, amount, width
        )
        weighted = _running(
            groups.count,
            groups.group[seg_deal[live]],
            currency[seg_deal[live]],
            len(currencies),
            start[live],
            stop[live],
            amount[seg_deal[live]] * weight[live],
            width,
        )
        for g, label in enumerate(groups.labels):
            for key, sums, divisor in (
                ("pipeline_value", plain, 1),
                ("weighted_pipeline", weighted, scale),
            ):
                values, missing = _convert(context, sums, g, currencies, divisor)
                collector.monthly(key, dimension, label, values, missing=missing)


def _stage_segments(
    context: Context, ids: np.ndarray, deals: list[tuple], width: int, boundaries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(deal, from state point, to state point, stage code) for every stretch of one stage.

    Before its first recorded change a deal is in that change's `from_stage` (or, when the
    history starts with the deal's creation, its `to_stage`); a deal without history is in
    its current stage throughout."""
    changes = sql.fetch(
        f"SELECT c.deal_id, {sql.epoch_seconds('c.changed_at')}, c.from_stage, c.to_stage "
        "FROM kpiapp_dealstagechange c WHERE c.workspace_id = %(workspace_id)s "
        "ORDER BY c.deal_id, c.changed_at, c.id",
        workspace_id=context.workspace_id,
    )
    # A change counts from the first state point whose local day ended after it.
    ends = np.array(
        [
            local_day_end_utc(from_day_number(b), context.time_zone).timestamp()
            for b in boundaries.tolist()
        ]
    )
    code = {stage: i for i, stage in enumerate(STAGES)}
    deal_ids = np.array([c[0] for c in changes], dtype=np.int64)
    position = np.minimum(np.searchsorted(ids, deal_ids), max(len(ids) - 1, 0))
    known = (ids[position] == deal_ids) if len(ids) else np.zeros(len(changes), dtype=bool)
    deal = position[known]
    at = np.array([c[1] for c in changes], dtype=np.int64)[known]
    from_code = np.array([code.get(c[2], -1) for c in changes], dtype=np.int64)[known]
    to_code = np.array([code.get(c[3], -1) for c in changes], dtype=np.int64)[known]
    effective = np.searchsorted(ends, at, side="right")
    boundary = deal[1:] != deal[:-1]
    first = np.r_[True, boundary][: len(deal)]
    last = np.r_[boundary, True][: len(deal)]
    following = np.where(last, width, np.r_[effective[1:], width][: len(deal)])
    initial = np.where(from_code[first] >= 0, from_code[first], to_code[first])
    untracked = np.setdiff1d(np.arange(len(ids)), deal)
    current = np.array([code.get(d[1], -1) for d in deals], dtype=np.int64)
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
                reason = reason or missing_rate(code, month)
                continue
            total += amount * rate
        values.append(Fraction(total, RATE_SCALE * 100 * divisor))
        missing.append(reason)
    return values, missing
