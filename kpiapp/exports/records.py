"""CSV export of a data list in the same columns the importer reads, so an export imports back
unchanged, in Kennzahl's CSV dialect (`csv_dialect`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from kpiapp import models as m
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.exports.csv_dialect import csv_lines, neutralise, number_text, uses_decimal_comma
from kpiapp.exports.readers import path_reader

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
    names = DATA_KINDS[kind].csv.names
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
    readers = DATA_KINDS[kind].export_readers
    yield names
    for record in records:
        yield [_format(readers.get(n, path_reader(n))(record), n, decimal_comma) for n in names]


def export_csv_lines(kind: str, records: Iterable[models.Model], *, language: str) -> Iterator[str]:
    comma = uses_decimal_comma(language)
    yield from csv_lines(export_rows(kind, records, decimal_comma=comma), language=language)


def export_queryset(kind: str) -> models.QuerySet:
    data_kind = DATA_KINDS[kind]
    return data_kind.model.objects.select_related(*data_kind.related).order_by("pk")
