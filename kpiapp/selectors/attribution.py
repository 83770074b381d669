"""The attribution page (/w/<slug>/attribution/) and a won customer's journey (KPIS.md 7).

The attributed figures, the totals and the order volume by channel are the stored snapshots,
so the page shows what the API and the KPI pages show. The won customers of the period, their
journeys and the most common paths are read live from the data (`kpis.journeys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Workspace
from kpiapp.kpis.attributed import attribution_dimension
from kpiapp.kpis.attribution import Model, Touch, common_paths
from kpiapp.kpis.engine import build_context
from kpiapp.kpis.journeys import NewCustomer, load_new_customers
from kpiapp.kpis.periods import Period
from kpiapp.models import Account, Deal, KpiSnapshot, Touchpoint
from kpiapp.models.journeys import TouchpointType

PATHS_SHOWN = 5


@dataclass(frozen=True)
class ShareRow:
    label: str  # a channel or campaign name; "" for none
    customers: Decimal | None
    mrr: Decimal | None
    mrr_reason: str


@dataclass(frozen=True)
class Total:
    value: Decimal | None
    reason: str


@dataclass(frozen=True)
class VolumeRow:
    channel: str
    customers_new: Decimal | None
    customers_active: Decimal | None


@dataclass(frozen=True)
class WonRow:
    account_id: int
    name: str
    won_day: date
    touchpoints: int
    first_channel: str
    mrr_new: Decimal | None


@dataclass(frozen=True)
class Attribution:
    period: Period
    model: Model
    by: str
    rows: list[ShareRow]
    customers_new: Total
    mrr_new: Total
    volume: list[VolumeRow]
    multi_touch_share: Total
    won: list[WonRow]
    paths: list[tuple[tuple[str, ...], int]]

    @property
    def customers_sum(self) -> Decimal:
        return sum((r.customers or Decimal(0) for r in self.rows), Decimal(0))


def _snapshots(period: Period, keys: list[str], dimension: str) -> list[KpiSnapshot]:
    return list(
        KpiSnapshot.objects.filter(
            kpi_key__in=keys,
            grain=period.grain,
            period_start=period.start,
            dimension=dimension,
        ).only("kpi_key", "dimension_value", "value", "reason")
    )


def _total(period: Period, key: str) -> Total:
    found = _snapshots(period, [key], "")
    return Total(found[0].value, found[0].reason) if found else Total(None, "")


def attribution(*, workspace: Workspace, period: Period, model: Model, by: str) -> Attribution:
    shares: dict[str, dict[str, KpiSnapshot]] = {}
    keys = ["customers_new_attributed", "mrr_new_attributed"]
    for s in _snapshots(period, keys, attribution_dimension(by, model)):
        shares.setdefault(s.dimension_value, {})[s.kpi_key] = s
    rows = []
    for label, found in shares.items():
        customers, mrr = found.get(keys[0]), found.get(keys[1])
        if customers is not None and not customers.value and not (mrr and mrr.value):
            continue  # a channel without a share in this period
        rows.append(
            ShareRow(
                label,
                customers.value if customers else None,
                mrr.value if mrr else None,
                mrr.reason if mrr else "",
            )
        )
    rows.sort(key=lambda r: (-(r.customers or 0), r.label == "", r.label.casefold()))
    won = _won(workspace, period)
    return Attribution(
        period=period,
        model=model,
        by=by,
        rows=rows,
        customers_new=_total(period, "customers_new"),
        mrr_new=_total(period, "mrr_new"),
        volume=_volume(period),
        multi_touch_share=_total(period, "multi_touch_share"),
        won=_won_rows(won),
        paths=common_paths((c.steps for c in won), PATHS_SHOWN),
    )


def _volume(period: Period) -> list[VolumeRow]:
    """Order volume by channel (seed 001): new and active customers per account channel."""
    found: dict[str, dict[str, Decimal | None]] = {}
    for s in _snapshots(period, ["customers_new", "customers_active"], "channel"):
        found.setdefault(s.dimension_value, {})[s.kpi_key] = s.value
    rows = [
        VolumeRow(label, values.get("customers_new"), values.get("customers_active"))
        for label, values in found.items()
        if values.get("customers_new") or values.get("customers_active")
    ]
    rows.sort(key=lambda r: (-(r.customers_new or 0), -(r.customers_active or 0), r.channel))
    return rows


def _won(workspace: Workspace, period: Period) -> list[NewCustomer]:
    context = build_context(workspace)
    months = set(period.months)
    return [c for c in load_new_customers(context, workspace) if c.month in months]


def _won_rows(customers: list[NewCustomer]) -> list[WonRow]:
    names = dict(
        Account.objects.filter(pk__in=[c.account for c in customers]).values_list("pk", "name")
    )
    return [
        WonRow(
            c.account,
            names.get(c.account, ""),
            c.won_day,
            len(c.steps),
            c.steps[0].channel,
            None if c.mrr_new is None else _cents(c.mrr_new),
        )
        for c in customers
    ]


def _cents(exact: Fraction) -> Decimal:
    """Rounded half-up to cents, as the snapshots store money (KPIS.md)."""
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Step:
    touch: Touch
    days_since_previous: int | None
    implied: bool

    @property
    def type_name(self) -> str:
        return str(dict(TouchpointType.choices).get(self.touch.type, self.touch.type))


@dataclass(frozen=True)
class Journey:
    account: Account
    customer: NewCustomer | None  # None: not (yet) a new customer
    steps: list[Step]
    later: int  # touchpoints after the won day, not part of the journey
    deals: list[Deal]

    @property
    def days_to_win(self) -> int | None:
        """Days from the journey's last touchpoint to the won day."""
        if self.customer is None or not self.steps:
            return None
        return (self.customer.won_day - self.steps[-1].touch.day).days


def journey_of(*, workspace: Workspace, account_id: int) -> Journey:
    """One account's journey; 404 when the account is not in this workspace."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise Http404(_("There is no such customer."))
    context = build_context(workspace)
    customer = next(
        (c for c in load_new_customers(context, workspace) if c.account == account.pk), None
    )
    steps: list[Step] = []
    later = 0
    if customer is not None:
        previous: date | None = None
        for touch in customer.steps:
            gap = (touch.day - previous).days if previous else None
            steps.append(Step(touch, gap, not customer.had_touchpoints))
            previous = touch.day
        later = _later_touches(account, customer.won_day)
    deals = list(Deal.objects.filter(account=account).order_by("closed_at", "created_at", "id"))
    return Journey(account, customer, steps, later, deals)


def _later_touches(account: Account, won_day: date) -> int:
    return (
        Touchpoint.objects.filter(account=account, occurred_at__gt=won_day).count()
        + Touchpoint.objects.filter(lead__account=account, occurred_at__gt=won_day).count()
    )
