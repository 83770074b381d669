"""The demo's dashboards: one for the management (the default), one for sales and one for
marketing, each with the KPIs that team follows."""

from __future__ import annotations

from accounts.models import Membership
from kpiapp.models import Dashboard

DEMO_DASHBOARDS = (
    # (name, is_default, KPI keys in tile order)
    ("Geschäftsführung", True, (
        "mrr", "arr", "mrr_growth_rate", "nrr", "customer_churn_rate", "quick_ratio",
        "clv_cac_ratio", "cac_payback_months",
    )),
    ("Vertrieb", False, (
        "mrr_new", "customers_new", "deals_won", "win_rate", "avg_deal_size", "sales_cycle_days",
        "pipeline_value", "weighted_pipeline",
    )),
    ("Marketing", False, (
        "visits", "leads", "visitor_to_lead_rate", "lead_to_sql_rate", "marketing_spend",
        "cost_per_lead", "cac", "campaign_roi",
    )),
)  # fmt: skip


def demo_dashboards(*, membership: Membership) -> list[Dashboard]:
    """Replace the workspace's dashboards with the demo's three (in the caller's scope)."""
    Dashboard.objects.all().delete()
    return [
        Dashboard.objects.create(
            workspace=membership.workspace, name=name, is_default=default, kpis=list(keys)
        )
        for name, default, keys in DEMO_DASHBOARDS
    ]
