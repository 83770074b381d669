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
Columns = dict[str, list[Any]]  # a file's rows column by column, by field or attribute name
# -> [(position of the row, field, message)], in the rows' order
RowsCheck = Callable[[Columns], list[tuple[int, str, str]]]


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
    # The model attributes of the rows, column by column (the rows' fields, column by column).
    to_columns: Callable[[Columns], Columns]
    check_rows: RowsCheck = lambda columns: []
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

    def to_model(self, row: Row) -> dict[str, Any]:
        """The model attributes of one row."""
        return {attr: column[0] for attr, column in self.to_columns(_one(row)).items()}

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


def _one(row: Row) -> Columns:
    return {name: [value] for name, value in row.items()}


def _or(column: list[Any], default: Any) -> list[Any]:
    """`value or default` for each value of the column."""
    return [value or default for value in column]


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
    to_columns=lambda c: {
        "external_id": [e or n for e, n in zip(c["external_id"], c["name"], strict=True)],
        "name": c["name"],
        "country": _or(c["country"], ""),
        "industry": _or(c["industry"], ""),
        "employees": c["employees"],
        "channel_id": c["channel"],
        "campaign_id": c["campaign"],
        "created_at": c["created_at"],
    },
)


# --- deals ---------------------------------------------------------------------------------


def _check_deals(c: Columns) -> list[tuple[int, str, str]]:
    # The order of dates is a plausibility rule (kpiapp.plausibility), as on the forms.
    if None not in c["created_at"]:
        return []
    return [
        (i, "created_at", _("Required unless the stage is “lead”."))
        for i, (created, stage) in enumerate(zip(c["created_at"], c["stage"], strict=True))
        if created is None and stage not in (None, DealStage.LEAD)
    ]


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
    check_rows=_check_deals,
    labels=(("amount", gettext_lazy("Annual contract value")),),
    value_example="stage:Closed Won=won",
    to_columns=lambda c: {
        "external_id": c["external_id"],
        "account_id": c["account"],
        "lead_id": c["lead"],
        "name": _or(c["name"], ""),
        "owner": _or(c["owner"], ""),
        "channel_id": c["channel"],
        "campaign_id": c["campaign"],
        "stage": c["stage"],
        "amount_cents": c["amount"],
        "services_amount_cents": c["services_amount"],
        "currency": c["currency"],
        "created_at": c["created_at"],
        "expected_close_at": c["expected_close_at"],
        "closed_at": c["closed_at"],
        "lost_reason": _or(c["lost_reason"], ""),
        "kind": _or(c["kind"], DealKind.NEW),
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
    to_columns=lambda c: {
        "external_id": c["external_id"],
        "account_id": c["account"],
        "plan": _or(c["plan"], ""),
        "amount_cents": c["amount"],
        "currency": c["currency"],
        "interval": c["interval"],
        "interval_count": _or(c["interval_count"], 1),
        "quantity": [1 if q is None else q for q in c["quantity"]],
        "discount_percent": _or(c["discount_percent"], 0),
        "started_at": c["started_at"],
        "trial_ends_at": c["trial_ends_at"],
        "ended_at": c["ended_at"],
        "cancelled_at": c["cancelled_at"],
        "churn_reason": _or(c["churn_reason"], ""),
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
    to_columns=lambda c: {
        "external_id": c["external_id"],
        "email_or_company": _or(c["email_or_company"], ""),
        "channel_id": c["channel"],
        "campaign_id": c["campaign"],
        "created_at": c["created_at"],
        "qualified_at": c["qualified_at"],
        "opportunity_at": c["opportunity_at"],
        "converted_at": c["converted_at"],
        "account_id": c["account"],
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
    to_columns=lambda c: {
        "day": c["date"],
        "month": [
            m or (d and _first_of_month(d)) for m, d in zip(c["month"], c["date"], strict=True)
        ],
        "channel_id": c["channel"],
        "visits": c["visits"],
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
    to_columns=lambda c: {
        "month": c["month"],
        "channel_id": c["channel"],
        "campaign_id": c["campaign"],
        "category": c["category"],
        "amount_cents": c["amount"],
        "currency": c["currency"],
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
    to_columns=lambda c: {
        "external_id": _or(c["external_id"], ""),
        "account_id": c["account"],
        "responded_at": c["responded_at"],
        "score": c["score"],
        "comment": _or(c["comment"], ""),
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
    to_columns=lambda c: {
        "account_id": c["account"],
        "month": c["month"],
        "active_users": c["active_users"],
        "seats": c["seats"],
        "key_actions": c["key_actions"],
        "first_value_at": c["first_value_at"],
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
    to_columns=lambda c: {"month": c["month"], "currency": c["currency"], "rate": c["rate"]},
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
    to_columns=lambda c: {"kpi_id": c["kpi"], "month": c["month"], "value": c["value"]},
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


def _check_touchpoints(c: Columns) -> list[tuple[int, str, str]]:
    found = []
    for i, (lead, account) in enumerate(zip(c["lead"], c["account"], strict=True)):
        if lead is None and account is None:
            found.append((i, "lead", _("Name the lead or the account this contact belongs to.")))
        elif lead is not None and account is not None:
            found.append((i, "account", _("Name a lead or an account, not both.")))
    return found


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
    check_rows=_check_touchpoints,
    value_example="type:Webinar=webinar",
    to_columns=lambda c: {
        "external_id": _or(c["external_id"], ""),
        "lead_id": c["lead"],
        "account_id": c["account"],
        "occurred_at": c["occurred_at"],
        "channel_id": c["channel"],
        "campaign_id": c["campaign"],
        "type": c["type"],
    },
)
