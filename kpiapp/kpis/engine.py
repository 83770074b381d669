"""Computes every KPI of a workspace for every month, quarter and year up to today.

Reads only (a fixed number of set-based queries, whatever the data's size) and returns points;
`kpiapp.services.snapshots` writes them. The families run in dependency order: CAC needs new
customers (revenue), won deals (pipeline) and leads (funnel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis import (
    acquisition,
    attributed,
    custom,
    engagement,
    from_sums,
    funnel,
    journeys,
    partials,
    pipeline,
    retention,
    revenue,
)
from kpiapp.kpis.context import NO_END, Context, first_data_month, load_rates, months_of_days
from kpiapp.kpis.dependencies import AccountGroups
from kpiapp.kpis.dimensions import AccountAttributes, load_account_attributes, load_names
from kpiapp.kpis.mrr_states import (
    SubscriptionRows,
    entity_grids,
    first_active_days,
    load_plans,
    load_subscriptions,
)
from kpiapp.kpis.partials import StoredSums
from kpiapp.kpis.periods import FIRST_DAY, month_index, today_in
from kpiapp.kpis.prefetch import Reads
from kpiapp.kpis.registry import COHORT_KEYS, DEAL_DIMENSIONS, KPIS
from kpiapp.kpis.results import Collector, Point


def build_context(workspace: Workspace, *, today: date | None = None) -> Context:
    today = today or today_in(workspace.time_zone)
    first = first_data_month(workspace_id=workspace.id)
    current = month_index(today)
    if first is not None:  # a stray date of year 1 must not mean 24,000 months of KPIs
        first = max(first, month_index(FIRST_DAY))
    return Context(
        workspace_id=workspace.id,
        currency=workspace.currency,
        time_zone=workspace.time_zone,
        gross_margin=Fraction(Decimal(workspace.gross_margin)),
        stage_probabilities={
            stage: Fraction(Decimal(str(p)))
            for stage, p in (workspace.stage_probabilities or {}).items()
        },
        today=today,
        # No data yet, or only future dates: the current month alone.
        first_month=min(first, current) if first is not None else current,
        rates=load_rates(workspace_id=workspace.id, currency=workspace.currency),
        activation_days=workspace.activation_days,
        referral_channel=workspace.referral_channel,
    )


# The keys of each family, and the keys of other families that need its outcome.
ACCOUNT_LEVEL_KEYS = revenue.KEYS
DEAL_KEYS = {k.key for k in KPIS if k.section == "4" and k.dimensions == DEAL_DIMENSIONS}
FUNNEL_FAMILY = {k.key for k in KPIS if k.section == "4"} - DEAL_KEYS
REVENUE_USERS = {
    *attributed.KEYS,
    "cac",
    "clv_cac_ratio",
    "cac_payback_months",
    "seat_utilisation",
    "engagement_score",
    "time_to_first_value_days",
    *COHORT_KEYS,
}
DEAL_USERS = {"cost_per_order", "campaign_roi"}
LEAD_USERS = {"cost_per_lead"}


def compute_workspace(
    workspace: Workspace,
    *,
    today: date | None = None,
    keys: set[str] | None = None,
    since_month: int | None = None,
    groups: AccountGroups | None = None,
) -> list[Point]:
    """Points of every KPI, or only of `keys` for the periods ending in or after
    `since_month` and, with `groups`, of the dimension values a change of some accounts can
    move (a partial recompute); families whose KPIs are not wanted are skipped."""
    return run(workspace, today=today, keys=keys, since_month=since_month, groups=groups).points


@dataclass
class EngineRun:
    points: list[Point]
    sums: StoredSums | None = None  # when asked for (`keep_sums`), or updated


def run(
    workspace: Workspace,
    *,
    today: date | None = None,
    keys: set[str] | None = None,
    since_month: int | None = None,
    groups: AccountGroups | None = None,
    keep_sums: bool = False,
) -> EngineRun:
    """`compute_workspace`; with `keep_sums`, also the partial sums of every bucket, from the
    same reads."""
    context = build_context(workspace, today=today)
    collector = Collector(context, keys=keys, since_month=since_month, groups=groups)
    channels, campaigns = load_names(workspace_id=workspace.id)

    def needed(family_keys: set[str]) -> bool:
        return keys is None or bool(family_keys & keys)

    with Reads() as reads:
        # Each family's big reads start now, in the order the families need them: PostgreSQL
        # reads them on two threads while the families before compute (in line in tests).
        revenue_wanted = needed(ACCOUNT_LEVEL_KEYS | REVENUE_USERS)
        subscriptions = reads.later(load_subscriptions, workspace_id=workspace.id)
        deal_wanted = needed(DEAL_KEYS | DEAL_USERS)
        deal_rows = reads.later(pipeline.load_deals, context, channels, campaigns)
        history = reads.later(
            pipeline.load_stage_changes,
            context,
            open_after=pipeline.history_after(context, collector),
        )
        funnel_wanted = needed(FUNNEL_FAMILY | LEAD_USERS)
        lead_groups = reads.later(funnel.load_lead_groups, context)
        usage = reads.later(engagement.load_usage, context)
        touches = reads.later(
            journeys.load_touches, workspace_id=workspace.id, channels=channels, campaigns=campaigns
        )
        first_values = reads.later(journeys.load_first_value_days, workspace_id=workspace.id)
        reads.begin(
            (subscriptions, revenue_wanted),
            (deal_rows, deal_wanted),
            (history, deal_wanted and collector.wants("pipeline_value", "weighted_pipeline")),
            (lead_groups, funnel_wanted),
            (usage, keep_sums or collector.wants("seat_utilisation", "engagement_score")),
            (touches, needed(set(attributed.KEYS))),
            (
                first_values,
                keep_sums or needed(set(attributed.KEYS) | {"time_to_first_value_days"}),
            ),
        )
        attributes = load_account_attributes(
            workspace_id=workspace.id, channels=channels, campaigns=campaigns
        )
        sums = None
        if keep_sums:
            # The families that sum over accounts: their points from the total of every
            # bucket's sums, which the run stores (`kpiapp.kpis.partials`).
            rows = subscriptions.get()
            sums = from_sums.all_sums(context, attributes, rows, usage.get(), first_values.get())
            revenue_outcome = partials.emit(context, collector, sums.total)
            if needed(set(attributed.KEYS)):
                _add_account_states(context, revenue_outcome, rows)
        elif revenue_wanted:
            revenue_outcome = revenue.compute(
                context, collector, attributes, rows=subscriptions.get()
            )
        else:
            revenue_outcome = revenue.RevenueOutcome()
        deals = (
            pipeline.compute(
                context,
                collector,
                channels,
                campaigns,
                read_deals=deal_rows.get,
                read_history=history.get,
            )
            if deal_wanted
            else pipeline.DealOutcome({})
        )
        leads = (
            funnel.compute(context, collector, channels, campaigns, read_leads=lead_groups.get)
            if funnel_wanted
            else funnel.FunnelOutcome({})
        )
        acquisition.compute(context, collector, revenue_outcome, deals, leads, channels, campaigns)
        engagement.compute(
            context,
            collector,
            attributes,
            revenue_outcome,
            read_usage=usage.get,
            read_first_values=first_values.get,
            nps_only=keep_sums,
        )
        if not keep_sums:
            retention.compute(context, collector, revenue_outcome)
        if needed(set(attributed.KEYS)):
            _journeys(
                context, collector, revenue_outcome, attributes, touches.get(),
                first_values.get(), list(channels.values()),
            )  # fmt: skip
    custom.compute(context, collector)
    return EngineRun(collector.points, sums)


def _add_account_states(
    context: Context, outcome: revenue.RevenueOutcome, rows: SubscriptionRows
) -> None:
    """The per-account MRR states the journey family reads, which emitting from sums lacks."""
    grids = entity_grids(rows, rows.account, len(rows.account_ids), context.boundaries())
    outcome.account_ids = rows.account_ids
    outcome.rows = rows
    outcome.grids = grids
    outcome.first_active = grids.first_active
    outcome.first_start = rows.first_starts()


def account_groups(
    *, workspace_id: int, accounts: frozenset[int], plans: frozenset[str] = frozenset()
) -> AccountGroups:
    """The dimension values of `accounts` (a recompute narrowed to a change of their
    subscriptions), their plans now and `plans`, the ones they had before."""
    channels, campaigns = load_names(workspace_id=workspace_id)
    attributes = load_account_attributes(
        workspace_id=workspace_id, channels=channels, campaigns=campaigns, accounts=accounts
    )
    touched = journeys.load_touch_labels(
        workspace_id=workspace_id, accounts=accounts, channels=channels, campaigns=campaigns
    )
    held = load_plans(workspace_id=workspace_id, accounts=accounts)
    return AccountGroups.of(attributes, accounts, touched, plans | held)


def customers_before(*, workspace_id: int, accounts: frozenset[int], month: int) -> bool:
    """Whether each of `accounts` had its first day with MRR before `month`: then a change of
    their subscriptions from `month` on (one that leaves every day before it as it was) moves
    none of the journey KPIs (KPIS.md 7). Of an account these read only its first day with
    MRR (its won day) and its MRR at the end of that month, both before `month`."""
    rows = load_subscriptions(workspace_id=workspace_id, accounts=accounts)
    first = first_active_days(rows, rows.account, len(rows.account_ids))
    if len(rows.account_ids) < len(accounts) or not len(first) or (first >= NO_END).any():
        return False
    return int(months_of_days(first).max()) < month


def _journeys(
    context: Context,
    collector: Collector,
    revenue_outcome: revenue.RevenueOutcome,
    attributes: AccountAttributes,
    touches: journeys.TouchRows,
    first_values: np.ndarray,
    channel_names: list[str],
) -> None:
    """The journey family (KPIS.md 7) over the customers the revenue family found new; of a
    partial recompute, only the customers new in the months it emits."""
    if revenue_outcome.rows is None or revenue_outcome.grids is None:
        return
    found = journeys.new_customers(
        context,
        revenue_outcome.rows,
        revenue_outcome.grids,
        attributes,
        touches,
        first_values,
        from_slot=collector.first_emitted_slot(),
    )
    attributed.compute(context, collector, found, channel_names)
