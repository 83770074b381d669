"""What a breakdown row's value rests on, shown beside it: a rate of counts as "1 of 1" (win
rate by owner from one deal each), a mean or a cost per unit as "n = 4", a rate of money as
its base ("of 12.345 €"). Read from the snapshot's numerator and denominator."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from kpiapp.kpis.registry import KpiDefinition
from kpiapp.templatetags.kpi_format import kpi_value, number

# Rates whose numerator and denominator are both counts (customers, leads, deals, visits).
COUNT_RATES = frozenset(
    {
        "customer_churn_rate",
        "customer_retention_rate",
        "visitor_to_lead_rate",
        "lead_to_sql_rate",
        "sql_to_opportunity_rate",
        "opportunity_to_customer_rate",
        "lead_to_opportunity_rate",
        "lead_to_customer_rate",
        "visitor_to_customer_rate",
        "win_rate",
        "seat_utilisation",
    }
)
# Rates of money: their denominator is the MRR at the period's start.
MONEY_RATES = frozenset(
    {
        "mrr_growth_rate",
        "mrr_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "nrr",
        "grr",
    }
)
# Means and values per unit: their denominator counts what they are taken over.
PER_UNIT = frozenset(
    {
        "avg_deal_size",
        "sales_cycle_days",
        "time_to_first_value_days",
        "nps",
        "engagement_score",
        "arpa",
        "cac",
        "cost_per_lead",
        "cost_per_order",
    }
)


def basis_text(
    kpi: KpiDefinition, numerator: Decimal | None, denominator: Decimal | None, currency: str
) -> str:
    if denominator is None:
        return ""
    if kpi.key in COUNT_RATES and numerator is not None:
        parts = {"part": number(numerator), "whole": number(denominator)}
        return _("%(part)s of %(whole)s") % parts
    if kpi.key in PER_UNIT:
        return f"n\u00a0=\u00a0{number(denominator)}"
    if kpi.key in MONEY_RATES:
        return _("of %(base)s") % {"base": kpi_value(denominator, "money", currency)}
    return ""
