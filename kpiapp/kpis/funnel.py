"""Visits and leads along the funnel (KPIS.md section 4). Volumes count events in the period;
conversion rates follow the cohort of leads created in it. The database does the counting, in
one pass over the leads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kpiapp.kpis import sql
from kpiapp.kpis.context import Context
from kpiapp.kpis.reasons import NO_LEADS, NO_OPPORTUNITIES, NO_SQLS, NO_VISITS
from kpiapp.kpis.results import Collector

Key = tuple[str, str]
Counts = Mapping[Key, list[int]]  # per month, by (dimension, value)


@dataclass
class FunnelOutcome:
    leads: dict[Key, list[int]]  # leads created per month, by (dimension, value)


def _per_month(size: int) -> defaultdict[Key, list[int]]:
    return defaultdict(lambda: [0] * size)


def _label_keys(channel: str, campaign: str | None) -> tuple[Key, ...]:
    keys: tuple[Key, ...] = (("", ""), ("channel", channel))
    if campaign is not None:
        keys += (("campaign", campaign),)
    return keys


def load_lead_groups(context: Context) -> list[tuple]:
    """One pass over the leads: per month of each step reached (NULL: not yet) and label, the
    number of leads; the cohorts and the monthly events both sum these groups."""
    month = sql.month_number
    by = "channel_id, campaign_id"

    def reached(column: str) -> str:  # steps dated after today have not happened yet
        return f"CASE WHEN {column} <= %(today)s THEN {month(column)} END"

    return sql.fetch(
        f"SELECT {reached('created_at')} AS created_m, {reached('qualified_at')} AS qualified_m, "
        f"{reached('opportunity_at')} AS opportunity_m, "
        f"CASE WHEN converted_at <= %(today)s THEN 1 ELSE 0 END AS won, {by}, COUNT(*) "
        "FROM kpiapp_lead WHERE workspace_id = %(workspace_id)s "
        f"GROUP BY created_m, qualified_m, opportunity_m, won, {by}",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )


def compute(
    context: Context,
    collector: Collector,
    channels: dict[int, str],
    campaigns: dict[int, str],
    *,
    read_leads: Callable[[], list[tuple]] | None = None,
) -> FunnelOutcome:
    """`read_leads` gives what `load_lead_groups` reads (the engine reads it beside other
    work); by default it is read here."""
    size = context.month_count
    month = sql.month_number
    lead_rows = read_leads() if read_leads else load_lead_groups(context)
    visit_rows = sql.fetch(
        f"SELECT {month('month')} AS m, channel_id, SUM(visits) FROM kpiapp_traffic "
        "WHERE workspace_id = %(workspace_id)s AND COALESCE(day, month) <= %(today)s "
        "GROUP BY m, channel_id",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )

    def names(channel_id: int | None, campaign_id: int | None) -> tuple[str, str]:
        return (
            channels.get(channel_id, "") if channel_id else "",
            campaigns.get(campaign_id, "") if campaign_id else "",
        )

    cohort, events = _tally_leads(context, lead_rows, names)
    visits = _per_month(size)
    visits[("", "")]
    for m, channel_id, n in visit_rows:
        k = context.month_slot(int(m))
        for key in _label_keys(names(channel_id, None)[0], None):
            visits[key][k] += int(n)
    _emit(collector, size, cohort, events, visits)
    return FunnelOutcome(dict(cohort["leads"]))


def _tally_leads(
    context: Context, rows: list[tuple], names: Callable[[int | None, int | None], tuple[str, str]]
) -> tuple[dict[str, defaultdict[Key, list[int]]], dict[str, defaultdict[Key, list[int]]]]:
    """Cohorts (leads created per month, and how many of them reached each step) and events
    (SQLs and opportunities per month they happened) from the grouped lead rows."""
    size = context.month_count
    cohort = {name: _per_month(size) for name in ("leads", "sql", "opp", "won")}
    cohort["leads"][("", "")]  # the totals exist even without leads
    events = {"sqls": _per_month(size), "opportunities": _per_month(size)}
    for created, qualified, opportunity, won, channel_id, campaign_id, n in rows:
        keys = _label_keys(*names(channel_id, campaign_id))
        if created is not None:
            k = context.month_slot(int(created))
            for name, reached in (
                ("leads", True),
                ("sql", qualified is not None),
                ("opp", opportunity is not None),
                ("won", won),
            ):
                if reached:
                    for key in keys:
                        cohort[name][key][k] += n
        for step, month in (("sqls", qualified), ("opportunities", opportunity)):
            if month is not None:
                k = context.month_slot(int(month))
                for key in keys:
                    events[step][key][k] += n
    return cohort, events


def _emit(
    collector: Collector,
    size: int,
    cohort: Mapping[str, Counts],
    events: Mapping[str, Counts],
    visits: Counts,
) -> None:
    zero = [0] * size
    keys = set(cohort["leads"]) | set(events["sqls"]) | set(events["opportunities"])
    for key in sorted(keys):
        leads = cohort["leads"].get(key, zero)
        sqls_c, opp_c, won_c = (cohort[n].get(key, zero) for n in ("sql", "opp", "won"))
        emit = collector.monthly
        emit("leads", *key, leads)
        emit("sqls", *key, events["sqls"].get(key, zero))
        emit("opportunities", *key, events["opportunities"].get(key, zero))
        emit("lead_to_sql_rate", *key, sqls_c, leads, zero_reason=NO_LEADS)
        emit("sql_to_opportunity_rate", *key, opp_c, sqls_c, zero_reason=NO_SQLS)
        emit("opportunity_to_customer_rate", *key, won_c, opp_c, zero_reason=NO_OPPORTUNITIES)
        emit("lead_to_opportunity_rate", *key, opp_c, leads, zero_reason=NO_LEADS)
        emit("lead_to_customer_rate", *key, won_c, leads, zero_reason=NO_LEADS)
    # Visits have a channel only: the visit-based rates break down by channel. Visits
    # themselves break down by the traffic's own channels, so a lead's change (which does not
    # recompute visits) cannot add or remove one of their dimension values.
    for key in sorted(set(visits) | {k for k in keys if k[0] in ("", "channel")}):
        leads = cohort["leads"].get(key, zero)
        won = cohort["won"].get(key, zero)
        seen = visits.get(key, zero)
        if key in visits:
            collector.monthly("visits", *key, seen)
        collector.monthly("visitor_to_lead_rate", *key, leads, seen, zero_reason=NO_VISITS)
        collector.monthly("visitor_to_customer_rate", *key, won, seen, zero_reason=NO_VISITS)
