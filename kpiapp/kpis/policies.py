"""The rules a KPI's page states beside its numbers ("Regeln", KPIS.md "Policies"): each KPI
family has its own, so the MRR and churn rules appear only on the KPIs built from
subscriptions, and win rate, sales cycle, CAC, CLV or NPS say what counts for them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.registry import KPI_BY_KEY

SUBSCRIPTIONS = _(
    "Churn is recognised when a subscription ends, not when notice is given (that is pending "
    "churn); trials are not MRR; discounts reduce MRR; past-due subscriptions count as active "
    "until they end; a pause is an end followed by a new row; taxes and one-time fees are "
    "never MRR; foreign currencies convert at the rate of the month measured, and rate changes "
    "are reported apart as FX impact. A value that divides by zero is undefined, never 0."
)
UNDEFINED = _("A value that divides by zero is undefined, never 0.")
LIFETIME = _(
    "The churn rate in the formula is the mean of the defined monthly customer churn rates of "
    "up to six months ending with the period; the gross margin is the workspace setting."
)
SPEND = _(
    "Spend is marketing and sales spend in the month of its row (cost per lead: marketing "
    "only), converted at that month's exchange rate; spend without a channel or campaign shows "
    "as unattributed in a breakdown. New customers are accounts with their first MRR in the "
    "period."
)
FUNNEL_VOLUMES = _(
    "Each step counts in the period of its own date: leads by their creation, SQLs by their "
    "qualification, opportunities by their opportunity date."
)
FUNNEL_RATES = _(
    "Conversion rates follow the leads created in the period (a cohort), whatever the date of "
    "their later steps: a recent period's rate rises as its leads mature, and it differs from "
    "the step counts of the same period."
)
WIN_RATE = _(
    "Renewals and open deals are left out, and every deal counts once, whatever its amount; a "
    "breakdown shows beside each rate how many deals it rests on."
)
DEALS_WON = _(
    "New and expansion deals won in the period; renewals are left out, so their full value "
    "does not inflate the figure."
)
SALES_CYCLE = _(
    "Days from a deal's creation to its close, over new and expansion deals won in the period; "
    "deals without a creation date are left out."
)
DEALS_CLOSED = _("Deals closed in the period, of every kind (new, expansion, renewal).")
PIPELINE = _(
    "Deals open at the end of the period: created on or before that day and not yet closed; "
    "deals without a creation date or an amount are left out. The weighted pipeline multiplies "
    "each by its stage's probability (a workspace setting)."
)
NPS = _(
    "Every answer in the period counts once, also several from one account: promoters score "
    "9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors, from −100 to 100."
)
USAGE = _(
    "Read from the usage rows of the period's last month of active accounts (MRR above 0); "
    "accounts without seats are left out of seat utilisation."
)
TIME_TO_VALUE = _(
    "Days from an account's first subscription (trial included) to its first value, over "
    "accounts that reached it in the period."
)

_FUNNEL_RATE_KEYS = (
    "lead_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_customer_rate",
    "lead_to_opportunity_rate",
    "lead_to_customer_rate",
    "visitor_to_customer_rate",
)
_SPEND_KEYS = (
    "cac",
    "clv_cac_ratio",
    "cac_payback_months",
    "marketing_spend",
    "cost_per_lead",
    "cost_per_order",
    "campaign_roi",
)

BY_KEY: dict[str, tuple[str | Promise, ...]] = {
    "clv": (SUBSCRIPTIONS, LIFETIME),
    "ltv_revenue": (SUBSCRIPTIONS, LIFETIME),
    **dict.fromkeys(_SPEND_KEYS, (SPEND, UNDEFINED)),
    "clv_cac_ratio": (SPEND, LIFETIME, UNDEFINED),
    **dict.fromkeys(("visits", "leads", "sqls", "opportunities"), (FUNNEL_VOLUMES,)),
    "visitor_to_lead_rate": (FUNNEL_VOLUMES, UNDEFINED),
    **dict.fromkeys(_FUNNEL_RATE_KEYS, (FUNNEL_RATES, UNDEFINED)),
    "win_rate": (WIN_RATE, UNDEFINED),
    "avg_deal_size": (DEALS_WON, UNDEFINED),
    "sales_cycle_days": (SALES_CYCLE, UNDEFINED),
    **dict.fromkeys(("deals_won", "deals_lost", "services_revenue"), (DEALS_CLOSED,)),
    **dict.fromkeys(("pipeline_value", "weighted_pipeline"), (PIPELINE,)),
    "nps": (NPS, UNDEFINED),
    **dict.fromkeys(("seat_utilisation", "engagement_score"), (USAGE, UNDEFINED)),
    "time_to_first_value_days": (TIME_TO_VALUE, UNDEFINED),
}
# Sections whose KPIs are built from subscriptions: MRR and its movements, customers, churn
# and retention (KPIS.md sections 1 and 2).
_SUBSCRIPTION_SECTIONS = ("1", "2")


def kpi_policies(key: str) -> tuple[str | Promise, ...]:
    """The rules shown with KPI `key`: its own, else its family's; none for a custom KPI."""
    if key in BY_KEY:
        return BY_KEY[key]
    kpi = KPI_BY_KEY.get(key)
    if kpi is None:  # a team's own KPI
        return ()
    if kpi.section in _SUBSCRIPTION_SECTIONS:
        return (SUBSCRIPTIONS,)
    return (UNDEFINED,)
