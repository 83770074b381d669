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
from kpiapp.models import (
    Account,
    CustomKpi,
    CustomKpiValue,
    Deal,
    Lead,
    NpsResponse,
    Spend,
    Traffic,
)  # fmt: skip

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
# Two-ends rates (KPIS.md section 2): each account active at the start of P, with m0 and m1 at
# the rates of P's last month; key -> its contribution to the numerator (money rates divide by
# the summed m0, customer rates by the number of accounts).
TWO_ENDS = {
    "customer_churn_rate": lambda m0, m1: int(m1 == 0),
    "customer_retention_rate": lambda m0, m1: int(m1 > 0),
    "mrr_churn_rate": lambda m0, m1: m0 if m1 == 0 else 0,
    "gross_mrr_churn_rate": lambda m0, m1: max(0, m0 - m1),
    "net_mrr_churn_rate": lambda m0, m1: m0 - m1,
    "nrr": lambda m0, m1: m1,
    "grr": lambda m0, m1: min(m0, m1),
}
COUNTED_TWO_ENDS = {"customer_churn_rate", "customer_retention_rate"}
# Spend over a count: key -> (spend categories, the KPI whose records are the denominator)
SPEND_RATIOS = {
    "cac": (("marketing", "sales"), "customers_new"),
    "cost_per_lead": (("marketing",), "leads"),
    "cost_per_order": (("marketing", "sales"), "deals_won"),
}
OTHER_KPIS = {"arpa", "nps", "visits"}
SUPPORTED = (
    set(ACCOUNT_KPIS) | set(DEAL_KPIS) | DEAL_RATIOS | set(LEAD_KPIS) | set(LEAD_RATES)
    | set(TWO_ENDS) | set(SPEND_RATIOS) | OTHER_KPIS
)  # fmt: skip


def drillable(key: str) -> bool:
    """Built-in KPIs listed above, and every custom KPI (its entered months)."""
    return key in SUPPORTED or key.startswith("custom_")


@dataclass(frozen=True)
class DrillRow:
    kind: str  # the data kind of the record (for its link)
    pk: int
    label: str
    amount: Fraction  # money in major units, days, or 1 for a count
    counted: bool = True  # part of the numerator (a ratio's records show both sides)
    base: Fraction | None = None  # the record's share of the denominator, where it has one


@dataclass(frozen=True)
class Drill:
    rows: list[DrillRow]
    total: Fraction  # the numerator: the counted rows' amounts
    money: bool
    denominator: Fraction | None = None  # ratios and means: value = total / denominator
    unit: str = ""  # how a row's amount reads, when neither money nor a count
    base_money: bool = False  # the rows have a money `base` (e.g. MRR at the start)
    denominator_key: str = ""  # the KPI whose records make up the denominator

    @property
    def marked(self) -> bool:
        """Some records are shown but not counted (a ratio's denominator side)."""
        return any(not r.counted for r in self.rows)

    @property
    def row_unit(self) -> str:
        return self.unit or ("money" if self.money else "count")

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
    handler = next((h for keys, h in _HANDLERS if key in keys), None)
    if handler is None and key.startswith("custom_"):
        handler = _custom
    if handler is None:
        raise KeyError(key)
    return handler(workspace, key, period, dimension, value, today)


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


def _leads(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    column = LEAD_KPIS[key]
    today = build_context(workspace, today=today).today
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


def _lead_rate(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """The cohort of leads created in P (narrowed to those that reached the first step), the
    ones that reached the counted step by today counted."""
    narrowed, counted = LEAD_RATES[key]
    today = build_context(workspace, today=today).today
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


def _custom(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """The months entered for the period; a "last" KPI counts only the latest of them."""
    if dimension:
        raise KeyError(dimension)
    today = build_context(workspace, today=today).today
    kpi = CustomKpi.objects.get(key=key)
    entered = CustomKpiValue.objects.filter(
        kpi=kpi, month__gte=period.start, month__lte=min(period.end, today)
    ).order_by("month")
    rows = [
        DrillRow("custom_kpi_values", v.pk, f"{v.month:%Y-%m}", Fraction(v.value))
        for v in entered.only("pk", "month", "value")
    ]
    unit = {"money": "money", "days": "days", "percent": "percent"}.get(kpi.unit, "number")
    if kpi.aggregation == "last" and rows:
        rows = [DrillRow(r.kind, r.pk, r.label, r.amount, r is rows[-1]) for r in rows]
        return Drill(rows, rows[-1].amount, kpi.unit == "money", Fraction(1), unit)
    total = sum((r.amount for r in rows), Fraction(0))
    count = Fraction(len(rows)) if kpi.aggregation == "mean" else None
    return Drill(rows, total, kpi.unit == "money", count, unit)


def _two_ends(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    context = build_context(workspace, today=today)
    rows = load_subscriptions(workspace_id=workspace.id)
    boundaries = context.boundaries()
    grids = entity_grids(rows, rows.account, len(rows.account_ids), boundaries).grids
    first = max(period.first_month, context.first_month)
    last = min(period.last_month, context.last_month)
    j0, j1 = first - context.first_month, last - context.first_month + 1
    keep = _account_filter(workspace, rows.account_ids, dimension, value)
    share = TWO_ENDS[key]
    counting = key in COUNTED_TWO_ENDS
    found = []
    for i in np.flatnonzero(keep):
        m0 = _converted(context, rows, grids, i, j0, last)
        if m0 > 0:
            found.append((i, m0, share(m0, _converted(context, rows, grids, i, j1, last))))
    names = dict(Account.objects.filter(pk__in=[rows.account_ids[i] for i, _, _ in found])
                 .values_list("pk", "name"))  # fmt: skip
    scale = rows.unit_denominator * RATE_SCALE * 100
    result = [
        DrillRow(
            "accounts",
            rows.account_ids[i],
            names.get(rows.account_ids[i], ""),
            Fraction(part) if counting else Fraction(part, scale),
            part != 0,
            None if counting else Fraction(m0, scale),
        )
        for i, m0, part in found
    ]
    result.sort(key=lambda r: (not r.counted, -abs(r.amount), r.label))
    total = sum((r.amount for r in result), Fraction(0))
    if counting:
        return Drill(result, total, False, Fraction(len(result)))
    start = sum((r.base for r in result if r.base is not None), Fraction(0))
    return Drill(result, total, True, start, base_money=True)


def _spend_ratio(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """The spend rows of P (in the KPI's categories), over the count of the denominator KPI's
    records for the same period and breakdown."""
    if dimension and dimension not in ("channel", "campaign"):
        raise KeyError(dimension)
    context = build_context(workspace, today=today)
    categories, denominator_key = SPEND_RATIOS[key]
    spend = Spend.objects.filter(
        category__in=categories, month__gte=period.start, month__lte=min(period.end, context.today)
    ).select_related("channel", "campaign")
    if dimension:
        field = f"{dimension}__name" if value else f"{dimension}__isnull"
        spend = spend.filter(**{field: value or True})
    rows = []
    for s in spend:
        rate = context.rates.get(s.currency, month_index(s.month)) or 0
        label = " · ".join(x for x in (f"{s.month:%Y-%m}", s.channel.name if s.channel else "",
                                       s.campaign.name if s.campaign else "",
                                       s.get_category_display()) if x)  # fmt: skip
        rows.append(DrillRow("spend", s.pk, label, Fraction(s.amount_cents * rate,
                                                          RATE_SCALE * 100)))  # fmt: skip
    rows.sort(key=lambda r: (-r.amount, r.label))
    count = drill(workspace=workspace, key=denominator_key, period=period, dimension=dimension,
                  value=value, today=context.today).total  # fmt: skip
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, True, count, denominator_key=denominator_key)


def _nps(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """The answers of P: a promoter adds 100, a detractor takes 100, over the answers."""
    context = build_context(workspace, today=today)
    answers = NpsResponse.objects.filter(
        responded_at__gte=period.start, responded_at__lte=min(period.end, context.today)
    ).select_related("account")
    if dimension:
        if dimension not in ("channel", "campaign", "country"):
            raise KeyError(dimension)
        answers = list(answers)
        ids = [a.account_id for a in answers]
        keep = _account_filter(workspace, ids, dimension, value)
        answers = [a for a, kept in zip(answers, keep, strict=True) if kept]
    rows = []
    for a in answers:
        points = 100 if a.score >= 9 else -100 if a.score <= 6 else 0
        label = f"{a.responded_at:%Y-%m-%d} · {a.account.name if a.account else ''} · {a.score}"
        rows.append(DrillRow("nps", a.pk, label.replace(" ·  · ", " · "), Fraction(points),
                             points != 0))  # fmt: skip
    rows.sort(key=lambda r: (-r.amount, r.label))
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, False, Fraction(len(rows)), unit="count")


def _visits(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """The traffic rows (days or whole months) of P, by the channel they came from."""
    today = build_context(workspace, today=today).today
    if dimension and dimension != "channel":
        raise KeyError(dimension)
    traffic = Traffic.objects.filter(month__gte=period.start, month__lte=period.end).select_related(
        "channel"
    )
    if dimension:
        traffic = traffic.filter(channel__name=value)
    rows = [
        DrillRow(
            "traffic", t.pk, f"{t.day or t.month:%Y-%m-%d} · {t.channel.name}", Fraction(t.visits)
        )
        for t in traffic
        if (t.day or t.month) <= today
    ]
    rows.sort(key=lambda r: r.label)
    return Drill(rows, sum((r.amount for r in rows), Fraction(0)), False)


def _arpa(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, today: date | None
) -> Drill:
    """MRR at the end of P over the accounts that have it."""
    mrr = _accounts(workspace, "mrr", period, dimension, value, today)
    return Drill(mrr.rows, mrr.total, True, Fraction(len(mrr.rows)))


_HANDLERS = (
    (ACCOUNT_KPIS, _accounts),
    (DEAL_KPIS, _deals),
    (DEAL_RATIOS, _deal_ratio),
    (LEAD_KPIS, _leads),
    (LEAD_RATES, _lead_rate),
    (TWO_ENDS, _two_ends),
    ({"arpa"}, _arpa),
    (SPEND_RATIOS, _spend_ratio),
    ({"nps"}, _nps),
    ({"visits"}, _visits),
)
