"""Customer experience (KPIS.md section 5): NPS, seat utilisation, engagement score and time
to first value, by the account's channel, campaign and country."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
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

# An account-month's engagement score in integer units of a billionth of a point: the sums
# of scores then add up exactly in any order (floats did not: sums of groups of accounts
# must equal the sum over all of them to the last bit).
SCORE_UNITS = 10**9


@dataclass
class LabelSums:
    """Integer sums per label (dimension value) and month slot, one array per measure;
    sums over disjoint sets of accounts add up."""

    labels: list[str]
    measures: dict[str, np.ndarray]  # measure -> labels × month slots


UsageSums = dict[str, LabelSums]  # dimension -> its sums


def combined_labels(parts: list[tuple[int, dict[str, LabelSums]]]) -> dict[str, LabelSums]:
    """The sum of sign × sums over `parts` per dimension, labels by name (the same sums give
    the same result, whichever parts they came from); a dimension value whose sums all drop to
    zero is left out (emission skips it anyway)."""
    out: dict[str, LabelSums] = {}
    for dimension in dict.fromkeys(d for _, part in parts for d in part):
        pieces = [(sign, part[dimension]) for sign, part in parts if dimension in part]
        labels = sorted({label for _, piece in pieces for label in piece.labels})
        at = {label: i for i, label in enumerate(labels)}
        measures: dict[str, np.ndarray] = {}
        for sign, piece in pieces:
            rows = [at[label] for label in piece.labels]
            for name, values in piece.measures.items():
                if name not in measures:
                    measures[name] = np.zeros((len(labels), values.shape[1]), dtype=values.dtype)
                measures[name][rows] += sign * values
        keep = [
            i
            for i, label in enumerate(labels)
            if not dimension or any(values[i].any() for values in measures.values())
        ]
        out[dimension] = LabelSums(
            [labels[i] for i in keep], {name: values[keep] for name, values in measures.items()}
        )
    return out


def compute(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
    *,
    read_usage: Callable[[], np.ndarray] | None = None,
    read_first_values: Callable[[], np.ndarray] | None = None,
    nps_only: bool = False,
) -> None:
    """`read_usage` and `read_first_values` give what `load_usage` and
    `journeys.load_first_value_days` read (the engine reads them beside other work). With
    `nps_only`, the KPIs made from partial sums (`kpiapp.kpis.partials`) are left out."""
    _nps(context, collector, attributes)
    if nps_only:
        return
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


def load_bucket_usage(
    context: Context, *, buckets: tuple[Collection[int], int]
) -> tuple[np.ndarray, np.ndarray]:
    """What `load_usage` and `journeys.load_first_value_days` read, of the accounts in
    `buckets`, in one pass over the table: a few buckets' rows are a small part of it."""
    table = sql.fetch_ints(
        f"SELECT {sql.month_number('month')}, account_id, COALESCE(active_users, 0), "
        f"COALESCE(seats, 0), COALESCE(key_actions, 0), "
        f"COALESCE({sql.day_number('first_value_at')}, {NO_FIRST_VALUE_DAY}), "
        f"CASE WHEN month <= %(today)s THEN 1 ELSE 0 END FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s" + sql.in_buckets("account_id", *buckets),
        width=7,
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    usage = table[table[:, 6] == 1][:, :5]
    valued = table[table[:, 5] != NO_FIRST_VALUE_DAY]
    valued = valued[np.argsort(valued[:, 1], kind="stable")]
    account = valued[:, 1]
    starts = np.flatnonzero(np.r_[True, account[1:] != account[:-1]]) if len(account) else account
    first = np.minimum.reduceat(valued[:, 5], starts) if len(starts) else account
    return usage, np.column_stack([account[starts], first]).astype(np.int64)


NO_FIRST_VALUE_DAY = 10**9  # a day number no date reaches: the row has no first value


def _per_label(
    context: Context,
    attributes: AccountAttributes,
    account: np.ndarray,
    slot: np.ndarray,
    values: dict[str, np.ndarray],
) -> dict[str, LabelSums]:
    """Integer sums of each of `values` per dimension value and month slot over rows of
    (account, slot): for the total and every dimension value some row's account has."""
    size = context.month_count
    distinct, inverse = np.unique(account, return_inverse=True)
    ids = distinct.tolist()
    sums: dict[str, LabelSums] = {}
    for dimension in DIMENSIONS:
        groups = attributes.groups(dimension, ids)
        cell = groups.group[inverse.reshape(-1)] * size + slot
        tallies = {}
        for name, value in values.items():
            out = np.zeros(groups.count * size, dtype=np.int64)
            np.add.at(out, cell, value)
            tallies[name] = out.reshape(groups.count, size)
        sums[dimension] = LabelSums(list(groups.labels), tallies)
    return sums


def _emit_ratio(
    collector: Collector,
    key: str,
    sums: dict[str, LabelSums],
    numerator: str,
    denominator: str,
    zero_reason: str,
) -> None:
    """`key` per label from two of its measures: the total always, a dimension value while
    some row counts in its denominator."""
    for dimension, found in sums.items():
        for g, label in enumerate(found.labels):
            if dimension and not found.measures[denominator][g].any():
                continue
            if not collector.wants_group(dimension, label):
                continue
            collector.monthly(
                key,
                dimension,
                label,
                found.measures[numerator][g].tolist(),
                found.measures[denominator][g].tolist(),
                zero_reason=zero_reason,
            )


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
    sums = _per_label(context, attributes, table[:, 1], slot, {"net": net, "answers": table[:, 2]})
    _emit_ratio(collector, "nps", sums, "net", "answers", NO_ANSWERS)


def _usage(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    revenue: RevenueOutcome,
    table: np.ndarray,
) -> None:
    emit_usage(context, collector, usage_sums(context, attributes, revenue, table))


def usage_sums(
    context: Context, attributes: AccountAttributes, revenue: RevenueOutcome, table: np.ndarray
) -> UsageSums:
    """Seat utilisation and engagement over the usage rows of each month of active accounts
    (with subscriptions: `revenue` has their MRR states)."""
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
    score = np.rint(50.0 * SCORE_UNITS * (u + a)).astype(np.int64)
    with_seats = active & (seats > 0)
    ids = revenue.account_ids
    found: UsageSums = {}
    for dimension in DIMENSIONS:
        groups = (
            attributes.groups(dimension, ids) if ids else GroupIndex([""], np.zeros(0, np.int64))
        )
        group = np.where(known, groups.group[np.maximum(account, 0)] if ids else 0, 0)
        cell = group * size + slot
        cells = groups.count * size

        def tally(
            mask: np.ndarray, weights: np.ndarray, cell: np.ndarray = cell, cells: int = cells
        ) -> np.ndarray:
            out = np.zeros(cells, dtype=np.int64)
            np.add.at(out, cell[mask], weights[mask])
            return out.reshape(-1, size)

        found[dimension] = LabelSums(
            list(groups.labels),
            {
                "users": tally(with_seats, users),
                "seats": tally(with_seats, seats),
                "scored": tally(active, np.ones(len(table), dtype=np.int64)),
                "score": tally(active, score),
            },
        )
    return found


def emit_usage(context: Context, collector: Collector, sums: UsageSums) -> None:
    for dimension, found in sums.items():
        n_users, n_seats = found.measures["users"], found.measures["seats"]
        n_scored, total = found.measures["scored"], found.measures["score"]
        for g, label in enumerate(found.labels):
            if dimension and not n_scored[g].any() and not n_seats[g].any():
                continue
            if not collector.wants_group(dimension, label):
                continue
            key = (dimension, label)
            collector.monthly(
                "seat_utilisation",
                *key,
                n_users[g].tolist(),
                n_seats[g].tolist(),
                zero_reason=NO_SEATS,
            )
            collector.monthly(
                "engagement_score",
                *key,
                [Fraction(v, SCORE_UNITS) for v in total[g].tolist()],
                n_scored[g].tolist(),
                zero_reason=NO_USAGE,
            )


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
    emit_first_values(collector, first_value_sums(context, attributes, revenue, table))


def emit_first_values(collector: Collector, sums: dict[str, LabelSums]) -> None:
    _emit_ratio(collector, "time_to_first_value_days", sums, "days", "count", NO_FIRST_VALUE)


def first_value_sums(
    context: Context, attributes: AccountAttributes, revenue: RevenueOutcome, table: np.ndarray
) -> dict[str, LabelSums]:
    """Days from an account's first subscription start to its first value, and how many
    accounts reached it, per month of the first value."""
    account, first_value = table[:, 0], table[:, 1]
    # An account without a subscription has no start to measure from.
    known = np.array([a in revenue.first_start for a in account.tolist()], dtype=bool)
    start = np.array([revenue.first_start.get(a, 0) for a in account.tolist()], dtype=np.int64)
    slot = months_of_days(first_value) - context.first_month
    counted = known & (slot >= 0) & (slot < context.month_count)
    counted &= first_value <= day_number(context.today)
    days = np.maximum(0, first_value - start)
    return _per_label(
        context,
        attributes,
        account[counted],
        slot[counted],
        {"days": days[counted], "count": np.ones(int(counted.sum()), dtype=np.int64)},
    )
