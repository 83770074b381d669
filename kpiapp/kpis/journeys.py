"""The customers new in each month with their journeys (KPIS.md section 7), loaded once.

A customer is new in the month of its won day (its first day with MRR > 0) when it is still
active at that month's end: exactly the accounts `customers_new` counts. Its new MRR is its MRR
at that month's end at that month's rates, as `mrr_new` counts it. The journey is the
touchpoints of the account and of its leads up to the won day (`attribution.journey`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from accounts.models import Workspace
from kpiapp.kpis import sql
from kpiapp.kpis.attribution import Touch, journey
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context, from_day_number
from kpiapp.kpis.dimensions import AccountAttributes, load_account_attributes, load_names
from kpiapp.kpis.mrr_states import EntityGrids, SubscriptionRows, entity_grids, load_subscriptions
from kpiapp.kpis.periods import month_index
from kpiapp.kpis.reasons import no_rate


@dataclass(frozen=True)
class NewCustomer:
    account: int
    won_day: date
    month: int  # month index of the won day: the month it counts as new in
    mrr_new: Fraction | None  # major units of the workspace currency; None: a rate is missing
    mrr_reason: str
    channel: str  # the account's own channel and campaign (Dimensions), and its country
    campaign: str
    country: str
    first_value: date | None
    steps: list[Touch]
    had_touchpoints: bool  # False: the journey is the implied touchpoint


def load_touches(
    *, workspace_id: int, channels: dict[int, str], campaigns: dict[int, str]
) -> dict[int, list[Touch]]:
    """Every touchpoint of the workspace by the account it belongs to (a lead's: its account)."""
    rows = sql.fetch(
        f"SELECT t.id, COALESCE(t.account_id, l.account_id), {sql.day_number('t.occurred_at')}, "
        "t.channel_id, t.campaign_id, t.type FROM kpiapp_touchpoint t "
        "LEFT JOIN kpiapp_lead l ON l.id = t.lead_id AND l.workspace_id = %(workspace_id)s "
        # Only touchpoints that reach an account: most leads never convert, and their
        # touchpoints (nine in ten on the large demo) would be read only to be dropped.
        "WHERE t.workspace_id = %(workspace_id)s "
        "AND (t.account_id IS NOT NULL OR l.account_id IS NOT NULL)",
        workspace_id=workspace_id,
    )
    touches: dict[int, list[Touch]] = defaultdict(list)
    for pk, account, day, channel, campaign, type_ in rows:
        if account is None or day is None:
            continue  # a lead that never became a customer
        touches[account].append(
            Touch(
                from_day_number(day),
                pk,
                channels.get(channel, ""),
                campaigns.get(campaign, "") if campaign else "",
                type_,
            )
        )
    return touches


def load_first_values(*, workspace_id: int) -> dict[int, date]:
    rows = sql.fetch(
        f"SELECT account_id, MIN({sql.day_number('first_value_at')}) FROM kpiapp_usage "
        "WHERE workspace_id = %(workspace_id)s AND first_value_at IS NOT NULL "
        "GROUP BY account_id",
        workspace_id=workspace_id,
    )
    return {account: from_day_number(day) for account, day in rows if day is not None}


def _new_mrr(
    context: Context, rows: SubscriptionRows, grids: EntityGrids, i: int, point: int, month: int
) -> tuple[Fraction | None, str]:
    """Account i's MRR at state point `point`, at the rates of `month`, in major units."""
    total = 0
    for code, grid in enumerate(grids.grids):
        native = int(grid[i, point])
        if not native:
            continue
        rate = context.rates.get(rows.currencies[code], month)
        if rate is None:
            return None, no_rate(rows.currencies[code], month)
        total += native * rate
    return Fraction(total, rows.unit_denominator * RATE_SCALE * 100), ""


def new_customers(
    context: Context,
    rows: SubscriptionRows,
    grids: EntityGrids,
    attributes: AccountAttributes,
    touches: dict[int, list[Touch]],
    first_values: dict[int, date],
) -> list[NewCustomer]:
    """The customers new in any month up to today, by won day, then account id."""
    found = []
    for i, account in enumerate(rows.account_ids):
        first = int(grids.first_active[i])
        if first >= NO_END:
            continue
        won = from_day_number(first)
        month = month_index(won)
        slot = context.month_slot(month)
        if not 0 <= slot < context.month_count:
            continue
        if not any(int(grid[i, slot + 1]) > 0 for grid in grids.grids):
            continue  # won and lost in its first month: a later return is a reactivation
        mrr, reason = _new_mrr(context, rows, grids, i, slot + 1, month)
        channel, campaign, country = attributes.by_account.get(account, ("", "", ""))
        own = touches.get(account, [])
        steps = journey(own, won, channel=channel, campaign=campaign)
        found.append(
            NewCustomer(
                account=account,
                won_day=won,
                month=month,
                mrr_new=mrr,
                mrr_reason=reason,
                channel=channel,
                campaign=campaign,
                country=country,
                first_value=first_values.get(account),
                steps=steps,
                had_touchpoints=any(t.day <= won for t in own),
            )
        )
    found.sort(key=lambda c: (c.won_day, c.account))
    return found


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
        load_first_values(workspace_id=workspace.id),
    )
