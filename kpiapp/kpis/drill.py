"""Drill-through: the records behind one KPI value (a period, optionally a dimension value),
each with its share, so that they add up to the value (KPIS.md definitions, record by record).

Account-level KPIs recompute the accounts' MRR at the period's month ends with the same exact
arithmetic as the engine (`mrr_states`); deal and lead KPIs are plain queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Min, Q, QuerySet
from django.utils.translation import gettext_lazy as _

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis.context import RATE_SCALE, Context, from_day_number
from kpiapp.kpis.dimensions import load_account_attributes, load_names
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.mrr_states import (
    EntityGrids,
    RowScope,
    SubscriptionRows,
    classify_movements,
    entity_grids,
    load_subscriptions,
)
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.pipeline import STAGES, load_deals, stage_segments
from kpiapp.models import (
    Account,
    CustomKpi,
    CustomKpiValue,
    Deal,
    DealStage,
    Lead,
    NpsResponse,
    Spend,
    Traffic,
    Usage,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation

_T = TypeVar("_T")


def _present(value: _T | None) -> _T:
    """A nullable column of a row the query filtered to the rows that have it."""
    if value is None:
        raise ValueError("the query left out rows without this value")
    return value


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
    "mrr_net_new": ("net", "flow"),
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
MORE_KPIS = {
    "arr",
    "mrr_growth_rate",
    "mrr_pending_churn",
    "mrr_fx_impact",
    "quick_ratio",
    "services_revenue",
    "campaign_roi",
    "visitor_to_lead_rate",
    "visitor_to_customer_rate",
    "weighted_pipeline",
    "seat_utilisation",
    "engagement_score",
    "time_to_first_value_days",
}
# Not drilled: clv, ltv_revenue, clv_cac_ratio and cac_payback_months divide by a mean of
# monthly churn rates or by MRR times the gross margin; their inputs have records of their own.
MRR_AT_START = _("MRR at the start")
LOSSES = _("Churn and contraction")
GAINS = _("New, reactivation and expansion")
DEAL_AMOUNT = _("Deal amount")
WEIGHTED = _("Weighted by its stage")
SEATS = _("Seats")
SPEND = _("Spend")
ACTIVE_USERS = _("Active users")
SCORE = _("Score")
SUPPORTED = (
    set(ACCOUNT_KPIS)
    | set(DEAL_KPIS)
    | DEAL_RATIOS
    | set(LEAD_KPIS)
    | set(LEAD_RATES)
    | set(TWO_ENDS)
    | set(SPEND_RATIOS)
    | OTHER_KPIS
    | MORE_KPIS
)


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
    base_label: StrOrPromise = (
        ""  # the rows' `base` column (e.g. "MRR at the start"), when they have one
    )
    base_unit: str = "money"
    amount_label: StrOrPromise = (
        ""  # the amount column's heading, when the generic one does not fit
    )
    denominator_key: str = ""  # the KPI whose records make up the denominator

    @property
    def base_total(self) -> Fraction:
        return sum((r.base for r in self.rows if r.base is not None), Fraction(0))

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
    scope: RowScope | None = None,
) -> Drill:
    """`scope`: a segment's subscription rows (`kpis/segment_run.py`), for the movements'
    account records only (they add up to the segment's movement)."""
    handler = _handler(key)
    context = build_context(workspace, today=today)
    if scope is not None:
        if handler not in (_accounts, _fx_impact):
            raise KeyError(key)
        return handler(workspace, key, period, dimension, value, context, scope=scope)
    return handler(workspace, key, period, dimension, value, context)


def _handler(key: str) -> Callable[..., Drill]:
    handler = next((h for keys, h in _HANDLERS if key in keys), None)
    if handler is None and key.startswith("custom_"):
        handler = _custom
    if handler is None:
        raise KeyError(key)
    return handler


@dataclass
class _Accounts:
    """The accounts' MRR at every state point, as the engine holds it (native units)."""

    context: Context
    rows: SubscriptionRows
    grids: EntityGrids
    boundaries: np.ndarray
    keep: np.ndarray  # the accounts of the asked breakdown

    @property
    def scale(self) -> int:  # native units -> major units of the workspace currency
        return self.rows.unit_denominator * RATE_SCALE * 100

    def mrr(self, i: int, point: int, rate_month: int, pending: EntityGrids | None = None) -> int:
        """Account i's MRR at state point `point`, at the rates of `rate_month`."""
        return _converted(
            self.context, self.rows, (pending or self.grids).grids, i, point, rate_month
        )

    def rows_of(
        self,
        amounts: dict[int, Fraction],
        base: dict[int, Fraction] | None = None,
        *,
        all_counted: bool = False,
    ) -> list[DrillRow]:
        """Account rows (by index) with their amounts; counted unless 0 (or all of them)."""
        ids = [self.rows.account_ids[i] for i in amounts]
        names = dict(Account.objects.filter(pk__in=ids).values_list("pk", "name"))
        result = [
            DrillRow(
                "accounts",
                self.rows.account_ids[i],
                names.get(self.rows.account_ids[i], ""),
                amount,
                all_counted or amount != 0,
                (base or {}).get(i),
            )
            for i, amount in amounts.items()
        ]
        result.sort(key=lambda r: (not r.counted, -abs(r.amount), r.label))
        return result


def _load_accounts(
    workspace: Workspace,
    dimension: str,
    value: str,
    context: Context,
    scope: RowScope | None = None,
) -> _Accounts:
    rows = load_subscriptions(workspace_id=workspace.id)
    if scope is not None:
        rows = scope.apply(rows)
    boundaries = context.boundaries()
    grids = entity_grids(rows, rows.account, len(rows.account_ids), boundaries)
    keep = _account_filter(workspace, rows.account_ids, dimension, value)
    return _Accounts(context, rows, grids, boundaries, keep)


def _monthly(
    state: _Accounts, period: Period, measures: tuple[str, ...], last_only: bool
) -> dict[int, dict[str, int]]:
    """Per account (index), the section 1 flows and states of P's months, summed."""
    context = state.context
    months = [m for m in period.months if context.first_month <= m <= context.last_month]
    if last_only:
        months = months[-1:]
    totals: dict[int, dict[str, int]] = {}
    kept = np.flatnonzero(state.keep)
    for month in months:
        k = month - context.first_month
        m0 = np.array([state.mrr(i, k, month) for i in kept.tolist()], dtype=np.object_)
        m1 = np.array([state.mrr(i, k + 1, month) for i in kept.tolist()], dtype=np.object_)
        had_before = state.grids.first_active[kept] <= state.boundaries[k]
        flows = classify_movements(m0, m1, had_before)
        flows["net"] = m1 - m0  # new + reactivation + expansion − contraction − churn
        for j in np.flatnonzero((m0 != 0) | (m1 != 0)):
            sums = totals.setdefault(int(kept[j]), dict.fromkeys(measures, 0))
            for name in measures:
                sums[name] += int(flows[name][j])
    return totals


def _accounts(
    workspace: Workspace,
    key: str,
    period: Period,
    dimension: str,
    value: str,
    context: Context,
    scope: RowScope | None = None,
) -> Drill:
    state = _load_accounts(workspace, dimension, value, context, scope)
    measure, kind = ACCOUNT_KPIS[key]
    counting = measure.startswith("n_")
    totals = _monthly(state, period, (measure,), kind == "state")
    amounts = {
        i: Fraction(t[measure]) if counting else Fraction(t[measure], state.scale)
        for i, t in totals.items()
        if t[measure]
    }
    result = state.rows_of(amounts)
    result.sort(key=lambda r: (-r.amount, r.label))
    return Drill(result, sum((r.amount for r in result), Fraction(0)), not counting)


def _converted(
    context: Context, rows: SubscriptionRows, grids: list[np.ndarray], i: int, j: int, month: int
) -> int:
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
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
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
                    _present(d.amount_cents) * (context.rates.get(d.currency, month) or 0),
                    RATE_SCALE * 100,
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
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    column = LEAD_KPIS[key]
    today = context.today
    end = min(period.end, today)
    leads = Lead.objects.filter(**{f"{column}__gte": period.start, f"{column}__lte": end})
    leads = _lead_filter(leads, dimension, value)
    rows = [
        DrillRow("leads", lead.pk, lead.email_or_company or lead.external_id, Fraction(1))
        for lead in leads.only("pk", "email_or_company", "external_id").order_by("external_id")
    ]
    return Drill(rows, Fraction(len(rows)), False)


def _deal_ratio(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """win_rate: new and expansion deals closed in P, the won ones counted; avg_deal_size and
    sales_cycle_days: the won ones with their amount or days (KPIS.md section 4)."""
    deals = _deal_filter(Deal.objects.all(), dimension, value).filter(
        kind__in=("new", "expansion"),
        closed_at__gte=period.start,
        closed_at__lte=min(period.end, context.today),
    )
    fields = (
        "pk",
        "name",
        "external_id",
        "stage",
        "amount_cents",
        "currency",
        "created_at",
        "closed_at",
    )
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
            rate = context.rates.get(d.currency, month_index(_present(d.closed_at))) or 0
            rows.append(
                DrillRow(
                    "deals",
                    d.pk,
                    d.name or d.external_id,
                    Fraction(_present(d.amount_cents) * rate, RATE_SCALE * 100),
                )
            )
    else:
        rows = [
            DrillRow(
                "deals",
                d.pk,
                d.name or d.external_id,
                Fraction((_present(d.closed_at) - _present(d.created_at)).days),
            )
            for d in won.filter(created_at__isnull=False).only(*fields)
        ]
    rows.sort(key=lambda r: (-r.amount, r.label))
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, key == "avg_deal_size", Fraction(len(rows)))


def _lead_rate(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The cohort of leads created in P: those that reached the counted step by today are
    counted, over those that reached the first step (all of the cohort when there is none).
    A lead that skipped the first step is listed and counted, as the definition counts it."""
    narrowed, counted = LEAD_RATES[key]
    today = context.today
    leads = Lead.objects.filter(
        created_at__gte=period.start, created_at__lte=min(period.end, today)
    )
    if narrowed:
        leads = leads.filter(Q(**{f"{narrowed}__lte": today}) | Q(**{f"{counted}__lte": today}))
    leads = _lead_filter(leads, dimension, value)
    rows, base = [], 0
    fields = (
        "pk",
        "email_or_company",
        "external_id",
        "created_at",
        counted,
        *([narrowed] if narrowed else []),
    )
    for lead in leads.only(*fields).order_by("external_id"):
        reached = getattr(lead, counted)
        first = getattr(lead, narrowed) if narrowed else lead.created_at
        base += first is not None and first <= today
        rows.append(
            DrillRow(
                "leads",
                lead.pk,
                lead.email_or_company or lead.external_id,
                Fraction(1),
                reached is not None and reached <= today,
            )
        )
    rows.sort(key=lambda r: (not r.counted, r.label))
    return Drill(rows, Fraction(sum(r.counted for r in rows)), False, Fraction(base))


def _custom(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The months entered for the period; a "last" KPI counts only the latest of them."""
    if dimension:
        raise KeyError(dimension)
    today = context.today
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
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    state = _load_accounts(workspace, dimension, value, context)
    context = state.context
    first = max(period.first_month, context.first_month)
    last = min(period.last_month, context.last_month)
    j0, j1 = first - context.first_month, last - context.first_month + 1
    share = TWO_ENDS[key]
    counting = key in COUNTED_TWO_ENDS
    amounts, base = {}, {}
    for i in np.flatnonzero(state.keep).tolist():  # as ints
        m0 = state.mrr(i, j0, last)
        if m0 > 0:
            part = share(m0, state.mrr(i, j1, last))
            amounts[i] = Fraction(part) if counting else Fraction(part, state.scale)
            base[i] = Fraction(m0, state.scale)
    result = state.rows_of(amounts, None if counting else base)
    total = sum((r.amount for r in result), Fraction(0))
    if counting:
        return Drill(result, total, False, Fraction(len(result)))
    return Drill(result, total, True, sum(base.values(), Fraction(0)), base_label=MRR_AT_START)


def _spend_rows(
    context: Context, categories: tuple[str, ...], period: Period, dimension: str, value: str
) -> list[DrillRow]:
    """The spend rows of P in `categories` at the rates of their month."""
    if dimension and dimension not in ("channel", "campaign"):
        raise KeyError(dimension)
    spend = Spend.objects.filter(
        category__in=categories, month__gte=period.start, month__lte=min(period.end, context.today)
    ).select_related("channel", "campaign")
    if dimension:
        field = f"{dimension}__name" if value else f"{dimension}__isnull"
        spend = spend.filter(**{field: value or True})
    rows = []
    for s in spend:
        rate = context.rates.get(s.currency, month_index(s.month)) or 0
        parts = (
            f"{s.month:%Y-%m}",
            s.channel.name if s.channel else "",
            s.campaign.name if s.campaign else "",
            s.get_category_display(),
        )
        rows.append(
            DrillRow(
                "spend",
                s.pk,
                " · ".join(x for x in parts if x),
                Fraction(s.amount_cents * rate, RATE_SCALE * 100),
            )
        )
    rows.sort(key=lambda r: (-r.amount, r.label))
    return rows


def _spend_ratio(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The spend rows of P (in the KPI's categories), over the count of the denominator KPI's
    records for the same period and breakdown."""
    categories, denominator_key = SPEND_RATIOS[key]
    rows = _spend_rows(context, categories, period, dimension, value)
    count = _handler(denominator_key)(
        workspace, denominator_key, period, dimension, value, context
    ).total
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, True, count, denominator_key=denominator_key)


def _nps(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The answers of P: a promoter adds 100, a detractor takes 100, over the answers."""
    answers: Iterable[NpsResponse] = NpsResponse.objects.filter(
        responded_at__gte=period.start, responded_at__lte=min(period.end, context.today)
    ).select_related("account")
    if dimension:
        if dimension not in ("channel", "campaign", "country"):
            raise KeyError(dimension)
        listed = list(answers)
        ids = [a.account_id for a in listed]
        keep = _account_filter(workspace, ids, dimension, value)
        answers = [a for a, kept in zip(listed, keep, strict=True) if kept]
    rows = []
    for a in answers:
        points = 100 if a.score >= 9 else -100 if a.score <= 6 else 0
        label = f"{a.responded_at:%Y-%m-%d} · {a.account.name if a.account else ''} · {a.score}"
        rows.append(
            DrillRow("nps", a.pk, label.replace(" ·  · ", " · "), Fraction(points), points != 0)
        )
    rows.sort(key=lambda r: (-r.amount, r.label))
    total = sum((r.amount for r in rows), Fraction(0))
    return Drill(rows, total, False, Fraction(len(rows)), unit="count")


def _visits(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The traffic rows (days or whole months) of P, by the channel they came from."""
    today = context.today
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
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """MRR at the end of P over the accounts that have it."""
    mrr = _accounts(workspace, "mrr", period, dimension, value, context)
    return Drill(mrr.rows, mrr.total, True, Fraction(len(mrr.rows)))


def _arr(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    mrr = _accounts(workspace, "mrr", period, dimension, value, context)
    rows = [DrillRow(r.kind, r.pk, r.label, 12 * r.amount) for r in mrr.rows]
    return Drill(rows, 12 * mrr.total, True)


def _growth(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """MRR at the end of P's last month against the end of the month before P, each at its own
    month's rates."""
    state = _load_accounts(workspace, dimension, value, context)
    first_month = state.context.first_month
    last = min(period.last_month, state.context.last_month)
    before = period.first_month - 1
    amounts, base = {}, {}
    for i in np.flatnonzero(state.keep).tolist():  # as ints
        end = state.mrr(i, last - first_month + 1, last)
        start = state.mrr(i, before - first_month + 1, before) if before >= first_month else 0
        if end or start:
            amounts[i] = Fraction(end - start, state.scale)
            base[i] = Fraction(start, state.scale)
    rows = state.rows_of(amounts, base)
    total = sum(amounts.values(), Fraction(0))
    return Drill(rows, total, True, sum(base.values(), Fraction(0)), base_label=MRR_AT_START)


def _pending_churn(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """At the end of P's last month: the MRR of rows whose notice is given but not yet over."""
    state = _load_accounts(workspace, dimension, value, context)
    rows = state.rows
    pending = entity_grids(
        rows, rows.account, len(rows.account_ids), state.boundaries, pending=True
    )
    last = min(period.last_month, state.context.last_month)
    point = last - state.context.first_month + 1
    amounts = {}
    for i in np.flatnonzero(state.keep).tolist():  # as ints
        if amount := state.mrr(i, point, last, pending):
            amounts[i] = Fraction(amount, state.scale)
    result = state.rows_of(amounts)
    return Drill(result, sum(amounts.values(), Fraction(0)), True)


def _fx_impact(
    workspace: Workspace,
    key: str,
    period: Period,
    dimension: str,
    value: str,
    context: Context,
    scope: RowScope | None = None,
) -> Drill:
    """Per month of P: each account's MRR at the month's start, at this month's rates less at
    last month's."""
    state = _load_accounts(workspace, dimension, value, context, scope)
    context = state.context
    amounts: dict[int, Fraction] = {}
    for month in period.months:
        if not context.first_month <= month <= context.last_month:
            continue
        k = month - context.first_month
        for i in np.flatnonzero(state.keep).tolist():  # as ints
            now = state.mrr(i, k, month)
            before = state.mrr(i, k, month - 1) if k else 0
            if now != before:
                amounts[i] = amounts.get(i, Fraction(0)) + Fraction(now - before, state.scale)
    result = state.rows_of({i: a for i, a in amounts.items() if a})
    return Drill(result, sum(amounts.values(), Fraction(0)), True)


def _quick_ratio(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """Per account, P's gains (new, reactivation, expansion) over its losses (churn,
    contraction)."""
    state = _load_accounts(workspace, dimension, value, context)
    totals = _monthly(state, period, ("new", "react", "exp", "churn", "contr"), False)
    gains = {i: Fraction(t["new"] + t["react"] + t["exp"], state.scale) for i, t in totals.items()}
    losses = {i: Fraction(t["churn"] + t["contr"], state.scale) for i, t in totals.items()}
    moved = {i: gains[i] for i in totals if gains[i] or losses[i]}
    rows = state.rows_of(moved, losses)
    return Drill(
        rows,
        sum(gains.values(), Fraction(0)),
        True,
        sum(losses.values(), Fraction(0)),
        base_label=LOSSES,
        amount_label=GAINS,
    )


def _won_amounts(
    context: Context, deals: QuerySet[Deal], period: Period, field: str
) -> list[DrillRow]:
    """Deals won in P with `field` (cents) at the rates of the month they closed."""
    won = deals.filter(
        stage="won", closed_at__gte=period.start, closed_at__lte=min(period.end, context.today)
    )
    rows = []
    fields = ("pk", "name", "external_id", field, "currency", "closed_at")
    for d in won.filter(**{f"{field}__isnull": False}).only(*fields):
        rate = context.rates.get(d.currency, month_index(_present(d.closed_at))) or 0
        rows.append(
            DrillRow(
                "deals",
                d.pk,
                d.name or d.external_id,
                Fraction(getattr(d, field) * rate, RATE_SCALE * 100),
            )
        )
    rows.sort(key=lambda r: (-r.amount, r.label))
    return rows


def _services(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    deals = _deal_filter(Deal.objects.all(), dimension, value)
    rows = [r for r in _won_amounts(context, deals, period, "services_amount_cents") if r.amount]
    return Drill(rows, sum((r.amount for r in rows), Fraction(0)), True)


def _campaign_roi(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """Won new and expansion amounts less the spend (shown negative), over the spend."""
    deals = _deal_filter(Deal.objects.filter(kind__in=("new", "expansion")), dimension, value)
    won = _won_amounts(context, deals, period, "amount_cents")
    spend = _spend_rows(context, ("marketing", "sales"), period, dimension, value)
    spent = sum((r.amount for r in spend), Fraction(0))
    rows = won + [DrillRow(r.kind, r.pk, r.label, -r.amount, True, r.amount) for r in spend]
    return Drill(rows, sum((r.amount for r in rows), Fraction(0)), True, spent, base_label=SPEND)


def _per_visit(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """Leads created in P (visitor_to_lead_rate) or those of them that became customers
    (visitor_to_customer_rate), over P's visits."""
    if key == "visitor_to_lead_rate":
        leads = _leads(workspace, "leads", period, dimension, value, context).rows
    else:
        cohort = _lead_rate(workspace, "lead_to_customer_rate", period, dimension, value, context)
        leads = [r for r in cohort.rows if r.counted]
    visits = _visits(workspace, "visits", period, dimension, value, context).total
    return Drill(leads, Fraction(len(leads)), False, visits, denominator_key="visits")


def _weighted_pipeline(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The open deals of pipeline_value, each weighted by the probability of the stage it was
    in at the end of P's last month (its stage history)."""
    open_deals = _deals(workspace, "pipeline_value", period, dimension, value, context)
    boundaries = context.boundaries()
    channels, campaigns = load_names(workspace_id=workspace.id)
    deals = load_deals(context, channels, campaigns)
    seg_deal, seg_from, seg_to, seg_stage = stage_segments(
        context, deals, len(boundaries), boundaries
    )
    point = min(period.last_month, context.last_month) - context.first_month + 1
    at_point = (seg_from <= point) & (point < seg_to)
    stage_of = dict(
        zip(deals.ids[seg_deal[at_point]].tolist(), seg_stage[at_point].tolist(), strict=True)
    )
    probabilities = context.stage_probabilities
    rows = []
    for r in open_deals.rows:
        code = stage_of.get(r.pk, -1)
        weight = Fraction(probabilities.get(STAGES[code], 0)) if code >= 0 else Fraction(0)
        stage = DealStage(STAGES[code]).label if code >= 0 else "?"
        label = f"{r.label} · {stage} {round(weight * 100)}\u00a0%"
        rows.append(DrillRow(r.kind, r.pk, label, r.amount * weight, weight != 0, r.amount))
    rows.sort(key=lambda r: (not r.counted, -r.amount, r.label))
    return Drill(
        rows,
        sum((r.amount for r in rows), Fraction(0)),
        True,
        base_label=DEAL_AMOUNT,
        amount_label=WEIGHTED,
    )


def _active_at_end(state: _Accounts, month: int) -> set[int]:
    """The ids of the accounts with MRR at the end of `month`."""
    point = month - state.context.first_month + 1
    positive = np.zeros(len(state.rows.account_ids), dtype=bool)
    for grid in state.grids.grids:
        positive |= grid[:, point] > 0
    return {state.rows.account_ids[i] for i in np.flatnonzero(positive & state.keep)}


def _usage(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """The usage rows of P's last month of accounts active at its end: seat utilisation sums
    active users over seats (rows with seats); engagement averages each row's score."""
    state = _load_accounts(workspace, dimension, value, context)
    last = min(period.last_month, state.context.last_month)
    active = _active_at_end(state, last)
    usage = Usage.objects.filter(month=Period("month", last).start, account_id__in=active)
    rows = []
    for u in usage.select_related("account").order_by("account__name"):
        users, seats, actions = u.active_users or 0, u.seats or 0, u.key_actions or 0
        if key == "seat_utilisation":
            if seats > 0:
                rows.append(
                    DrillRow("usage", u.pk, u.account.name, Fraction(users), True, Fraction(seats))
                )
            continue
        share_of_seats = min(Fraction(1), Fraction(users, seats)) if seats else Fraction(0)
        share_of_actions = min(Fraction(1), Fraction(actions, users * 20)) if users else Fraction(0)
        rows.append(
            DrillRow("usage", u.pk, u.account.name, 50 * (share_of_seats + share_of_actions))
        )
    total = sum((r.amount for r in rows), Fraction(0))
    if key == "seat_utilisation":
        seats_total = sum((r.base for r in rows if r.base is not None), Fraction(0))
        return Drill(
            rows,
            total,
            False,
            seats_total,
            base_label=SEATS,
            base_unit="count",
            amount_label=ACTIVE_USERS,
        )
    return Drill(rows, total, False, Fraction(len(rows)), unit="score", amount_label=SCORE)


def _time_to_first_value(
    workspace: Workspace, key: str, period: Period, dimension: str, value: str, context: Context
) -> Drill:
    """Accounts whose first value lies in P, with the days from their first subscription
    row's start."""
    state = _load_accounts(workspace, dimension, value, context)
    rows = state.rows
    first_start = np.full(len(rows.account_ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_start, rows.account, rows.started)
    starts = {rows.account_ids[i]: int(first_start[i]) for i in np.flatnonzero(state.keep)}
    end = min(period.end, state.context.today)
    firsts = (
        Usage.objects.filter(account_id__in=list(starts), first_value_at__isnull=False)
        .values("account_id")
        .annotate(first=Min("first_value_at"))
        .filter(first__gte=period.start, first__lte=end)
    )
    amounts = {}
    position = {a: i for i, a in enumerate(rows.account_ids)}
    for f in firsts:
        start = from_day_number(starts[f["account_id"]])
        amounts[position[f["account_id"]]] = Fraction(max(0, (f["first"] - start).days))
    result = state.rows_of(amounts, all_counted=True)  # zero days count too
    return Drill(result, sum(amounts.values(), Fraction(0)), False, Fraction(len(result)))


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
    ({"arr"}, _arr),
    ({"mrr_growth_rate"}, _growth),
    ({"mrr_pending_churn"}, _pending_churn),
    ({"mrr_fx_impact"}, _fx_impact),
    ({"quick_ratio"}, _quick_ratio),
    ({"services_revenue"}, _services),
    ({"campaign_roi"}, _campaign_roi),
    ({"visitor_to_lead_rate", "visitor_to_customer_rate"}, _per_visit),
    ({"weighted_pipeline"}, _weighted_pipeline),
    ({"seat_utilisation", "engagement_score"}, _usage),
    ({"time_to_first_value_days"}, _time_to_first_value),
)
