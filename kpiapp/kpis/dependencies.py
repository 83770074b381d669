"""Which KPIs read which kinds of data, so a change recomputes only the KPIs it touches.

Kinds are the data kinds of PRODUCT.md (`accounts`, `deals`, ...). Leads and accounts decide
the channel and campaign of an account (its own, else its earliest converted lead's), so they
feed every account-level KPI. A lead that is not converted to an account and that no deal
refers to feeds only the funnel: its change is of the narrower kind `lead_funnel`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kpiapp.kpis.dimensions import AccountAttributes
from kpiapp.kpis.registry import (
    ACCOUNT_ATTRIBUTES,
    ACCOUNT_DIMENSIONS,
    ATTRIBUTED_KEYS,
    COHORT_KEYS,
    KPI_BY_KEY,
    KPIS,
    TOUCHPOINT_DIMENSIONS,
)

# Kinds of change narrower than a record kind (kpiapp.data_kinds): a lead that is no customer
# and has no deal feeds only the funnel; a new price of a subscription that stays paid (its
# amount, quantity or discount; `services.records`) moves only what reads amounts.
SUBSCRIPTION_AMOUNTS = "subscription_amounts"
NARROW_KINDS = frozenset({"lead_funnel", SUBSCRIPTION_AMOUNTS})
LEAD_FUNNEL = {"leads", "lead_funnel"}  # the KPIs that read leads as leads
# The KPIs that read of subscriptions only which accounts are customers on which days (MRR
# above zero), not how much they pay, and have no plan breakdown: a price change that keeps
# every paid day paid leaves them as they are. (A customer counts under its plan with the
# highest MRR, which a new price can change: the customer counts, computed with the MRR
# anyway, are recomputed.)
READS_ONLY_WHO_PAYS = frozenset({
    "cac", "seat_utilisation", "engagement_score", "time_to_first_value_days",
    "customers_new_attributed", "multi_touch_share", "touchpoints_per_new_customer",
    "referral_share", "activation_rate", "cohort_logo_retention",
})  # fmt: skip

ACCOUNT_LEVEL = {"subscriptions", "accounts", "leads", "exchange_rates"}
DEALS = {"deals", "leads", "exchange_rates"}
SPEND = {"spend", "exchange_rates"}

FUNNEL_KEYS = {
    "leads",
    "sqls",
    "opportunities",
    "lead_to_sql_rate",
    "sql_to_opportunity_rate",
    "opportunity_to_customer_rate",
    "lead_to_opportunity_rate",
    "lead_to_customer_rate",
}
_SECTION_INPUTS = {"1": ACCOUNT_LEVEL, "2": ACCOUNT_LEVEL}
_KEY_INPUTS: dict[str, set[str]] = {
    "clv": ACCOUNT_LEVEL,
    "ltv_revenue": ACCOUNT_LEVEL,
    "cac": SPEND | ACCOUNT_LEVEL,
    "clv_cac_ratio": SPEND | ACCOUNT_LEVEL,
    "cac_payback_months": SPEND | ACCOUNT_LEVEL,
    "marketing_spend": SPEND,
    "cost_per_lead": SPEND | LEAD_FUNNEL,
    "cost_per_order": SPEND | DEALS,
    "campaign_roi": SPEND | DEALS,
    "visits": {"traffic"},
    "visitor_to_lead_rate": {"traffic"} | LEAD_FUNNEL,
    "visitor_to_customer_rate": {"traffic"} | LEAD_FUNNEL,
    "nps": {"nps", "accounts", "leads"},
    "seat_utilisation": {"usage"} | ACCOUNT_LEVEL,
    "engagement_score": {"usage"} | ACCOUNT_LEVEL,
    "time_to_first_value_days": {"usage"} | ACCOUNT_LEVEL,
}
for _key in COHORT_KEYS:
    _KEY_INPUTS[_key] = {"subscriptions", "exchange_rates"}
# KPIS.md 7: the customers new in a month (subscriptions), their journeys (touchpoints of the
# account and its leads) and their own channel (accounts, leads); activation reads first values.
JOURNEYS = {"touchpoints"} | ACCOUNT_LEVEL
for _key in ("customers_new_attributed", "mrr_new_attributed", "multi_touch_share",
             "touchpoints_per_new_customer", "referral_share"):  # fmt: skip
    _KEY_INPUTS[_key] = JOURNEYS
_KEY_INPUTS["activation_rate"] = JOURNEYS | {"usage"}


def inputs_of(key: str) -> set[str]:
    """The data kinds a KPI reads (custom KPIs: their own values)."""
    kinds = _record_inputs(key)
    if "subscriptions" in kinds and key not in READS_ONLY_WHO_PAYS:
        return kinds | {SUBSCRIPTION_AMOUNTS}
    return kinds


def _record_inputs(key: str) -> set[str]:
    if key in _KEY_INPUTS:
        return _KEY_INPUTS[key]
    if key.startswith("custom_"):
        return {"custom_kpi_values"}
    section = next(k.section for k in KPIS if k.key == key)
    if section in _SECTION_INPUTS:
        return _SECTION_INPUTS[section]
    if key in FUNNEL_KEYS:
        return LEAD_FUNNEL
    return DEALS  # the deal KPIs of section 4


BUILT_IN_KEYS = [k.key for k in KPIS] + list(COHORT_KEYS)


def affected_keys(kinds: set[str], custom_keys: list[str]) -> set[str]:
    """Every KPI key that reads one of `kinds`."""
    return {key for key in [*BUILT_IN_KEYS, *custom_keys] if inputs_of(key) & kinds}


# The KPIs a change of subscriptions moves, whose value for a channel, campaign or country is
# made of the accounts of that value alone (KPIS.md 1-3, 5 and the shares of 7). Not these: the
# attributed KPIs (split by the touchpoints' channels) and the cohort cells (by age).
ACCOUNT_GROUPED = frozenset(
    key
    for key in affected_keys({"subscriptions"}, [])
    if key in KPI_BY_KEY
    and set(KPI_BY_KEY[key].dimensions) <= set(ACCOUNT_DIMENSIONS)
    and key not in ATTRIBUTED_KEYS
)


@dataclass(frozen=True)
class AccountGroups:
    """The channel, campaign and country of the accounts whose subscriptions changed, and the
    channels and campaigns of their journeys. Of the ACCOUNT_GROUPED KPIs only the totals, the
    plans and the accounts' own values can move, of the attributed KPIs only the total and the
    values their journeys credit (their touchpoints', or their own for a journey without any);
    of the plans, those the accounts had or have (`plans`; None: every plan). A recompute of
    such a change leaves the others out (and does not compare their stored snapshots)."""

    values: frozenset[tuple[str, str]]  # (dimension, value)
    touched: frozenset[tuple[str, str]] = frozenset()  # ("channel" or "campaign", value)
    plans: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        attributes: AccountAttributes,
        accounts: frozenset[int],
        touch_labels: Iterable[tuple[str, str]] = (),
        plans: Iterable[str] | None = None,
    ) -> AccountGroups:
        ids = sorted(accounts)
        own = frozenset(
            (dimension, label)
            for dimension in ACCOUNT_ATTRIBUTES
            for label in attributes.labels(dimension, ids)
        )
        implied = {(d, v) for d, v in own if d in TOUCHPOINT_DIMENSIONS}
        held = None if plans is None else frozenset(plans)
        return cls(own, frozenset(touch_labels) | implied, held)

    def covers(self, key: str, dimension: str, value: str) -> bool:
        """Whether the point (key, dimension, value) may have moved."""
        if key in ATTRIBUTED_KEYS:  # dimension "channel" or "channel:<model>", ...
            return not dimension or (dimension.partition(":")[0], value) in self.touched
        return key not in ACCOUNT_GROUPED or self.wants_group(dimension, value)

    def wants_group(self, dimension: str, value: str) -> bool:
        """Whether any ACCOUNT_GROUPED KPI's value of this group may have moved."""
        if not dimension:
            return True  # the totals
        if dimension == "plan":
            return self.plans is None or value in self.plans
        return (dimension, value) in self.values
