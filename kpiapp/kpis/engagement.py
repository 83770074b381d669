"""Customer experience (KPIS.md section 5): NPS, seat utilisation, engagement score and time
to first value, by the account's channel, campaign and country."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.context import Context, day_number, months_of_days
from kpiapp.kpis.dimensions import AccountAttributes, GroupIndex
from kpiapp.kpis.journeys import load_first_value_days
from kpiapp.kpis.reasons import NO_ANSWERS, NO_FIRST_VALUE, NO_SEATS, NO_USAGE
from kpiapp.kpis.results import Collector
from kpiapp.kpis.revenue import RevenueOutcome

DIMENSIONS = ("", "channel", "campaign", "country")

Key = tuple[str, str]


def compute(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
    *,
    read_usage: Callable[[], np.ndarray] | None = None,
    read_first_values: Callable[[], np.ndarray] | None = None,
) -> None:
    """`read_usage` and `read_first_values` give what `load_usage` and
    `journeys.load_first_value_days` read (the engine reads them beside other work)."""
    _nps(context, collector, attributes)
    if collector.wants("seat_utilisation", "engagement_score"):
        usage = read_usage() if read_usage else load_usage(context)
        _usage(context, collector, attributes, revenue, usage)
    if collector.wants("time_to_first_value_days"):
        table = (
            read_first_values()
            if read_first_values
            else load_first_value_days(workspace_id=context.workspace_id)
        )
        _time_to_first_value(context, collector, attributes, revenue, table)


def load_usage(context: Context) -> np.ndarray:
    """(month, account, active users, seats, key actions) of every usage row up to today."""
    return sql.fetch_ints(
        f"SELECT {sql.month_number('month')}, account_id, COALESCE(active_users, 0), "
        "COALESCE(seats, 0), COALESCE(key_actions, 0) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND month <= %(today)s",
        width=5,
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )


def _per_label(
    context: Context,
    attributes: AccountAttributes,
    account: np.ndarray,
    slot: np.ndarray,
    values: list[np.ndarray],
) -> dict[Key, list[list[int]]]:
    """Integer sums of each of `values` per (dimension, value) and month slot over rows of
    (account, slot): for the total and every dimension value some row's account has."""
    size = context.month_count
    distinct, inverse = np.unique(account, return_inverse=True)
    ids = distinct.tolist()
    sums: dict[Key, list[list[int]]] = {}
    for dimension in DIMENSIONS:
        groups = attributes.groups(dimension, ids)
        cell = groups.group[inverse.reshape(-1)] * size + slot
        tallies = []
        for value in values:
            out = np.zeros(groups.count * size, dtype=np.int64)
            np.add.at(out, cell, value)
            tallies.append(out.reshape(groups.count, size))
        for g, label in enumerate(groups.labels):
            sums[(dimension, label)] = [tally[g].tolist() for tally in tallies]
    return sums


def _nps(context: Context, collector: Collector, attributes: AccountAttributes) -> None:
    if not collector.wants("nps"):
        return
    table = sql.fetch_ints(
        f"SELECT {sql.month_number('responded_at')} AS m, account_id, COUNT(*), "
        "SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FROM kpiapp_npsresponse "
        "WHERE workspace_id = %(workspace_id)s AND responded_at <= %(today)s "
        "GROUP BY m, account_id",
        width=5,
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    net = 100 * (table[:, 3] - table[:, 4])
    slot = table[:, 0] - context.first_month
    sums = _per_label(context, attributes, table[:, 1], slot, [net, table[:, 2]])
    for key in sorted(sums):
        net_of, answers = sums[key]
        collector.monthly("nps", *key, net_of, answers, zero_reason=NO_ANSWERS)


def _usage(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
    table: np.ndarray,
) -> None:
    """Seat utilisation and engagement over the usage rows of each month of active accounts."""
    table = table[_by_account_and_month(table[:, 1], table[:, 0])]
    size = context.month_count
    account = _positions(revenue.account_ids, table[:, 1])
    slot = table[:, 0] - context.first_month
    users, seats, actions = table[:, 2], table[:, 3], table[:, 4]
    positive = revenue.positive
    known = account >= 0
    active = np.zeros(len(table), dtype=bool)
    if positive is not None and known.any():
        active[known] = positive[account[known], slot[known] + 1]  # active at the month's end
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(seats > 0, np.minimum(1.0, users / np.maximum(seats, 1)), 0.0)
        a = np.where(users > 0, np.minimum(1.0, actions / np.maximum(users * 20, 1)), 0.0)
    # Engagement is a score, not money: floats are exact enough and far faster here.
    score = 50.0 * (u + a)
    with_seats = active & (seats > 0)
    ids = revenue.account_ids
    for dimension in DIMENSIONS:
        groups = (
            attributes.groups(dimension, ids) if ids else GroupIndex([""], np.zeros(0, np.int64))
        )
        group = np.where(known, groups.group[np.maximum(account, 0)] if ids else 0, 0)
        cell = group * size + slot
        cells = groups.count * size

        def tally(
            mask: np.ndarray,
            weights: np.ndarray | None,
            cell: np.ndarray = cell,
            cells: int = cells,
        ) -> np.ndarray:
            w = None if weights is None else weights[mask]
            return np.bincount(cell[mask], weights=w, minlength=cells).reshape(-1, size)

        n_users = tally(with_seats, users.astype(float))
        n_seats = tally(with_seats, seats.astype(float))
        n_scored = tally(active, None)
        total = tally(active, score)
        for g, label in enumerate(groups.labels):
            if dimension and not n_scored[g].any() and not n_seats[g].any():
                continue
            if not collector.wants_group(dimension, label):
                continue
            key = (dimension, label)
            collector.monthly(
                "seat_utilisation",
                *key,
                [int(v) for v in n_users[g]],
                [int(v) for v in n_seats[g]],
                zero_reason=NO_SEATS,
            )
            collector.monthly(
                "engagement_score",
                *key,
                [Fraction(v) for v in total[g]],
                [int(v) for v in n_scored[g]],
                zero_reason=NO_USAGE,
            )


def _by_account_and_month(account: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The order of rows by account and month. The engagement score sums floats, whose last
    bits depend on the order of the terms: in the database's order (which a concurrent scan
    can change) an unchanged workspace got slightly different scores from one run to the
    next, and the recompute rewrote them."""
    if not len(account):
        return np.zeros(0, dtype=np.int64)
    low = int(month.min())
    span = int(month.max()) - low + 1
    if int(account.max()) < 2**62 // span and int(account.min()) >= 0:
        return np.argsort(account * span + (month - low), kind="stable")
    return np.lexsort((month, account))


def _positions(ids: list[int], values: np.ndarray) -> np.ndarray:
    """The index of each of `values` in `ids` (distinct), -1 where it is not there."""
    if not ids:
        return np.full(len(values), -1, dtype=np.int64)
    known = np.array(ids, dtype=np.int64)
    order = np.argsort(known, kind="stable")
    inside = np.minimum(np.searchsorted(known[order], values), len(ids) - 1)
    return np.where(known[order][inside] == values, order[inside], -1)


def _time_to_first_value(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
    table: np.ndarray,
) -> None:
    account, first_value = table[:, 0], table[:, 1]
    # An account without a subscription has no start to measure from.
    known = np.array([a in revenue.first_start for a in account.tolist()], dtype=bool)
    start = np.array([revenue.first_start.get(a, 0) for a in account.tolist()], dtype=np.int64)
    slot = months_of_days(first_value) - context.first_month
    counted = known & (slot >= 0) & (slot < context.month_count)
    counted &= first_value <= day_number(context.today)
    days = np.maximum(0, first_value - start)
    sums = _per_label(
        context,
        attributes,
        account[counted],
        slot[counted],
        [days[counted], np.ones(int(counted.sum()), dtype=np.int64)],
    )
    for key in sorted(sums):
        days_of, count = sums[key]
        collector.monthly(
            "time_to_first_value_days", *key, days_of, count, zero_reason=NO_FIRST_VALUE
        )
