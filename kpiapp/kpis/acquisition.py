"""What winning customers costs (KPIS.md section 3): CAC, CLV:CAC, CAC payback, cost per lead
and per order, campaign ROI, and the marketing spend itself (a quarter plan's budget step).
Spend is summed by the database; the other figures come from the revenue, deal and funnel
families, by channel and campaign."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from kpiapp.kpis import sql
from kpiapp.kpis.context import RATE_SCALE, Context
from kpiapp.kpis.funnel import FunnelOutcome
from kpiapp.kpis.periods import GRAINS
from kpiapp.kpis.pipeline import DealOutcome, MonthTotals
from kpiapp.kpis.reasons import (
    NO_LEADS,
    NO_NEW,
    NO_NEW_MRR,
    NO_ORDERS,
    NO_SPEND,
    no_rate,
)
from kpiapp.kpis.results import Collector, undefined
from kpiapp.kpis.revenue import GroupRevenue, RevenueOutcome

DIMENSIONS = ("", "channel", "campaign")

Key = tuple[str, str]


def _spend(
    context: Context, channels: dict[int, str], campaigns: dict[int, str]
) -> tuple[dict[Key, list[Fraction]], dict[Key, list[Fraction]], dict[Key, list[str | None]]]:
    rows = sql.fetch(
        f"SELECT {sql.month_number('month')} AS m, channel_id, campaign_id, category, "
        "currency, SUM(amount_cents) FROM kpiapp_spend "
        "WHERE workspace_id = %(workspace_id)s AND month <= %(today)s "
        "GROUP BY m, channel_id, campaign_id, category, currency",
        workspace_id=context.workspace_id,
        params={"today": context.today},
    )
    size = context.month_count
    # Summed as integers of 1 / (RATE_SCALE × 100) major units (exact, and far faster than
    # adding fractions), made fractions once at the end.
    total: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    marketing: dict[Key, list[int]] = defaultdict(lambda: [0] * size)
    missing: dict[Key, list[str | None]] = defaultdict(lambda: [None] * size)
    for month, channel_id, campaign_id, category, currency, amount in rows:
        k = context.month_slot(int(month))
        rate = context.rates.get(currency, int(month))
        value = int(amount) * (rate or 0)
        keys = (
            ("", ""),
            ("channel", channels.get(channel_id, "") if channel_id else ""),
            ("campaign", campaigns.get(campaign_id, "") if campaign_id else ""),
        )
        for key in keys:
            if rate is None and amount:
                missing[key][k] = missing[key][k] or no_rate(currency, int(month))
            total[key][k] += value
            if category == "marketing":
                marketing[key][k] += value

    def major(sums: dict[Key, list[int]]) -> dict[Key, list[Fraction]]:
        found: dict[Key, list[Fraction]] = defaultdict(lambda: [Fraction(0)] * size)
        found.update(
            {key: [Fraction(v, RATE_SCALE * 100) for v in row] for key, row in sums.items()}
        )
        return found

    return major(total), major(marketing), missing


def compute(
    context: Context,
    collector: Collector,
    revenue: RevenueOutcome,
    deals: DealOutcome,
    funnel: FunnelOutcome,
    channels: dict[int, str],
    campaigns: dict[int, str],
) -> None:
    total, marketing, missing = _spend(context, channels, campaigns)
    size = context.month_count
    zeros = [0] * size
    nothing: list[str | None] = [None] * size
    # Each KPI breaks down by the values of its own inputs, so that recomputing some of
    # them (a partial recompute skips unrelated families) gives the same set of points.
    spent = {("", "")} | set(total)
    by_revenue = spent | {k for k in revenue.by_group if k[0] in DIMENSIONS}
    by_deals = spent | {k for k in deals.totals if k[0] in DIMENSIONS}
    by_leads = spent | {k for k in funnel.leads if k[0] in DIMENSIONS}
    emit = collector.monthly
    for key in sorted(by_revenue):
        spend, spend_missing = total.get(key, [Fraction(0)] * size), missing.get(key, nothing)
        group = revenue.by_group.get(key)
        new = group.customers_new if group else zeros
        mrr_new = group.mrr_new if group else zeros
        revenue_missing = group.new_missing if group else nothing
        both = [spend_missing[k] or revenue_missing[k] for k in range(size)]
        emit("cac", *key, spend, new, missing=spend_missing, zero_reason=NO_NEW)
        payback = [m * context.gross_margin for m in mrr_new]
        emit("cac_payback_months", *key, spend, payback, missing=both, zero_reason=NO_NEW_MRR)
        if group:
            _clv_cac(collector, key, group, spend, new, spend_missing)
    for key in sorted(spent):
        emit("marketing_spend", *key, marketing.get(key, [Fraction(0)] * size),
             missing=missing.get(key, nothing))  # fmt: skip
    for key in sorted(by_leads):
        emit(
            "cost_per_lead",
            *key,
            marketing.get(key, [Fraction(0)] * size),
            funnel.leads.get(key, zeros),
            missing=missing.get(key, nothing),
            zero_reason=NO_LEADS,
        )
    for key in sorted(by_deals):
        spend, spend_missing = total.get(key, [Fraction(0)] * size), missing.get(key, nothing)
        deal = deals.totals.get(key) or MonthTotals(size)
        emit("cost_per_order", *key, spend, deal.won, missing=spend_missing, zero_reason=NO_ORDERS)
        returns = [deal.amount[k] - spend[k] for k in range(size)]
        roi_missing = [spend_missing[k] or deal.missing[k] for k in range(size)]
        emit("campaign_roi", *key, returns, spend, missing=roi_missing, zero_reason=NO_SPEND)


def _clv_cac(
    collector: Collector,
    key: Key,
    group: GroupRevenue,
    spend: list[Fraction],
    new: list[int],
    spend_missing: list[str | None],
) -> None:
    """clv / cac of the same period: the period's clv (a state: its last month) over the
    period's pooled CAC, i.e. clv × new customers / spend."""
    for grain in GRAINS:
        for period in collector.emitted[grain]:
            slots = collector.months_of(period)
            last = slots[-1]
            spent = sum((spend[k] for k in slots), Fraction(0))
            won = sum(new[k] for k in slots)
            reason = group.clv_reason[last] or undefined([spend_missing[k] for k in slots])
            if not reason and not won:
                reason = NO_NEW
            if not reason and not spent:
                reason = NO_SPEND
            clv = group.clv[last] if not reason else None
            numerator = None if reason or clv is None else clv * won  # no clv: it has a reason
            collector.point("clv_cac_ratio", period, *key, numerator, spent, reason=reason or "")
