"""How an export reads a CSV column from a record, where the column is not simply the
record's attribute of the same name (the registry in `kpiapp.data_kinds` names them)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kpiapp.models.money import major_units

Reader = Callable[[Any], Any]


def path_reader(path: str) -> Reader:
    """An attribute along a path, e.g. "account.external_id"; None where a step is missing."""

    def read(record: Any) -> Any:
        value = record
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    return read


def cents_reader(attr: str) -> Callable[[Any], Decimal | None]:
    """Stored cents as major units, the way the importer reads them back."""

    def read(record: Any) -> Decimal | None:
        cents = getattr(record, attr)
        return None if cents is None else major_units(cents)

    return read
