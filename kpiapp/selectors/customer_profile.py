"""One customer's page: its MRR at every month end, each month's movement with its class,
amount and cause (the subscription rows that began, left their trial or ended), and its deals,
leads, NPS answers and usage.

The MRR is the engine's (`kpis/mrr_states`, KPIS.md section 1): m0 and m1 of a month at that
month's rates, classified by `classify_movements`, so a month's class and amount are the ones
this account adds to the movement KPIs of that month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import QuerySet

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis.context import RATE_SCALE, Context, from_day_number
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.mrr_states import (
    SubscriptionRows,
    classify_movements,
    entity_grids,
    load_subscriptions,
)
from kpiapp.kpis.periods import Period
from kpiapp.kpis.reasons import no_rate
from kpiapp.models import Account, Deal, Lead, NpsResponse, Subscription, Usage
from kpiapp.selectors.customers import CustomerRow, customer_rows

SHOWN = 100  # the newest deals, leads and answers
USAGE_MONTHS = 24
# classify_movements' measure -> the movement KPI it adds to
CLASSES = {
    "new": "mrr_new",
    "exp": "mrr_expansion",
    "react": "mrr_reactivation",
    "contr": "mrr_contraction",
    "churn": "mrr_churn",
}


@dataclass(frozen=True)
class Cause:
    subscription: Subscription
    change: str  # "begins", "trial_ends" or "ends"
    mrr: Fraction  # the row's normalised MRR, major units of its own currency


@dataclass(frozen=True)
class MonthPoint:
    month: Period
    mrr: Fraction | None  # at the end of the month, at its rates; None: a rate missing
    reason: str


@dataclass(frozen=True)
class Movement:
    month: Period
    key: str  # the movement KPI (mrr_new, ...)
    amount: Fraction  # as it adds to that KPI (churn and contraction positive)
    causes: list[Cause]


@dataclass(frozen=True)
class CustomerProfile:
    account: Account
    row: CustomerRow | None  # None: no subscription rows
    timeline: list[MonthPoint]
    movements: list[Movement]  # newest first
    subscriptions: QuerySet[Subscription]
    deals: QuerySet[Deal]
    leads: QuerySet[Lead]
    answers: QuerySet[NpsResponse]
    usage: QuerySet[Usage]


def _only(rows: SubscriptionRows, chosen: np.ndarray) -> SubscriptionRows:
    """The chosen rows as those of one entity (index 0)."""
    zeros = np.zeros(int(chosen.sum()), dtype=np.int64)
    return rows.rows_where(chosen, account=zeros, account_ids=rows.account_ids)


def _converted(
    context: Context, rows: SubscriptionRows, grids: list[np.ndarray], j: int, month: int
) -> int | None:
    total = 0
    for code, grid in enumerate(grids):
        native = int(grid[0, j])
        if native:
            rate = context.rates.get(rows.currencies[code], month)
            if rate is None:
                return None
            total += native * rate
    return total


def customer_profile(*, workspace: Workspace, account: Account, today: date) -> CustomerProfile:
    context = build_context(workspace, today=today)
    everything = load_subscriptions(workspace_id=workspace.id)
    timeline: list[MonthPoint] = []
    movements: list[Movement] = []
    subscriptions = Subscription.objects.filter(account=account).order_by("id")
    if account.pk in everything.account_ids:
        index = everything.account_ids.index(account.pk)
        rows = _only(everything, everything.account == index)
        records = list(subscriptions)  # the loader reads them in id order, as here
        boundaries = context.boundaries()
        grids = entity_grids(rows, rows.account, 1, boundaries)
        scale = rows.unit_denominator * RATE_SCALE * 100
        first = int(rows.started.min())
        for month in context.months:
            k = month - context.first_month
            if from_day_number(first) > Period("month", month).end:
                continue  # before its first row
            m1 = _converted(context, rows, grids.grids, k + 1, month)
            m0 = _converted(context, rows, grids.grids, k, month)
            reason = "" if m1 is not None else _missing(context, rows, month)
            timeline.append(
                MonthPoint(
                    Period("month", month), None if m1 is None else Fraction(m1, scale), reason
                )
            )
            if m0 is None or m1 is None or m0 == m1:
                continue
            had_before = np.array([grids.first_active[0] <= boundaries[k]])
            flows = classify_movements(
                np.array([m0], dtype=object), np.array([m1], dtype=object), had_before
            )
            for measure, key in CLASSES.items():
                amount = int(flows[measure][0])
                if amount:
                    causes = _causes(rows, records, boundaries[k], boundaries[k + 1])
                    movements.append(
                        Movement(Period("month", month), key, Fraction(amount, scale), causes)
                    )
    row = next(
        (r for r in customer_rows(workspace=workspace, today=today) if r.account_id == account.pk),
        None,
    )
    return CustomerProfile(
        account=account,
        row=row,
        timeline=timeline,
        movements=movements[::-1],
        subscriptions=subscriptions,
        deals=Deal.objects.filter(account=account).order_by("-created_at", "-id")[:SHOWN],
        leads=Lead.objects.filter(account=account).order_by("-created_at", "-id")[:SHOWN],
        answers=NpsResponse.objects.filter(account=account).order_by("-responded_at", "-id")[
            :SHOWN
        ],
        usage=Usage.objects.filter(account=account).order_by("-month")[:USAGE_MONTHS],
    )


def _missing(context: Context, rows: SubscriptionRows, month: int) -> str:
    for code in rows.currencies:
        if context.rates.get(code, month) is None:
            return no_rate(code, month)
    return ""


def _causes(
    rows: SubscriptionRows, records: list[Subscription], day0: int, day1: int
) -> list[Cause]:
    """The rows active on one day and not the other (they made the month's MRR move)."""
    causes = []
    for r, record in enumerate(records):
        if not rows.mrr[r]:
            continue
        before = rows.active_from[r] <= day0 < rows.active_until[r]
        after = rows.active_from[r] <= day1 < rows.active_until[r]
        if before == after:
            continue
        if after:
            change = "trial_ends" if rows.active_from[r] > rows.started[r] else "begins"
        else:
            change = "ends"
        mrr = Fraction(int(rows.mrr[r]), rows.unit_denominator * 100)
        causes.append(Cause(record, change, mrr))
    return causes
