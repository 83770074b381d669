"""The one registry of record kinds. Every consumer reads it: the data pages
(/w/<slug>/data/<kind>/: what each list shows, how it is searched, filtered and sorted, which
form edits it), the importer and the CSV kinds (`csv`: the columns a file has and how each is
parsed), the exporter (`export_readers`), the API's record endpoints, the engine's check of the
kinds a change names, the workspace export and the demo.

A new kind is its model, its form, its CSV columns (imports/kinds.py) and one entry here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp import models as m
from kpiapp.exports.readers import Reader, cents_reader, path_reader
from kpiapp.forms import records as f
from kpiapp.imports import kinds as csv_kinds


@dataclass(frozen=True)
class Column:
    attr: str  # attribute path on the record, e.g. "account.name"
    label: str | Promise
    format: str = "text"  # text, money, date, month, number, choice
    sort: str | None = None  # order_by field, when sortable


@dataclass(frozen=True)
class DataKind:
    slug: str
    model: type[WorkspaceOwned]
    label: str | Promise
    label_plural: str | Promise
    form: type[f.RecordForm]
    columns: tuple[Column, ...]
    search: tuple[str, ...]
    csv: csv_kinds.Kind  # the CSV kind of the same name: its columns, parsers and key
    filters: tuple[str, ...] = ()  # choice fields and "channel"
    default_sort: str = "-id"
    related: tuple[str, ...] = ()  # what a list and an export read with each record
    # A CSV column -> how an export reads it from a record (default: the attribute of its name).
    export_readers: dict[str, Reader] = field(default_factory=dict)

    def with_defaults(self, values: dict[str, Any], *, currency: str) -> dict[str, Any]:
        """A record's form values with the importer's default in every optional field that is
        empty or left out (PRODUCT.md, CSV kinds: only the `*` columns are required), so an API
        record and a CSV row with the same cells make the same record."""
        defaults = self.csv.defaults(values, currency=currency)
        filled = dict(values)
        for name, value in defaults.items():
            if name in self.form.base_fields and filled.get(name) in (None, ""):
                filled[name] = value
        return filled

    @property
    def form_fields(self) -> tuple[str, ...]:
        """The names the record's form edits, in its order (money as `amount`, not cents)."""
        names = self.form._meta.fields
        if names is None or isinstance(names, str):  # "__all__": no record form says that
            raise TypeError(f"{self.slug}: the form must list its fields")
        return tuple(names)

    def field(self, name: str) -> models.Field[Any, Any]:
        """The model field `name` (filters, columns and form fields are all concrete fields)."""
        field = self.model._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{self.slug}: {name} is not a field of the record")
        return field

    @property
    def sorts(self) -> set[str]:
        names = {c.sort for c in self.columns if c.sort}
        return names | {f"-{n}" for n in names}


def _c(attr: str, label: str | Promise, fmt: str = "text", sort: bool | str = True) -> Column:
    order = (attr.replace(".", "__") if sort is True else sort) or None
    return Column(attr, label, fmt, order)


DATA_KINDS: dict[str, DataKind] = {
    k.slug: k
    for k in (
        DataKind(
            "accounts",
            m.Account,
            _("Account"),
            _("Accounts"),
            f.AccountForm,
            (
                _c("name", _("Name")),
                _c("external_id", _("External ID")),
                _c("country", _("Country")),
                _c("industry", _("Industry")),
                _c("channel.name", _("Channel")),
                _c("created_at", _("Created"), "date"),
            ),
            search=("name", "external_id", "industry"),
            csv=csv_kinds.ACCOUNTS,
            filters=("channel", "country"),
            default_sort="name",
            related=("channel", "campaign"),
            export_readers={
                "channel": path_reader("channel.name"),
                "campaign": path_reader("campaign.name"),
            },
        ),
        DataKind(
            "deals",
            m.Deal,
            _("Deal"),
            _("Deals"),
            f.DealForm,
            (
                _c("external_id", _("External ID")),
                _c("name", _("Name")),
                _c("account.name", _("Account")),
                _c("stage", _("Stage"), "choice"),
                _c("kind", _("Kind"), "choice"),
                _c("amount_cents", _("Annual value"), "money"),
                _c("owner", _("Owner")),
                _c("created_at", _("Created"), "date"),
                _c("closed_at", _("Closed"), "date"),
            ),
            search=("external_id", "name", "owner", "account__name"),
            csv=csv_kinds.DEALS,
            filters=("stage", "kind", "channel"),
            default_sort="-created_at",
            related=("account", "lead", "channel", "campaign"),
            export_readers={
                "account": path_reader("account.external_id"),
                "lead": path_reader("lead.external_id"),
                "channel": path_reader("channel.name"),
                "campaign": path_reader("campaign.name"),
                "amount": cents_reader("amount_cents"),
                "services_amount": cents_reader("services_amount_cents"),
            },
        ),
        DataKind(
            "subscriptions",
            m.Subscription,
            _("Subscription"),
            _("Subscriptions"),
            f.SubscriptionForm,
            (
                _c("external_id", _("External ID")),
                _c("account.name", _("Account")),
                _c("plan", _("Plan")),
                _c("amount_cents", _("Price"), "money"),
                _c("interval", _("Interval"), "choice"),
                _c("quantity", _("Quantity"), "number"),
                _c("started_at", _("Started"), "date"),
                _c("ended_at", _("Ended"), "date"),
            ),
            search=("external_id", "plan", "account__name"),
            csv=csv_kinds.SUBSCRIPTIONS,
            filters=("interval",),
            default_sort="-started_at",
            related=("account",),
            export_readers={
                "account": path_reader("account.external_id"),
                "amount": cents_reader("amount_cents"),
            },
        ),
        DataKind(
            "leads",
            m.Lead,
            _("Lead"),
            _("Leads"),
            f.LeadForm,
            (
                _c("external_id", _("External ID")),
                _c("email_or_company", _("Email or company")),
                _c("channel.name", _("Channel")),
                _c("campaign.name", _("Campaign")),
                _c("created_at", _("Created"), "date"),
                _c("qualified_at", _("SQL"), "date"),
                _c("opportunity_at", _("Opportunity"), "date"),
                _c("converted_at", _("Customer"), "date"),
            ),
            search=("external_id", "email_or_company"),
            csv=csv_kinds.LEADS,
            filters=("channel",),
            default_sort="-created_at",
            related=("channel", "campaign", "account"),
            export_readers={
                "channel": path_reader("channel.name"),
                "campaign": path_reader("campaign.name"),
                "account": path_reader("account.external_id"),
            },
        ),
        DataKind(
            "traffic",
            m.Traffic,
            _("Traffic"),
            _("Traffic"),
            f.TrafficForm,
            (
                _c("month", _("Month"), "month"),
                _c("day", _("Day"), "date"),
                _c("channel.name", _("Channel")),
                _c("visits", _("Visits"), "number"),
            ),
            search=("channel__name",),
            csv=csv_kinds.TRAFFIC,
            filters=("channel",),
            default_sort="-month",
            related=("channel",),
            export_readers={
                "date": path_reader("day"),
                "month": lambda r: None if r.day else r.month,
                "channel": path_reader("channel.name"),
            },
        ),
        DataKind(
            "spend",
            m.Spend,
            _("Spend"),
            _("Spend"),
            f.SpendForm,
            (
                _c("month", _("Month"), "month"),
                _c("channel.name", _("Channel")),
                _c("campaign.name", _("Campaign")),
                _c("category", _("Category"), "choice"),
                _c("amount_cents", _("Amount"), "money"),
            ),
            search=("channel__name", "campaign__name"),
            csv=csv_kinds.SPEND,
            filters=("category", "channel"),
            default_sort="-month",
            related=("channel", "campaign"),
            export_readers={
                "channel": path_reader("channel.name"),
                "campaign": path_reader("campaign.name"),
                "amount": cents_reader("amount_cents"),
            },
        ),
        DataKind(
            "nps",
            m.NpsResponse,
            _("NPS answer"),
            _("NPS answers"),
            f.NpsForm,
            (
                _c("account.name", _("Account")),
                _c("responded_at", _("Answered"), "date"),
                _c("score", _("Score"), "number"),
                _c("comment", _("Comment"), sort=False),
            ),
            search=("account__name", "comment"),
            csv=csv_kinds.NPS,
            default_sort="-responded_at",
            related=("account",),
            export_readers={"account": path_reader("account.external_id")},
        ),
        DataKind(
            "usage",
            m.Usage,
            _("Usage"),
            _("Usage"),
            f.UsageForm,
            (
                _c("account.name", _("Account")),
                _c("month", _("Month"), "month"),
                _c("active_users", _("Active users"), "number"),
                _c("seats", _("Seats"), "number"),
                _c("key_actions", _("Key actions"), "number"),
            ),
            search=("account__name",),
            csv=csv_kinds.USAGE,
            default_sort="-month",
            related=("account",),
            export_readers={"account": path_reader("account.external_id")},
        ),
        DataKind(
            "touchpoints",
            m.Touchpoint,
            _("Touchpoint"),
            _("Touchpoints"),
            f.TouchpointForm,
            (
                _c("occurred_at", _("Date"), "date"),
                _c("type", _("Type"), "choice"),
                _c("channel.name", _("Channel")),
                _c("campaign.name", _("Campaign")),
                _c("lead.external_id", _("Lead")),
                _c("account.name", _("Account")),
            ),
            search=("external_id", "lead__external_id", "lead__email_or_company", "account__name"),
            csv=csv_kinds.TOUCHPOINTS,
            filters=("type", "channel"),
            default_sort="-occurred_at",
            related=("lead", "account", "channel", "campaign"),
            export_readers={
                "lead": path_reader("lead.external_id"),
                "account": path_reader("account.external_id"),
                "channel": path_reader("channel.name"),
                "campaign": path_reader("campaign.name"),
            },
        ),
        DataKind(
            "exchange_rates",
            m.ExchangeRate,
            _("Exchange rate"),
            _("Exchange rates"),
            f.ExchangeRateForm,
            (
                _c("month", _("Month"), "month"),
                _c("currency", _("Currency")),
                _c("rate", _("Rate"), "rate"),
            ),
            search=("currency",),
            csv=csv_kinds.EXCHANGE_RATES,
            default_sort="-month",
        ),
        DataKind(
            "custom_kpi_values",
            m.CustomKpiValue,
            _("Custom KPI value"),
            _("Custom KPI values"),
            f.CustomKpiValueForm,
            (
                _c("kpi.name", _("KPI")),
                _c("month", _("Month"), "month"),
                _c("value", _("Value"), "rate"),
            ),
            search=("kpi__name", "kpi__key"),
            csv=csv_kinds.CUSTOM_KPI_VALUES,
            default_sort="-month",
            related=("kpi",),
            export_readers={"kpi": path_reader("kpi.key")},
        ),
    )
}


class DataKindConverter:
    """URL converter: only known kinds match, so /data/<unknown>/ is a plain 404."""

    regex = "|".join(DATA_KINDS)

    def to_python(self, value: str) -> DataKind:
        return DATA_KINDS[value]

    def to_url(self, value: DataKind | str) -> str:
        return value if isinstance(value, str) else value.slug
