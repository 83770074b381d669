"""Customer experience (KPIS.md section 5): NPS, seat utilisation, engagement score and time
to first value, by the account's channel, campaign and country."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from kpiapp.kpis import sql
from kpiapp.kpis.context import Context, from_day_number
from kpiapp.kpis.dimensions import AccountAttributes
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.results import Collector
from kpiapp.kpis.revenue import RevenueOutcome

NO_ANSWERS = "no NPS answers in the period"
NO_SEATS = "no usage with seats from active accounts in the period's last month"
NO_USAGE = "no usage from active accounts in the period's last month"
NO_FIRST_VALUE = "no account reached its first value in the period"
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
    rows = sql.fetch(
        f"SELECT {sql.month_number('month')}, account_id, COALESCE(active_users, 0), "
        "COALESCE(seats, 0), COALESCE(key_actions, 0) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND month <= %(today)s",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    size = context.month_count
    index = {a: i for i, a in enumerate(revenue.account_ids)}
    users: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    seats: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    # Engagement is a score, not money: floats are exact enough and far faster here.
    score: dict[Key, list[float]] = defaultdict(lambda: [0.0] * size)
    scored: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    seats[("", "")]
    scored[("", "")]
    positive = revenue.positive
    for month, account, active_users, seat_count, actions in rows:
        k = context.month_slot(int(month))
        i = index.get(account)
        if i is None or positive is None or not positive[i, k + 1]:
            continue  # only accounts active at the month's end
        u = min(1.0, active_users / seat_count) if seat_count else 0.0
        a = min(1.0, actions / (active_users * 20)) if active_users else 0.0
        for key in _keys(attributes, account):
            if seat_count:
                users[key][k] += active_users
                seats[key][k] += seat_count
            score[key][k] += 50.0 * (u + a)
            scored[key][k] += 1
    for key in sorted(set(seats) | set(scored)):
        collector.monthly("seat_utilisation", *key, users[key], seats[key], zero_reason=NO_SEATS)
        exact = [Fraction(v) for v in score[key]]
        collector.monthly("engagement_score", *key, exact, scored[key], zero_reason=NO_USAGE)


def _time_to_first_value(
    context: Context, collector: Collector, attributes: AccountAttributes, revenue: RevenueOutcome
) -> None:
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
