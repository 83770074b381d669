"""Customer experience (KPIS.md section 5): NPS, seat utilisation, engagement score and time
to first value, by the account's channel, campaign and country."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.context import Context, from_day_number
from kpiapp.kpis.dimensions import AccountAttributes, GroupIndex
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.reasons import NO_ANSWERS, NO_FIRST_VALUE, NO_SEATS, NO_USAGE
from kpiapp.kpis.results import Collector
from kpiapp.kpis.revenue import RevenueOutcome

DIMENSIONS = ("", "channel", "campaign", "country")

Key = tuple[str, str]


def _keys(attributes: AccountAttributes, account: int) -> list[Key]:
    channel, campaign, country = attributes.by_account.get(account, ("", "", ""))
    return [("", ""), ("channel", channel), ("campaign", campaign), ("country", country)]


def compute(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
) -> None:
    _nps(context, collector, attributes)
    _usage(context, collector, attributes, revenue)
    _time_to_first_value(context, collector, attributes, revenue)


def _nps(context: Context, collector: Collector, attributes: AccountAttributes) -> None:
    if not collector.wants("nps"):
        return
    rows = sql.fetch(
        f"SELECT {sql.month_number('responded_at')} AS m, account_id, COUNT(*), "
        "SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FROM kpiapp_npsresponse "
        "WHERE workspace_id = %(workspace_id)s AND responded_at <= %(today)s "
        "GROUP BY m, account_id",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    size = context.month_count
    net: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    answers: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    answers[("", "")]
    for month, account, n, promoters, detractors in rows:
        k = context.month_slot(int(month))
        for key in _keys(attributes, account):
            net[key][k] += 100 * (int(promoters) - int(detractors))
            answers[key][k] += n
    for key in sorted(answers):
        collector.monthly("nps", *key, net[key], answers[key], zero_reason=NO_ANSWERS)


def _usage(
    context: Context, collector: Collector, attributes: AccountAttributes, revenue: RevenueOutcome
) -> None:
    """Seat utilisation and engagement over the usage rows of each month of active accounts."""
    if not collector.wants("seat_utilisation", "engagement_score"):
        return
    table = sql.fetch_ints(
        f"SELECT {sql.month_number('month')}, account_id, COALESCE(active_users, 0), "
        "COALESCE(seats, 0), COALESCE(key_actions, 0) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND month <= %(today)s",
        width=5,
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    size = context.month_count
    index = {a: i for i, a in enumerate(revenue.account_ids)}
    account = np.array([index.get(a, -1) for a in table[:, 1].tolist()], dtype=np.int64)
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
        labels = attributes.labels(dimension, ids) if dimension else [""] * len(ids)
        groups = GroupIndex.of(labels) if ids else GroupIndex([""], np.zeros(0, np.int64))
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


def _time_to_first_value(
    context: Context, collector: Collector, attributes: AccountAttributes, revenue: RevenueOutcome
) -> None:
    if not collector.wants("time_to_first_value_days"):
        return
    rows = sql.fetch(
        f"SELECT account_id, MIN({sql.day_number('first_value_at')}) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND first_value_at IS NOT NULL "
        "GROUP BY account_id",
        workspace_id=context.workspace_id,
    )
    size = context.month_count
    days: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    count: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    count[("", "")]
    for account, first_value in rows:
        start = revenue.first_start.get(account)
        if start is None:
            continue  # no subscription: no start to measure from
        k = context.month_slot(month_index(from_day_number(first_value)))
        if not 0 <= k < size or from_day_number(first_value) > context.today:
            continue
        for key in _keys(attributes, account):
            days[key][k] += max(0, int(first_value) - start)
            count[key][k] += 1
    for key in sorted(count):
        collector.monthly(
            "time_to_first_value_days", *key, days[key], count[key], zero_reason=NO_FIRST_VALUE
        )
