"""CSV export of a data list in the same columns the importer reads, so an export imports back
unchanged, in Kennzahl's CSV dialect (`csv_dialect`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from kpiapp import models as m
from kpiapp.exports.csv_dialect import csv_lines, neutralise, number_text, uses_decimal_comma
from kpiapp.imports.kinds import KINDS
from kpiapp.models.money import major_units


def _ref(path: str) -> Callable[[Any], Any]:
    def get(record: Any) -> Any:
        value = record
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    return get


def _cents(attr: str) -> Callable[[Any], Decimal | None]:
    def get(record: Any) -> Decimal | None:
        cents = getattr(record, attr)
        return None if cents is None else major_units(cents)

    return get


# Field of the CSV kind -> how to read it from a record (default: the attribute of that name).
READERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "accounts": {"channel": _ref("channel.name"), "campaign": _ref("campaign.name")},
    "deals": {
        "account": _ref("account.external_id"),
        "lead": _ref("lead.external_id"),
        "channel": _ref("channel.name"),
        "campaign": _ref("campaign.name"),
        "amount": _cents("amount_cents"),
        "services_amount": _cents("services_amount_cents"),
    },
    "subscriptions": {"account": _ref("account.external_id"), "amount": _cents("amount_cents")},
    "leads": {
        "channel": _ref("channel.name"),
        "campaign": _ref("campaign.name"),
        "account": _ref("account.external_id"),
    },
    "traffic": {
        "date": _ref("day"),
        "month": lambda r: None if r.day else r.month,
        "channel": _ref("channel.name"),
    },
    "spend": {
        "channel": _ref("channel.name"),
        "campaign": _ref("campaign.name"),
        "amount": _cents("amount_cents"),
    },
    "nps": {"account": _ref("account.external_id")},
    "usage": {"account": _ref("account.external_id")},
    "custom_kpi_values": {"kpi": _ref("kpi.key")},
}
RELATED: dict[str, tuple[str, ...]] = {
    "accounts": ("channel", "campaign"),
    "deals": ("account", "lead", "channel", "campaign"),
    "subscriptions": ("account",),
    "leads": ("channel", "campaign", "account"),
    "traffic": ("channel",),
    "spend": ("channel", "campaign"),
    "nps": ("account",),
    "usage": ("account",),
    "custom_kpi_values": ("kpi",),
}
MONTH_FIELDS = {"month"}


def _format(value: Any, field: str, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%Y-%m") if field in MONTH_FIELDS else value.isoformat()
    if isinstance(value, Decimal | float):
        return number_text(value, decimal_comma=decimal_comma)
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def export_columns(kind: str) -> list[str]:
    names = KINDS[kind].names
    if kind == "traffic":
        # A traffic file is counted per day or per month (PRODUCT.md); only a workspace that
        # stores both needs both columns, and such an export must be split to import again.
        daily = m.Traffic.objects.filter(day__isnull=False).exists()
        monthly = m.Traffic.objects.filter(day__isnull=True).exists()
        drop = {"month"} if daily and not monthly else {"date"} if monthly and not daily else set()
        names = [n for n in names if n not in drop]
    return names


def export_rows(
    kind: str, records: Iterable[models.Model], *, decimal_comma: bool
) -> Iterator[list[str]]:
    names = export_columns(kind)
    readers = READERS.get(kind, {})
    yield names
    for record in records:
        yield [_format(readers.get(n, _ref(n))(record), n, decimal_comma) for n in names]


def export_csv_lines(kind: str, records: Iterable[models.Model], *, language: str) -> Iterator[str]:
    comma = uses_decimal_comma(language)
    yield from csv_lines(export_rows(kind, records, decimal_comma=comma), language=language)


def export_queryset(kind: str) -> models.QuerySet:
    model = KINDS[kind].model
    return model.objects.select_related(*RELATED.get(kind, ())).order_by("pk")
