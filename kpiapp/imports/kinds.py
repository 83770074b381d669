"""What each CSV kind contains (PRODUCT.md "CSV kinds"): columns, parsers, key and rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.tenancy import WorkspaceOwned
from kpiapp.imports import values as v
from kpiapp.models import (
    Account,
    CustomKpiValue,
    Deal,
    ExchangeRate,
    Lead,
    NpsResponse,
    Spend,
    Subscription,
    Touchpoint,
    Traffic,
    Usage,
)
from kpiapp.models.deals import DealKind, DealStage
from kpiapp.models.journeys import TouchpointType
from kpiapp.models.marketing import SpendCategory
from kpiapp.models.subscriptions import BillingInterval

Row = dict[str, Any]
RowCheck = Callable[[Row], list[tuple[str, str]]]  # -> [(field, message)]


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[str, v.CellContext], Any]
    required: bool = False
    # A reference to another record, resolved by the engine from the parsed text.
    ref: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[WorkspaceOwned]
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # model attributes that identify a record for re-imports
    to_model: Callable[[Row], dict[str, Any]]
    check_row: RowCheck = lambda row: []
    # Columns of which exactly one must be present (traffic: date or month).
    one_of: tuple[str, ...] = ()
    # How a record's key is built from its model attributes (default: the `key` attributes).
    key_of: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
    # Model attributes taken from another column when their own is empty (traffic: the month
    # of a date; accounts: the name as external ID), and attributes named unlike their column.
    derived_from: tuple[tuple[str, str], ...] = ()
    renamed: tuple[tuple[str, str], ...] = (
        ("amount_cents", "amount"),
        ("services_amount_cents", "services_amount"),
    )
    # Labels of this kind's columns where they differ from LABELS (what an amount is).
    labels: tuple[tuple[str, str | Promise], ...] = ()
    # An example of the value mapping for one of the kind's choice columns, "" without any.
    value_example: str | Promise = ""

    def column_of(self, attr: str, row: Row) -> str:
        """The column a model attribute's value came from in `row`."""
        for derived, source in self.derived_from:
            if attr == derived and row.get(attr) is None and row.get(source) is not None:
                return source
        return dict(self.renamed).get(attr, attr)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def label(self, name: str) -> str | Promise:
        """A column's name as people read it (the mapping step); the file format and the
        command line keep the technical name (PRODUCT.md, CSV kinds)."""
        return dict(self.labels).get(name) or LABELS[name]

    def record_key(self, attrs: dict[str, Any]) -> tuple[Any, ...]:
        if self.key_of is not None:
            return self.key_of(attrs)
        return tuple(attrs[k] for k in self.key)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def defaults(self, given: dict[str, Any], *, currency: str) -> dict[str, Any]:
        """What the importer puts in the optional columns a record leaves empty, by column name:
        its model's value for an empty cell (`to_model`), the workspace's currency, and a
        derived column's source (an account's name as its external ID). Only non-empty values."""
        row: Row = dict.fromkeys(self.names)
        if "currency" in row:
            row["currency"] = currency
        column = dict(self.renamed)
        found: dict[str, Any] = {}
        for attr, value in self.to_model(row).items():
            name = column.get(attr, attr.removesuffix("_id"))
            if name in row and value not in (None, "") and not self.field(name).required:
                found[name] = value
        for derived, source in self.derived_from:
            if given.get(source) not in (None, ""):
                found.setdefault(derived, given[source])
        return found


# The columns' labels, as the forms label the same fields (one name per column name).
LABELS: dict[str, str | Promise] = {
    "external_id": gettext_lazy("External ID"),
    "name": gettext_lazy("Name"),
    "country": gettext_lazy("Country"),
    "industry": gettext_lazy("Industry"),
    "employees": gettext_lazy("Employees"),
    "channel": gettext_lazy("Channel"),
    "campaign": gettext_lazy("Campaign"),
    "created_at": gettext_lazy("Created on"),
    "account": gettext_lazy("Account"),
    "lead": gettext_lazy("Lead"),
    "owner": gettext_lazy("Deal owner"),
    "stage": gettext_lazy("Stage"),
    "amount": gettext_lazy("Amount"),
    "services_amount": gettext_lazy("One-time services"),
    "currency": gettext_lazy("Currency"),
    "expected_close_at": gettext_lazy("Expected to close on"),
    "closed_at": gettext_lazy("Closed on"),
    "lost_reason": gettext_lazy("Reason lost"),
    "kind": gettext_lazy("Deal kind"),
    "plan": gettext_lazy("Plan"),
    "interval": gettext_lazy("Interval"),
    "interval_count": gettext_lazy("Intervals per bill"),
    "quantity": gettext_lazy("Quantity"),
    "discount_percent": gettext_lazy("Discount (%)"),
    "started_at": gettext_lazy("Start date"),
    "trial_ends_at": gettext_lazy("Trial ends on"),
    "ended_at": gettext_lazy("End date"),
    "cancelled_at": gettext_lazy("Notice given on"),
    "churn_reason": gettext_lazy("Churn reason"),
    "email_or_company": gettext_lazy("Email or company"),
    "qualified_at": gettext_lazy("Qualified (SQL) on"),
    "opportunity_at": gettext_lazy("Opportunity on"),
    "converted_at": gettext_lazy("Became a customer on"),
    "date": gettext_lazy("Day"),
    "month": gettext_lazy("Month"),
    "visits": gettext_lazy("Visits"),
    "category": gettext_lazy("Category"),
    "responded_at": gettext_lazy("Answered on"),
    "score": gettext_lazy("Score"),
    "comment": gettext_lazy("Comment"),
    "active_users": gettext_lazy("Active users"),
    "seats": gettext_lazy("Seats"),
    "key_actions": gettext_lazy("Key actions"),
    "first_value_at": gettext_lazy("First value reached on"),
    "rate": gettext_lazy("Rate"),
    "kpi": gettext_lazy("KPI"),
    "occurred_at": gettext_lazy("Contact on"),
    "type": gettext_lazy("Contact type"),
    "value": gettext_lazy("Value"),
}


def _ref(name: str, parse=v.text, required: bool = False) -> Field:
    return Field(name, parse, required=required, ref=name if name != "kpi" else "custom_kpi")


STAGES = {s.value: s.value for s in DealStage}
KINDS_OF_DEAL = {k.value: k.value for k in DealKind} | {"new business": DealKind.NEW}
INTERVALS = {
    "month": BillingInterval.MONTH,
    "monthly": BillingInterval.MONTH,
    "quarter": BillingInterval.QUARTER,
    "quarterly": BillingInterval.QUARTER,
    "year": BillingInterval.YEAR,
    "yearly": BillingInterval.YEAR,
    "annual": BillingInterval.YEAR,
    "annually": BillingInterval.YEAR,
}
CATEGORIES = {c.value: c.value for c in SpendCategory}


# --- accounts ------------------------------------------------------------------------------

ACCOUNTS = Kind(
    name="accounts",
    model=Account,
    fields=(
        Field("external_id", v.text),
        Field("name", v.text, required=True),
        Field("country", v.country),
        Field("industry", v.text),
        Field("employees", v.whole),
        _ref("channel"),
        _ref("campaign"),
        Field("created_at", v.day),
    ),
    key=("external_id",),
    derived_from=(("external_id", "name"),),
    to_model=lambda r: {
        "external_id": r["external_id"] or r["name"],
        "name": r["name"],
        "country": r["country"] or "",
        "industry": r["industry"] or "",
        "employees": r["employees"],
        "channel_id": r["channel"],
        "campaign_id": r["campaign"],
        "created_at": r["created_at"],
    },
)


# --- deals ---------------------------------------------------------------------------------


def _check_deal(row: Row) -> list[tuple[str, str]]:
    # The order of dates is a plausibility rule (kpiapp.plausibility), as on the forms.
    if row["created_at"] is None and row["stage"] not in (None, DealStage.LEAD):
        return [("created_at", _("Required unless the stage is “lead”."))]
    return []


DEALS = Kind(
    name="deals",
    model=Deal,
    fields=(
        Field("external_id", v.text, required=True),
        _ref("account"),
        _ref("lead"),
        Field("name", v.text),
        Field("owner", v.text),
        _ref("channel"),
        _ref("campaign"),
        Field("stage", v.choice(STAGES), required=True),
        Field("amount", v.cents),
        Field("services_amount", v.cents),
        Field("currency", v.currency),
        Field("created_at", v.day),
        Field("expected_close_at", v.day),
        Field("closed_at", v.day),
        Field("lost_reason", v.text),
        Field("kind", v.choice(KINDS_OF_DEAL)),
    ),
    key=("external_id",),
    check_row=_check_deal,
    labels=(("amount", gettext_lazy("Annual contract value")),),
    value_example="stage:Closed Won=won",
    to_model=lambda r: {
        "external_id": r["external_id"],
        "account_id": r["account"],
        "lead_id": r["lead"],
        "name": r["name"] or "",
        "owner": r["owner"] or "",
        "channel_id": r["channel"],
        "campaign_id": r["campaign"],
        "stage": r["stage"],
        "amount_cents": r["amount"],
        "services_amount_cents": r["services_amount"],
        "currency": r["currency"],
        "created_at": r["created_at"],
        "expected_close_at": r["expected_close_at"],
        "closed_at": r["closed_at"],
        "lost_reason": r["lost_reason"] or "",
        "kind": r["kind"] or DealKind.NEW,
    },
)


# --- subscriptions -------------------------------------------------------------------------


SUBSCRIPTIONS = Kind(
    name="subscriptions",
    model=Subscription,
    fields=(
        Field("external_id", v.text, required=True),
        _ref("account", required=True),
        Field("plan", v.text),
        Field("amount", v.cents, required=True),
        Field("currency", v.currency),
        Field("interval", v.choice(INTERVALS), required=True),
        Field("interval_count", v.positive_whole),
        Field("quantity", v.whole),
        Field("discount_percent", v.percent),
        Field("started_at", v.day, required=True),
        Field("trial_ends_at", v.day),
        Field("ended_at", v.day),
        Field("cancelled_at", v.day),
        Field("churn_reason", v.text),
    ),
    key=("external_id", "started_at"),
    labels=(("amount", gettext_lazy("Net unit price per interval")),),
    value_example=gettext_lazy("interval:Monthly=month"),
    to_model=lambda r: {
        "external_id": r["external_id"],
        "account_id": r["account"],
        "plan": r["plan"] or "",
        "amount_cents": r["amount"],
        "currency": r["currency"],
        "interval": r["interval"],
        "interval_count": r["interval_count"] or 1,
        "quantity": 1 if r["quantity"] is None else r["quantity"],
        "discount_percent": r["discount_percent"] or 0,
        "started_at": r["started_at"],
        "trial_ends_at": r["trial_ends_at"],
        "ended_at": r["ended_at"],
        "cancelled_at": r["cancelled_at"],
        "churn_reason": r["churn_reason"] or "",
    },
)


# --- leads ---------------------------------------------------------------------------------

LEADS = Kind(
    name="leads",
    model=Lead,
    fields=(
        Field("external_id", v.text, required=True),
        Field("email_or_company", v.text),
        _ref("channel"),
        _ref("campaign"),
        Field("created_at", v.day, required=True),
        Field("qualified_at", v.day),
        Field("opportunity_at", v.day),
        Field("converted_at", v.day),
        _ref("account"),
    ),
    key=("external_id",),
    to_model=lambda r: {
        "external_id": r["external_id"],
        "email_or_company": r["email_or_company"] or "",
        "channel_id": r["channel"],
        "campaign_id": r["campaign"],
        "created_at": r["created_at"],
        "qualified_at": r["qualified_at"],
        "opportunity_at": r["opportunity_at"],
        "converted_at": r["converted_at"],
        "account_id": r["account"],
    },
)


# --- traffic and spend ---------------------------------------------------------------------


def _first_of_month(d: date) -> date:
    return d.replace(day=1)


TRAFFIC = Kind(
    name="traffic",
    model=Traffic,
    fields=(
        Field("date", v.day),
        Field("month", v.month),
        _ref("channel", required=True),
        Field("visits", v.whole, required=True),
    ),
    key=("channel_id", "month", "day"),
    one_of=("date", "month"),
    derived_from=(("month", "date"),),
    renamed=(("day", "date"),),
    to_model=lambda r: {
        "day": r.get("date"),
        "month": r["month"] or (r["date"] and _first_of_month(r["date"])),
        "channel_id": r["channel"],
        "visits": r["visits"],
    },
)

SPEND = Kind(
    name="spend",
    model=Spend,
    fields=(
        Field("month", v.month, required=True),
        _ref("channel"),
        _ref("campaign"),
        Field("category", v.choice(CATEGORIES), required=True),
        Field("amount", v.cents, required=True),
        Field("currency", v.currency),
    ),
    key=("month", "channel_id", "campaign_id", "category"),
    value_example=gettext_lazy("category:Ads=marketing"),
    to_model=lambda r: {
        "month": r["month"],
        "channel_id": r["channel"],
        "campaign_id": r["campaign"],
        "category": r["category"],
        "amount_cents": r["amount"],
        "currency": r["currency"],
    },
)


# --- customer experience, rates, custom values ---------------------------------------------

NPS = Kind(
    name="nps",
    model=NpsResponse,
    fields=(
        Field("external_id", v.text),
        _ref("account", required=True),
        Field("responded_at", v.day, required=True),
        Field("score", v.nps_score, required=True),
        Field("comment", v.text),
    ),
    # Without an external id an answer is identified by everything it says.
    key=("external_id", "account_id", "responded_at", "score", "comment"),
    key_of=lambda a: (
        ("id", a["external_id"])
        if a["external_id"]
        else ("answer", a["account_id"], a["responded_at"], a["score"], a["comment"])
    ),
    to_model=lambda r: {
        "external_id": r["external_id"] or "",
        "account_id": r["account"],
        "responded_at": r["responded_at"],
        "score": r["score"],
        "comment": r["comment"] or "",
    },
)

USAGE = Kind(
    name="usage",
    model=Usage,
    fields=(
        _ref("account", required=True),
        Field("month", v.month, required=True),
        Field("active_users", v.whole),
        Field("seats", v.whole),
        Field("key_actions", v.whole),
        Field("first_value_at", v.day),
    ),
    key=("account_id", "month"),
    to_model=lambda r: {
        "account_id": r["account"],
        "month": r["month"],
        "active_users": r["active_users"],
        "seats": r["seats"],
        "key_actions": r["key_actions"],
        "first_value_at": r["first_value_at"],
    },
)

EXCHANGE_RATES = Kind(
    name="exchange_rates",
    model=ExchangeRate,
    fields=(
        Field("month", v.month, required=True),
        Field("currency", v.currency, required=True),
        Field("rate", v.positive_rate, required=True),
    ),
    key=("month", "currency"),
    to_model=lambda r: {"month": r["month"], "currency": r["currency"], "rate": r["rate"]},
)

CUSTOM_KPI_VALUES = Kind(
    name="custom_kpi_values",
    model=CustomKpiValue,
    fields=(
        _ref("kpi", required=True),
        Field("month", v.month, required=True),
        Field("value", v.decimal, required=True),
    ),
    key=("kpi_id", "month"),
    to_model=lambda r: {"kpi_id": r["kpi"], "month": r["month"], "value": r["value"]},
)


# --- journeys ------------------------------------------------------------------------------

TOUCHPOINT_TYPES = {t.value: t.value for t in TouchpointType} | {
    "ad click": TouchpointType.AD_CLICK,
    "besuch": TouchpointType.VISIT,
    "anzeigenklick": TouchpointType.AD_CLICK,
    "veranstaltung": TouchpointType.EVENT,
    "empfehlung": TouchpointType.REFERRAL,
    "e-mail": TouchpointType.EMAIL,
    "sonstiges": TouchpointType.OTHER,
}


def _check_touchpoint(row: Row) -> list[tuple[str, str]]:
    if row["lead"] is None and row["account"] is None:
        return [("lead", _("Name the lead or the account this contact belongs to."))]
    if row["lead"] is not None and row["account"] is not None:
        return [("account", _("Name a lead or an account, not both."))]
    return []


TOUCHPOINTS = Kind(
    name="touchpoints",
    model=Touchpoint,
    fields=(
        Field("external_id", v.text),
        _ref("lead"),
        _ref("account"),
        Field("occurred_at", v.day, required=True),
        _ref("channel", required=True),
        _ref("campaign"),
        Field("type", v.choice(TOUCHPOINT_TYPES), required=True),
    ),
    # Without an external id a touchpoint is its lead or account, day, channel and type.
    key=("external_id", "lead_id", "account_id", "occurred_at", "channel_id", "type"),
    key_of=lambda a: (
        ("id", a["external_id"])
        if a["external_id"]
        else (
            "contact",
            a["lead_id"],
            a["account_id"],
            a["occurred_at"],
            a["channel_id"],
            a["type"],
        )
    ),
    check_row=_check_touchpoint,
    value_example="type:Webinar=webinar",
    to_model=lambda r: {
        "external_id": r["external_id"] or "",
        "lead_id": r["lead"],
        "account_id": r["account"],
        "occurred_at": r["occurred_at"],
        "channel_id": r["channel"],
        "campaign_id": r["campaign"],
        "type": r["type"],
    },
)
