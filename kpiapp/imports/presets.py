"""Saved mappings for the exports users really bring (PRODUCT.md: presets ignore the source's
extra columns). Each preset is a mapping per kind it knows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kpiapp.imports.mapping import IGNORE, Mapping


def _preset(
    columns: dict[str, str],
    values: dict[str, dict[str, str]] | None = None,
    defaults: dict[str, str] | None = None,
) -> Mapping:
    return Mapping(
        columns=columns, values=values or {}, ignore_unknown=True, defaults=defaults or {}
    )


PRESETS: dict[str, dict[str, Mapping]] = {
    # Maven Analytics "CRM + Sales Opportunities": import accounts.csv, then sales_pipeline.csv.
    "maven-crm": {
        "accounts": _preset(
            {
                "account": "name",
                "sector": "industry",
                "employees": "employees",
                "office_location": "country",
                "year_established": IGNORE,
                "revenue": IGNORE,
                "subsidiary_of": IGNORE,
            },
            # The source's own misspellings and short names.
            {"country": {"Philipines": "PH", "Korea": "KR"}},
        ),
        "deals": _preset(
            {
                "opportunity_id": "external_id",
                "sales_agent": "owner",
                "product": "name",
                "account": "account",
                "deal_stage": "stage",
                "engage_date": "created_at",
                "close_date": "closed_at",
                "close_value": "amount",
            },
            {"stage": {"Won": "won", "Lost": "lost", "Engaging": "demo", "Prospecting": "lead"}},
        ),
    },
    # RavenStack (Rivalytics): each subscription row is its own line item with a monthly amount.
    "ravenstack": {
        "accounts": _preset(
            {
                "account_id": "external_id",
                "account_name": "name",
                "industry": "industry",
                "country": "country",
                "signup_date": "created_at",
                "referral_source": "channel",
            }
        ),
        "subscriptions": _preset(
            {
                "subscription_id": "external_id",
                "account_id": "account",
                "start_date": "started_at",
                "end_date": "ended_at",
                "plan_tier": "plan",
                "mrr_amount": "amount",
                "billing_frequency": IGNORE,
                "seats": IGNORE,
            },
            # mrr_amount is already monthly, whatever the billing frequency; seats are not
            # the quantity (the amount is the row's total).
            defaults={"interval": "month", "quantity": "1"},
        ),
    },
    # Stripe Dashboard → Subscriptions → Export (default columns).
    "stripe-subscriptions": {
        "subscriptions": _preset(
            {
                "id": "external_id",
                "Customer ID": "account",
                "Plan": "plan",
                "Product": IGNORE,
                "Quantity": "quantity",
                "Interval": "interval",
                "Interval Count": "interval_count",
                "Amount": "amount",
                "Currency": "currency",
                "Start Date (UTC)": "started_at",
                "Trial End (UTC)": "trial_ends_at",
                "Ended At (UTC)": "ended_at",
                "Canceled At (UTC)": "cancelled_at",
                "Cancellation Reason": "churn_reason",
            }
        ),
    },
    # HubSpot → Deals → Export (internal stage names of the default sales pipeline).
    "hubspot-deals": {
        "deals": _preset(
            {
                "Record ID": "external_id",
                "Deal Name": "name",
                "Deal Stage": "stage",
                "Amount": "amount",
                "Create Date": "created_at",
                "Close Date": "closed_at",
                "Deal owner": "owner",
                "Associated Company": "account",
                "Deal Type": "kind",
                "Closed Lost Reason": "lost_reason",
                "Original Source Type": "channel",
            },
            {
                "stage": {
                    "appointmentscheduled": "lead",
                    "Appointment Scheduled": "lead",
                    "qualifiedtobuy": "qualified",
                    "Qualified To Buy": "qualified",
                    "presentationscheduled": "demo",
                    "Presentation Scheduled": "demo",
                    "decisionmakerboughtin": "proposal",
                    "Decision Maker Bought-In": "proposal",
                    "contractsent": "negotiation",
                    "Contract Sent": "negotiation",
                    "closedwon": "won",
                    "Closed Won": "won",
                    "closedlost": "lost",
                    "Closed Lost": "lost",
                },
                "kind": {
                    "newbusiness": "new",
                    "New Business": "new",
                    "existingbusiness": "expansion",
                    "Existing Business": "expansion",
                },
            },
        ),
    },
}

PRESET_LABELS = {
    "maven-crm": _("Maven Analytics CRM (accounts, deals)"),
    "ravenstack": _("RavenStack SaaS (accounts, subscriptions)"),
    "stripe-subscriptions": _("Stripe subscriptions export"),
    "hubspot-deals": _("HubSpot deals export"),
}


def preset_for(name: str, kind: str) -> Mapping:
    kinds = PRESETS.get(name)
    if kinds is None:
        raise KeyError(name)
    mapping = kinds.get(kind)
    if mapping is None:
        raise LookupError(kind)
    return mapping
