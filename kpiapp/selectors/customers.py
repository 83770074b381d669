"""Customers: every account with subscription rows, with its MRR now, plan, status and paid
months (the customer list and the API), and the accounts behind one MRR movement of a period.

Computed from the subscription rows as the engine reads them (`kpis/mrr_states`): one pass over
the workspace's rows, exact money, each currency converted at the current month's rate
(KPIS.md, section 1 and Currencies). Statuses (README, "Customers"), on today's date t:

- active: MRR > 0 on t.
- cancelling: MRR > 0 on t, every paying row active on t ends (an end date or a notice given
  by t) and no paying row starts after t.
- reactivated: MRR > 0 on t, and it came back after a month end without MRR (a reactivation
  movement in its history), unless cancelling.
- trial: no MRR on t, and a row is in its trial on t.
- churned: no MRR on t, not in a trial, but it had MRR before.
- none: neither (e.g. its only row starts later, or has no amount).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis.context import NO_END, RATE_SCALE, day_number, from_day_number
from kpiapp.kpis.dimensions import load_account_attributes, load_names
from kpiapp.kpis.drill import drill
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.mrr_states import SubscriptionRows, entity_grids, load_subscriptions
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.reasons import no_rate
from kpiapp.kpis.segment_run import segment_row_scope
from kpiapp.kpis.segments import Condition
from kpiapp.models import Account

STATUS_NAMES = {
    "trial": _("Trial"),
    "active": _("Active"),
    "cancelling": _("Cancelling"),
    "reactivated": _("Reactivated"),
    "churned": _("Churned"),
    "none": _("Not paying yet"),
}
STATUSES = tuple(STATUS_NAMES)
# The movement KPIs whose customers a period's value can be listed by (drill.py computes them).
MOVEMENT_KEYS = (
    "mrr_new",
    "mrr_expansion",
    "mrr_reactivation",
    "mrr_contraction",
    "mrr_churn",
    "mrr_fx_impact",
)
SORTS = ("name", "mrr", "arr", "plan", "status", "first_paid", "last_paid", "channel", "country")
CENT = Decimal("0.01")


def to_cents(value: Fraction) -> Decimal:
    """Major units, rounded half-up to cents (kaufmännisch), as stored values are."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class CustomerRow:
    account_id: int
    name: str
    mrr: Decimal | None  # workspace currency, at the current month's rates; None: a rate missing
    reason: str  # why `mrr` is None
    plan: str
    status: str
    first_paid: Period | None  # months
    last_paid: Period | None
    channel: str
    country: str

    @property
    def arr(self) -> Decimal | None:
        return None if self.mrr is None else self.mrr * 12

    @property
    def status_name(self) -> str:
        return str(STATUS_NAMES[self.status])


@dataclass(frozen=True)
class CustomerFilters:
    status: str = ""
    plan: str = ""
    channel: str = ""
    country: str = ""
    search: str = ""

    def matches(self, row: CustomerRow) -> bool:
        return (
            (not self.status or row.status == self.status)
            and (not self.plan or row.plan == self.plan)
            and (not self.channel or row.channel == self.channel)
            and (not self.country or row.country == self.country)
            and (not self.search or self.search.casefold() in row.name.casefold())
        )


def customer_rows(*, workspace: Workspace, today: date) -> list[CustomerRow]:
    """Every account with at least one subscription row, ordered by name."""
    context = build_context(workspace, today=today)
    rows = load_subscriptions(workspace_id=workspace.id)
    count = len(rows.account_ids)
    if not count:
        return []
    boundaries = context.boundaries()
    grids = entity_grids(rows, rows.account, count, boundaries)
    now = len(boundaries) - 1  # the last state point is today
    month = context.last_month
    scale = rows.unit_denominator * RATE_SCALE * 100

    positive = np.zeros((count, len(boundaries)), dtype=bool)
    for grid in grids.grids:
        positive |= grid > 0
    before = grids.first_active[:, None] <= boundaries[:-1][None, :]
    came_back = ~positive[:, :-1] & positive[:, 1:] & before  # a reactivation at a month end
    reactivated = np.asarray(came_back.any(axis=1), dtype=bool)

    t = day_number(today)
    paying = (rows.mrr != 0) & (rows.active_from < rows.active_until)
    active_now = paying & (rows.active_from <= t) & (t < rows.active_until)
    open_ended = active_now & (rows.active_until == NO_END) & (rows.cancelled > t)
    starts_later = paying & (rows.active_from > t)
    in_trial = (rows.started <= t) & (t < rows.active_from) & (t < rows.active_until)
    keeps = np.zeros(count, dtype=bool)
    keeps[rows.account[open_ended | starts_later]] = True
    trial = np.zeros(count, dtype=bool)
    trial[rows.account[in_trial]] = True
    last_day = np.full(count, -1, dtype=np.int64)
    past = paying & (rows.active_from <= t)
    np.maximum.at(last_day, rows.account[past], np.minimum(rows.active_until[past] - 1, t))

    plans = _plans(rows, active_now, past)
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    names = dict(Account.objects.filter(pk__in=rows.account_ids).values_list("pk", "name"))
    result = []
    for i, account_id in enumerate(rows.account_ids):
        total, reason = 0, ""
        for code, grid in enumerate(grids.grids):
            native = int(grid[i, now])
            if not native:
                continue
            rate = context.rates.get(rows.currencies[code], month)
            if rate is None:
                reason = reason or no_rate(rows.currencies[code], month)
            else:
                total += native * rate
        if positive[i, now]:
            status = "cancelling" if not keeps[i] else "reactivated" if reactivated[i] else "active"
        else:
            had = grids.first_active[i] <= t
            status = "trial" if trial[i] else "churned" if had else "none"
        first = int(grids.first_active[i])
        channel, _campaign, country = attributes.by_account.get(account_id, ("", "", ""))
        result.append(
            CustomerRow(
                account_id=account_id,
                name=names.get(account_id, ""),
                mrr=None if reason else to_cents(Fraction(total, scale)),
                reason=reason,
                plan=plans[i],
                status=status,
                first_paid=_month_of(first) if first <= t else None,
                last_paid=_month_of(int(last_day[i])) if last_day[i] >= 0 else None,
                channel=channel,
                country=country,
            )
        )
    result.sort(key=lambda r: (r.name.casefold(), r.account_id))
    return result


def _month_of(day: int) -> Period:
    return Period("month", month_index(from_day_number(day)))


def _plans(rows: SubscriptionRows, active_now: np.ndarray, past: np.ndarray) -> list[str]:
    """Per account: the plan of its largest paying row on t; without one, the plan of the
    paying row that ended last; without that, of its latest row."""
    best: dict[int, tuple[tuple, str]] = {}
    for r in range(rows.count):
        if active_now[r]:
            rank: tuple = (2, rows.mrr[r], -r)
        elif past[r]:
            rank = (1, int(rows.active_until[r]), r)
        else:
            rank = (0, int(rows.started[r]), r)
        account = int(rows.account[r])
        if account not in best or rank > best[account][0]:
            best[account] = (rank, rows.plans[rows.plan[r]])
    return [best[i][1] if i in best else "" for i in range(len(rows.account_ids))]


def filter_customers(rows: Iterable[CustomerRow], filters: CustomerFilters) -> list[CustomerRow]:
    return [r for r in rows if filters.matches(r)]


def sort_customers(rows: list[CustomerRow], sort: str) -> list[CustomerRow]:
    """`sort` is a column of SORTS, `-` in front for descending; empty values always last."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORTS:
        column, descending = "mrr", True
    field = {"arr": "mrr", "first_paid": "first_paid", "last_paid": "last_paid"}.get(column, column)

    def key(row: CustomerRow) -> Any:
        value = getattr(row, field)
        if isinstance(value, Period):
            return value.first_month
        if column == "status":
            return STATUSES.index(value)
        return value.casefold() if isinstance(value, str) else value

    filled = [r for r in rows if getattr(r, field) not in (None, "")]
    empty = [r for r in rows if getattr(r, field) in (None, "")]
    filled.sort(key=lambda r: (r.name.casefold(), r.account_id))
    filled.sort(key=key, reverse=descending)  # stable: ties by name
    empty.sort(key=lambda r: (r.name.casefold(), r.account_id))
    return filled + empty


def choices(rows: list[CustomerRow]) -> dict[str, list[str]]:
    """The plans, channels and countries the customers have (for the filters)."""
    return {
        "plan": sorted({r.plan for r in rows if r.plan}, key=str.casefold),
        "channel": sorted({r.channel for r in rows if r.channel}, key=str.casefold),
        "country": sorted({r.country for r in rows if r.country}),
    }


@dataclass(frozen=True)
class MovementCustomer:
    customer: CustomerRow
    amount: Fraction  # what it contributed to the movement, in major units (exact)


@dataclass(frozen=True)
class MovementList:
    key: str
    period: Period
    customers: list[MovementCustomer]  # largest contribution first

    @property
    def total(self) -> Fraction:
        return sum((c.amount for c in self.customers), Fraction(0))


def movement_customers(
    *,
    workspace: Workspace,
    key: str,
    period: Period,
    rows: list[CustomerRow],
    today: date,
    conditions: tuple[Condition, ...] = (),
) -> MovementList:
    """The customers behind one movement KPI's value in a period, each with its share: the
    drill-through's account records (they add up to the KPI value), joined to the list.
    Under a segment (`conditions`) its accounts' records, of its plan's rows with a plan
    condition: they add up to the segment's value."""
    if key not in MOVEMENT_KEYS:
        raise KeyError(key)
    scope = segment_row_scope(workspace, conditions) if conditions else None
    records = drill(workspace=workspace, key=key, period=period, today=today, scope=scope).rows
    by_id = {r.account_id: r for r in rows}
    found = [
        MovementCustomer(by_id[r.pk], r.amount)
        for r in records
        if r.counted and r.amount and r.pk in by_id
    ]
    found.sort(key=lambda c: (-c.amount, c.customer.name.casefold()))
    return MovementList(key, period, found)


@dataclass(frozen=True)
class CustomerListing:
    """The customer list as a page shows it: filtered and sorted, or one movement's customers
    (largest contribution first unless sorted) with their amounts."""

    rows: list[CustomerRow]
    movement: MovementList | None
    amounts: dict[int, Fraction]  # account id -> its contribution to the movement
    problem: str  # why the asked movement is not shown, or ""
    choices: dict[str, list[str]]
    filters: CustomerFilters
    sort: str


def customer_listing(
    *,
    workspace: Workspace,
    today: date,
    filters: CustomerFilters,
    sort: str,
    movement_key: str = "",
    period: Period | None = None,
    problem: str = "",
    conditions: tuple[Condition, ...] = (),
) -> CustomerListing:
    """`conditions`: a segment, for the customers behind a movement."""
    everyone = customer_rows(workspace=workspace, today=today)
    movement = None
    amounts: dict[int, Fraction] = {}
    if movement_key and period is not None:
        movement = movement_customers(
            workspace=workspace,
            key=movement_key,
            period=period,
            rows=everyone,
            today=today,
            conditions=conditions,
        )
        amounts = {c.customer.account_id: c.amount for c in movement.customers}
        rows = filter_customers([c.customer for c in movement.customers], filters)
        if sort.lstrip("-") in SORTS:
            rows = sort_customers(rows, sort)
        else:
            sort = ""
    else:
        sort = sort if sort.lstrip("-") in SORTS else "-mrr"
        rows = sort_customers(filter_customers(everyone, filters), sort)
    return CustomerListing(rows, movement, amounts, problem, choices(everyone), filters, sort)
