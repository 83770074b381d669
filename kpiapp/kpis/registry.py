"""Every KPI the product computes, listed once (KPIS.md, catalogue).

Pages, the API, targets and reports read this registry; nothing else keeps a list of KPIs.
Bump `DEFINITION_VERSION` when a definition changes, so stored snapshots are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# 2: marketing_spend (the spend step of a quarter's plan); 3: journeys and attribution
DEFINITION_VERSION = 3

# "percent" and "number" are units of custom KPIs (a percent is entered as 92.5, not 0.925).
# "customers" counts customers that a model shares out over channels (KPIS.md 7): 2 decimals.
Unit = Literal[
    "money", "count", "customers", "rate", "ratio", "days", "months", "score", "percent", "number"
]
Kind = Literal["state", "flow", "rate", "ratio", "mean"]
Direction = Literal["up", "down", "neutral"]

ACCOUNT_DIMENSIONS = ("channel", "campaign", "country", "plan")
DEAL_DIMENSIONS = ("owner", "channel", "campaign", "kind")
LEAD_DIMENSIONS = ("channel", "campaign")
SPEND_DIMENSIONS = ("channel", "campaign")
# Per-account figures that have no plan of their own (an answer or a usage row is the account's).
ACCOUNT_ATTRIBUTES = ("channel", "campaign", "country")

DIMENSION_NAMES = {
    "channel": _("Channel"),
    "campaign": _("Campaign"),
    "country": _("Country"),
    "plan": _("Plan"),
    "owner": pgettext_lazy("dimension", "Owner"),
    "kind": _("Deal kind"),
}

# KPIs whose breakdown is built on spend rows: a value without a channel or campaign is
# spend that nobody attributed ("nicht zugeordnet"); elsewhere it is an account, lead or deal
# that has none ("ohne Kanal") (KPIS.md, Dimensions).
SPEND_KEYS = frozenset(
    {"cac", "clv_cac_ratio", "cac_payback_months", "cost_per_lead", "cost_per_order",
     "campaign_roi", "marketing_spend"}
)  # fmt: skip

NO_VALUE_NAMES = {
    "channel": _("no channel"),
    "campaign": _("no campaign"),
    "country": _("no country"),
    "plan": _("no plan"),
    "owner": _("no owner"),
    "kind": _("no deal kind"),
}


def dimension_value_name(key: str, dimension: str, value: str) -> str:
    """How a dimension value reads on pages: itself, or what its absence means."""
    if value:
        return value
    if key in SPEND_KEYS and dimension in SPEND_DIMENSIONS:
        return str(_("unattributed"))
    return str(NO_VALUE_NAMES.get(dimension, "–"))


SECTION_NAMES = {
    "1": _("Recurring revenue"),
    "2": _("Customers, churn and retention"),
    "3": _("Value of a customer and cost of winning one"),
    "4": _("Funnel and pipeline"),
    "5": _("Customer experience"),
    "7": _("Journeys and attribution"),
}

KIND_NAMES = {
    "state": _("State at the end of the period"),
    "flow": _("Flow, summed over the months"),
    "rate": _("Rate between the start and the end of the period"),
    "ratio": _("Ratio of the period's flows"),
    "mean": _("Mean over the period's records"),
}


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    name: str | Promise
    unit: Unit
    kind: Kind
    direction: Direction
    dimensions: tuple[str, ...]
    definition: str | Promise
    section: str

    @property
    def aggregation(self) -> str:
        """How a quarter or year is formed from its months."""
        return {"state": "last", "flow": "sum"}.get(self.kind, "recomputed")


def _kpi(
    key: str,
    name: str | Promise,
    unit: Unit,
    kind: Kind,
    direction: Direction,
    dimensions: tuple[str, ...],
    section: str,
    definition: str | Promise,
) -> KpiDefinition:
    return KpiDefinition(key, name, unit, kind, direction, dimensions, definition, section)


A, D, L, S = ACCOUNT_DIMENSIONS, DEAL_DIMENSIONS, LEAD_DIMENSIONS, SPEND_DIMENSIONS
REV, CUS, VAL, FUN, CX, JRN = "1", "2", "3", "4", "5", "7"
# The attributed KPIs break down by the channel or campaign of the touchpoints (KPIS.md 7).
TOUCHPOINT_DIMENSIONS = ("channel", "campaign")
ATTRIBUTED_KEYS = ("customers_new_attributed", "mrr_new_attributed")

KPIS: tuple[KpiDefinition, ...] = (
    # 1. Recurring revenue
    _kpi("mrr", _("MRR"), "money", "state", "up", A, REV,
         _("Monthly recurring revenue at the end of the period: the normalised MRR of every "
           "active subscription row, net of discounts, without trials, taxes or one-time fees.")),
    _kpi("arr", _("ARR"), "money", "state", "up", A, REV, _("MRR × 12.")),
    _kpi("mrr_growth_rate", _("MRR growth"), "rate", "rate", "up", A, REV,
         _("(MRR at the end − MRR at the start) / MRR at the start of the period.")),
    _kpi("mrr_new", _("New MRR"), "money", "flow", "up", A, REV,
         _("MRR at the end of the month of customers who never had MRR before.")),
    _kpi("mrr_reactivation", _("Reactivation MRR"), "money", "flow", "up", A, REV,
         _("MRR at the end of the month of returning customers who had MRR before.")),
    _kpi("mrr_expansion", _("Expansion MRR"), "money", "flow", "up", A, REV,
         _("Increase of customers whose MRR rose within the month.")),
    _kpi("mrr_contraction", _("Contraction MRR"), "money", "flow", "down", A, REV,
         _("Decrease of customers whose MRR fell within the month but stayed above zero.")),
    _kpi("mrr_churn", _("Churned MRR"), "money", "flow", "down", A, REV,
         _("MRR at the start of the month of customers who have none at its end.")),
    _kpi("mrr_net_new", _("Net new MRR"), "money", "flow", "up", A, REV,
         _("New + reactivation + expansion − contraction − churn.")),
    _kpi("mrr_fx_impact", _("FX impact on MRR"), "money", "flow", "neutral", A, REV,
         _("Change of the MRR at the start of the month from this month's exchange rates "
           "against last month's.")),
    _kpi("mrr_pending_churn", _("Pending churn MRR"), "money", "state", "down", A, REV,
         _("MRR at the end of the period of subscriptions with notice given that have not "
           "ended yet.")),
    # 2. Customers, churn and retention
    _kpi("customers_active", _("Active customers"), "count", "state", "up", A, CUS,
         _("Accounts with MRR above zero at the end of the period.")),
    _kpi("customers_new", _("New customers"), "count", "flow", "up", A, CUS,
         _("Accounts active at the end of a month, not at its start, and never before.")),
    _kpi("customers_reactivated", _("Reactivated customers"), "count", "flow", "up", A, CUS,
         _("Accounts active at the end of a month, not at its start, but active before.")),
    _kpi("customers_churned", _("Churned customers"), "count", "flow", "down", A, CUS,
         _("Accounts active at the start of a month and not at its end.")),
    _kpi("customer_churn_rate", _("Customer churn rate"), "rate", "rate", "down", A, CUS,
         _("Accounts active at the start of the period and not at its end / accounts active "
           "at its start.")),
    _kpi("customer_retention_rate", _("Customer retention rate"), "rate", "rate", "up", A, CUS,
         _("1 − customer churn rate.")),
    _kpi("mrr_churn_rate", _("Revenue churn rate"), "rate", "rate", "down", A, CUS,
         _("MRR lost to churn between the start and the end of the period / MRR at the start.")),
    _kpi("gross_mrr_churn_rate", _("Gross MRR churn rate"), "rate", "rate", "down", A, CUS,
         _("(Churn + contraction) / MRR at the start of the period.")),
    _kpi("net_mrr_churn_rate", _("Net MRR churn rate"), "rate", "rate", "down", A, CUS,
         _("(Churn + contraction − expansion) / MRR at the start of the period = 1 − NRR.")),
    _kpi("nrr", _("Net revenue retention"), "rate", "rate", "up", A, CUS,
         _("(MRR at the start + expansion − contraction − churn) / MRR at the start, over "
           "the accounts active at the start of the period.")),
    _kpi("grr", _("Gross revenue retention"), "rate", "rate", "up", A, CUS,
         _("(MRR at the start − contraction − churn) / MRR at the start.")),
    _kpi("arpa", _("ARPA"), "money", "state", "up", A, CUS,
         _("Average MRR per active account at the end of the period.")),
    _kpi("quick_ratio", _("SaaS quick ratio"), "ratio", "ratio", "up", A, CUS,
         _("(New + reactivation + expansion MRR) / (churned + contraction MRR).")),
    # 3. Value of a customer and cost of winning one
    _kpi("clv", _("Customer lifetime value"), "money", "state", "up", A, VAL,
         _("ARPA × gross margin / mean monthly customer churn rate of the last six months.")),
    _kpi("ltv_revenue", _("Lifetime revenue"), "money", "state", "up", A, VAL,
         _("ARPA / mean monthly customer churn rate of the last six months (no margin).")),
    _kpi("cac", _("CAC"), "money", "ratio", "down", S, VAL,
         _("Marketing and sales spend / new customers of the period.")),
    _kpi("clv_cac_ratio", _("CLV:CAC"), "ratio", "ratio", "up", S, VAL,
         _("Customer lifetime value / CAC of the same period.")),
    _kpi("cac_payback_months", _("CAC payback"), "months", "ratio", "down", S, VAL,
         _("Spend / (new MRR × gross margin): months until the gross profit repays the spend.")),
    _kpi("marketing_spend", _("Marketing spend"), "money", "flow", "down", S, VAL,
         _("Marketing spend in the period (a budget: on track while it stays within the "
           "pro-rata target).")),
    _kpi("cost_per_lead", _("Cost per lead"), "money", "ratio", "down", S, VAL,
         _("Marketing spend / leads created in the period.")),
    _kpi("cost_per_order", _("Cost per order"), "money", "ratio", "down", S, VAL,
         _("Marketing and sales spend / deals won in the period.")),
    _kpi("campaign_roi", _("Campaign ROI"), "ratio", "ratio", "up", S, VAL,
         _("(Won amount of new and expansion deals − spend) / spend.")),
    # 4. Funnel and pipeline
    _kpi("visits", _("Visits"), "count", "flow", "up", ("channel",), FUN,
         _("Website visits in the period.")),
    _kpi("leads", _("Leads"), "count", "flow", "up", L, FUN, _("Leads created in the period.")),
    _kpi("sqls", _("SQLs"), "count", "flow", "up", L, FUN,
         _("Leads qualified (sales-qualified) in the period.")),
    _kpi("opportunities", _("Opportunities"), "count", "flow", "up", L, FUN,
         _("Leads that became an opportunity in the period.")),
    _kpi("visitor_to_lead_rate", _("Visitor-to-lead rate"), "rate", "ratio", "up",
         ("channel",), FUN, _("Leads / visits in the period.")),
    _kpi("lead_to_sql_rate", _("Lead-to-SQL rate"), "rate", "ratio", "up", L, FUN,
         _("Share of the leads created in the period that were qualified, whenever.")),
    _kpi("sql_to_opportunity_rate", _("SQL-to-opportunity rate"), "rate", "ratio", "up", L, FUN,
         _("Share of the period's qualified cohort leads that became an opportunity.")),
    _kpi("opportunity_to_customer_rate", _("Opportunity-to-customer rate"), "rate", "ratio",
         "up", L, FUN,
         _("Share of the period's cohort opportunities that became a customer.")),
    _kpi("lead_to_opportunity_rate", _("Lead-to-opportunity rate"), "rate", "ratio", "up", L,
         FUN, _("Share of the leads created in the period that became an opportunity.")),
    _kpi("lead_to_customer_rate", _("Lead-to-customer rate"), "rate", "ratio", "up", L, FUN,
         _("Share of the leads created in the period that became a customer.")),
    _kpi("visitor_to_customer_rate", _("Visitor-to-customer rate"), "rate", "ratio", "up",
         ("channel",), FUN,
         _("Leads created in the period that became a customer / visits in the period.")),
    _kpi("deals_won", _("Deals won"), "count", "flow", "up", D, FUN,
         _("Deals closed as won in the period (all kinds).")),
    _kpi("deals_lost", _("Deals lost"), "count", "flow", "down", D, FUN,
         _("Deals closed as lost in the period (all kinds).")),
    _kpi("win_rate", _("Win rate"), "rate", "ratio", "up", D, FUN,
         _("Won / (won + lost) over new and expansion deals closed in the period.")),
    _kpi("avg_deal_size", _("Average deal size"), "money", "mean", "up", D, FUN,
         _("Mean annual contract value of new and expansion deals won in the period.")),
    _kpi("services_revenue", _("Services revenue"), "money", "flow", "up", D, FUN,
         _("One-time services amounts of deals won in the period.")),
    _kpi("sales_cycle_days", _("Sales cycle"), "days", "mean", "down", D, FUN,
         _("Mean days from creation to close of new and expansion deals won in the period.")),
    _kpi("pipeline_value", _("Pipeline value"), "money", "state", "up", D, FUN,
         _("Amount of the deals open at the end of the period (deals without an amount are "
           "counted apart).")),
    _kpi("weighted_pipeline", _("Weighted pipeline"), "money", "state", "up", D, FUN,
         _("Open deals' amounts, each weighted by the probability of its stage.")),
    # 5. Customer experience
    _kpi("nps", _("NPS"), "score", "ratio", "up", ACCOUNT_ATTRIBUTES, CX,
         _("100 × (promoters − detractors) / answers in the period; promoters score 9–10, "
           "detractors 0–6.")),
    _kpi("seat_utilisation", _("Seat utilisation"), "rate", "state", "up", ACCOUNT_ATTRIBUTES,
         CX, _("Active users / seats of active accounts in the period's last month.")),
    _kpi("engagement_score", _("Engagement score"), "score", "state", "up", ACCOUNT_ATTRIBUTES,
         CX, _("Mean over active accounts of 100 × (half seat use + half key actions per "
               "active user against 20), in the period's last month.")),
    _kpi("time_to_first_value_days", _("Time to first value"), "days", "mean", "down",
         ACCOUNT_ATTRIBUTES, CX,
         _("Mean days from the first subscription's start to the first value reached, over "
           "accounts that reached it in the period.")),
    # 7. Journeys and attribution
    _kpi("customers_new_attributed", _("New customers (attributed)"), "customers", "flow", "up",
         TOUCHPOINT_DIMENSIONS, JRN,
         _("New customers of the period, each split over the touchpoints of its journey up to "
           "the day it was won by the attribution model (first touch, last touch, linear or "
           "position-based 40/20/40), summed per channel or campaign of the touchpoints. A "
           "customer without touchpoints counts once for its own channel. Over all channels "
           "it equals the new customers.")),
    _kpi("mrr_new_attributed", _("New MRR (attributed)"), "money", "flow", "up",
         TOUCHPOINT_DIMENSIONS, JRN,
         _("New MRR of the period, each new customer's MRR split over the touchpoints of its "
           "journey by the attribution model, summed per channel or campaign of the "
           "touchpoints. Over all channels it equals the new MRR (each rounded value may "
           "differ by a cent).")),
    _kpi("multi_touch_share", _("Multi-touch share"), "rate", "ratio", "up",
         ACCOUNT_ATTRIBUTES, JRN,
         _("Of the customers new in the period, the share whose journey up to the day they "
           "were won has two touchpoints or more.")),
    _kpi("touchpoints_per_new_customer", _("Touchpoints per new customer"), "ratio", "mean",
         "neutral", ACCOUNT_ATTRIBUTES, JRN,
         _("Touchpoints in the journeys of the customers new in the period (up to the day "
           "each was won) / the number of these customers.")),
    _kpi("activation_rate", _("Activation rate"), "rate", "ratio", "up", ACCOUNT_ATTRIBUTES,
         JRN,
         _("Of the customers new in the period, the share that reached its first value no "
           "later than N days after the day it was won (N is a workspace setting, 14 by "
           "default; a value in the trial counts). Customers won less than N days ago are left "
           "out, and the value is marked as to date.")),
    _kpi("referral_share", _("Referral share"), "rate", "ratio", "up", ACCOUNT_ATTRIBUTES, JRN,
         _("Of the customers new in the period, the share whose journey has a referral "
           "touchpoint or whose own channel is the workspace's referral channel (by default "
           "the channel named “Referral”, else “Empfehlung”).")),
)  # fmt: skip

KPI_BY_KEY: dict[str, KpiDefinition] = {kpi.key: kpi for kpi in KPIS}


def kpi_definition(key: str) -> KpiDefinition:
    """The built-in definition of `key`; KeyError for custom or unknown keys."""
    return KPI_BY_KEY[key]


# Cohort retention cells (the heat map), stored beside the KPIs: period = cohort month,
# dimension "age" = months since then.
COHORT_KEYS = ("cohort_logo_retention", "cohort_revenue_retention")


def cohort_cell_month(cohort_month: int, age: str) -> int:
    """The month whose end a cohort cell reads (its cohort month plus its age): a change of
    data from a later month on cannot move it."""
    return cohort_month + int(age)


# Decimal places of a stored and published value, by unit (PRODUCT.md, series endpoint).
DECIMALS = {
    "money": 2,
    "count": 0,
    "customers": 2,
    "rate": 6,
    "ratio": 6,
    "days": 2,
    "months": 2,
    "score": 2,
}
CUSTOM_UNIT_DECIMALS = {"money": 2, "days": 2, "percent": 6, "number": 6}


def decimals_for(key: str, custom_unit: str | None = None) -> int:
    if key in KPI_BY_KEY:
        return DECIMALS[KPI_BY_KEY[key].unit]
    if custom_unit:
        return CUSTOM_UNIT_DECIMALS[custom_unit]
    return 6
