"""Drill-through: the records behind one KPI value (a period, optionally a dimension value),
each with its share, so that they add up to the value (KPIS.md definitions, record by record).

Account-level KPIs recompute the accounts' MRR at the period's month ends with the same exact
arithmetic as the engine (`mrr_states`); deal and lead KPIs are plain queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Q, QuerySet

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis.context import RATE_SCALE, Context
from kpiapp.kpis.dimensions import load_account_attributes, load_names
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.mrr_states import entity_grids, load_subscriptions
from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Account, Deal, Lead

# key -> (measure of a month, "flow" sums the months, "state" takes the last)
ACCOUNT_KPIS = {
    "mrr": ("end", "state"),
    "customers_active": ("n_end", "state"),
    "mrr_new": ("new", "flow"),
    "mrr_reactivation": ("react", "flow"),
    "mrr_expansion": ("exp", "flow"),
    "mrr_contraction": ("contr", "flow"),
    "mrr_churn": ("churn", "flow"),
    "customers_new": ("n_new", "flow"),
    "customers_reactivated": ("n_react", "flow"),
    "customers_churned": ("n_churn", "flow"),
}
DEAL_KPIS = {"deals_won": "won", "deals_lost": "lost", "pipeline_value": "open"}
DEAL_RATIOS = {"win_rate", "avg_deal_size", "sales_cycle_days"}
LEAD_KPIS = {"leads": "created_at", "sqls": "qualified_at", "opportunities": "opportunity_at"}
# cohort rates: (the step the cohort is narrowed to first, the step counted)
LEAD_RATES = {
    "lead_to_sql_rate": (None, "qualified_at"),
    "lead_to_opportunity_rate": (None, "opportunity_at"),
    "lead_to_customer_rate": (None, "converted_at"),
    "sql_to_opportunity_rate": ("qualified_at", "opportunity_at"),
    "opportunity_to_customer_rate": ("opportunity_at", "converted_at"),
}
SUPPORTED = set(ACCOUNT_KPIS) | set(DEAL_KPIS) | DEAL_RATIOS | set(LEAD_KPIS) | set(LEAD_RATES)


@dataclass(frozen=True)
class DrillRow:
    kind: str  # the data kind of the record (for its link)
    pk: int
    label: str
    amount: Fraction  # money in major units, days, or 1 for a count
    counted: bool = True  # part of the numerator (a ratio's records show both sides)


@dataclass(frozen=True)
class Drill:
    rows: list[DrillRow]
    total: Fraction  # the numerator: the counted rows' amounts
    money: bool
    denominator: Fraction | None = None  # ratios and means: value = total / denominator

    @property
    def value(self) -> Fraction | None:
        if self.denominator is None:
            return self.total
        return self.total / self.denominator if self.denominator else None


def drill(
    *,
    workspace: Workspace,
    key: str,
    period: Period,
    dimension: str = "",
    value: str = "",
    today: date | None = None,
) -> Drill:
    if key in ACCOUNT_KPIS:
        return _accounts(workspace, key, period, dimension, value, today)
    if key in DEAL_KPIS:
        return _deals(workspace, key, period, dimension, value, today)
    if key in DEAL_RATIOS:
        return _deal_ratio(workspace, key, period, dimension, value, today)
    if key in LEAD_KPIS:
        return _leads(key, period, dimension, value, build_context(workspace, today=today).today)
    if key in LEAD_RATES:
        return _lead_rate(
            key, period, dimension, value, build_context(workspace, today=today).today
        )
    raise KeyError(key)


def _classify(m0: int, m1: int, had_before: bool) -> dict[str, int]:
    gained = m0 == 0 < m1
    return {
        "end": m1,
        "n_end": int(m1 > 0),
        "new": m1 if gained and not had_before else 0,
        "react": m1 if gained and had_before else 0,
        "exp": m1 - m0 if 0 < m0 < m1 else 0,
        "contr": m0 - m1 if 0 < m1 < m0 else 0,
        "churn": m0 if m0 > 0 == m1 else 0,
        "n_new": int(gained and not had_before),
        "n_react": int(gained and had_before),
        "n_churn": int(m0 > 0 == m1),
    }


def _accounts(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    context = build_context(workspace, today=today)
    rows = load_subscriptions(workspace_id=workspace.id)
    boundaries = context.boundaries()
    grids = entity_grids(rows, rows.account, len(rows.account_ids), boundaries)
    measure, kind = ACCOUNT_KPIS[key]
    months = [m for m in period.months if context.first_month <= m <= context.last_month]
    if kind == "state":
        months = months[-1:]
    keep = _account_filter(workspace, rows.account_ids, dimension, value)
    totals: dict[int, int] = {}
    for month in months:
        k = month - context.first_month
        for i in np.flatnonzero(keep):
            m0 = _converted(context, rows, grids.grids, i, k, month)
            m1 = _converted(context, rows, grids.grids, i, k + 1, month)
            if not (m0 or m1):
                continue
            had_before = bool(grids.first_active[i] <= boundaries[k])
            amount = _classify(m0, m1, had_before)[measure]
            if amount:
                totals[i] = totals.get(i, 0) + amount
    scale = rows.unit_denominator * RATE_SCALE * 100
    counting = measure.startswith("n_")
    names = dict(Account.objects.filter(pk__in=[rows.account_ids[i] for i in totals])
                 .values_list("pk", "name"))  # fmt: skip
    result = [
        DrillRow(
            "accounts",
            rows.account_ids[i],
            names.get(rows.account_ids[i], ""),
            Fraction(amount) if counting else Fraction(amount, scale),
        )
        for i, amount in totals.items()
    ]
    result.sort(key=lambda r: (-r.amount, r.label))
    return Drill(result, sum((r.amount for r in result), Fraction(0)), not counting)


def _converted(context: Context, rows, grids, i: int, j: int, month: int) -> int:
    total = 0
    for code, grid in enumerate(grids):
        native = int(grid[i, j])
        if native:
            total += native * (context.rates.get(rows.currencies[code], month) or 0)
    return total


def _account_filter(
    workspace: Workspace, account_ids: list[int], dimension: str, value: str
) -> np.ndarray:
    if not dimension:
        return np.ones(len(account_ids), dtype=bool)
    if dimension not in ("channel", "campaign", "country"):
        raise KeyError(dimension)
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    return np.array([v == value for v in attributes.labels(dimension, account_ids)], dtype=bool)


def _deal_filter(deals: QuerySet[Deal], dimension: str, value: str) -> QuerySet[Deal]:
    if not dimension:
        return deals
    if dimension in ("owner", "kind"):
        return deals.filter(**{dimension: value})
    if dimension in ("channel", "campaign"):
        own = Q(**{f"{dimension}__name": value}) if value else Q(**{f"{dimension}__isnull": True})
        from_lead = Q(**{f"{dimension}__isnull": True, f"lead__{dimension}__name": value})
        if not value:
            return deals.filter(own & Q(**{f"lead__{dimension}__isnull": True}))
        return deals.filter(own | from_lead)
    raise KeyError(dimension)


def _lead_filter(leads: QuerySet[Lead], dimension: str, value: str) -> QuerySet[Lead]:
    """Leads of one channel or campaign value ("" = none); other breakdowns do not apply."""
    if not dimension:
        return leads
    if dimension not in ("channel", "campaign"):
        raise KeyError(dimension)
    field = f"{dimension}__name" if value else f"{dimension}__isnull"
    return leads.filter(**{field: value or True})


def _deals(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    context = build_context(workspace, today=today)
    deals = _deal_filter(Deal.objects.all(), dimension, value)
    if key == "pipeline_value":
        end = context.month_end_day(min(period.last_month, context.last_month))
        deals = deals.filter(created_at__lte=end, amount_cents__isnull=False).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=end)
        )
        month = min(period.last_month, context.last_month)
        rows = [
            DrillRow(
                "deals",
                d.pk,
                d.name or d.external_id,
                Fraction(
                    d.amount_cents * (context.rates.get(d.currency, month) or 0), RATE_SCALE * 100
                ),
            )
            for d in deals.only("pk", "name", "external_id", "amount_cents", "currency")
        ]
        rows.sort(key=lambda r: (-r.amount, r.label))
        return Drill(rows, sum((r.amount for r in rows), Fraction(0)), True)
    closed = deals.filter(
        stage=DEAL_KPIS[key],
        closed_at__gte=period.start,
        closed_at__lte=min(period.end, context.today),
    ).only("pk", "name", "external_id")
    rows = [DrillRow("deals", d.pk, d.name or d.external_id, Fraction(1)) for d in closed]
    rows.sort(key=lambda r: r.label)
    return Drill(rows, Fraction(len(rows)), False)


def _leads(key: str, period: Period, dimension: str, value: str, today: date) -> Drill:
    column = LEAD_KPIS[key]
    end = min(period.end, today)
    leads = Lead.objects.filter(**{f"{column}__gte": period.start, f"{column}__lte": end})
    leads = _lead_filter(leads, dimension, value)
    rows = [
        DrillRow("leads", lead.pk, lead.email_or_company or lead.external_id, Fraction(1))
        for lead in leads.only("pk", "email_or_company", "external_id").order_by("external_id")
    ]
    return Drill(rows, Fraction(len(rows)), False)


def _deal_ratio(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """win_rate: new and expansion deals closed in P, the won ones counted; avg_deal_size and
    sales_cycle_days: the won ones with their amount or days (KPIS.md section 4)."""
    context = build_context(workspace, today=today)
    deals = _deal_filter(Deal.objects.all(), dimension, value).filter(
        kind__in=("new", "expansion"),
        closed_at__gte=period.start,
        closed_at__lte=min(period.end, context.today),
    )
    fields = ("pk", "name", "external_id", "stage", "amount_cents", "currency", "created_at",
              "closed_at")  # fmt: skip
    if key == "win_rate":
        rows = [
            DrillRow("deals", d.pk, d.name or d.external_id, Fraction(1), d.stage == "won")
            for d in deals.filter(stage__in=("won", "lost")).only(*fields)
        ]
        rows.sort(key=lambda r: (not r.counted, r.label))
        return Drill(rows, Fraction(sum(r.counted for r in rows)), False, Fraction(len(rows)))
    won = deals.filter(stage="won")
    if key == "avg_deal_size":
        rows = []
        for d in won.filter(amount_cents__isnull=False).only(*fields):
            rate = context.rates.get(d.currency, month_index(d.closed_at)) or 0
            rows.append(DrillRow("deals", d.pk, d.name or d.external_id,
                                 Fraction(d.amount_cents * rate, RATE_SCALE * 100)))  # fmt: skip
    else:
        rows = [
            DrillRow(
                "deals", d.pk, d.name or d.external_id, Fraction((d.closed_at - d.created_at).days)
            )
            for d in won.filter(created_at__isnull=False).only(*fields)
        ]
    rows.sort(key=lambda r: (-r.amount, r.label))
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, key == "avg_deal_size", Fraction(len(rows)))


def _lead_rate(key: str, period: Period, dimension: str, value: str, today: date) -> Drill:
    """The cohort of leads created in P (narrowed to those that reached the first step), the
    ones that reached the counted step by today counted."""
    narrowed, counted = LEAD_RATES[key]
    leads = Lead.objects.filter(
        created_at__gte=period.start, created_at__lte=min(period.end, today)
    )
    if narrowed:
        leads = leads.filter(**{f"{narrowed}__lte": today})
    leads = _lead_filter(leads, dimension, value)
    rows = []
    for lead in leads.only("pk", "email_or_company", "external_id", counted).order_by(
        "external_id"
    ):
        reached = getattr(lead, counted)
        rows.append(DrillRow("leads", lead.pk, lead.email_or_company or lead.external_id,
                             Fraction(1), reached is not None and reached <= today))  # fmt: skip
    rows.sort(key=lambda r: (not r.counted, r.label))
    return Drill(rows, Fraction(sum(r.counted for r in rows)), False, Fraction(len(rows)))
