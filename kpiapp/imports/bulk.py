"""Fast writes for large imports: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create and bulk_update spend ~100 µs per row compiling SQL; a 100,000-row file
needs plain bulk statements. Raw SQL bypasses the scoped manager, so each function takes the
workspace id as a required argument, refuses one that is not the workspace in scope (or any
call outside a scope), and writes (insert) or filters (update) by it: a row can only ever land
in, or change within, that workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models

from accounts.tenancy import check_scope


def _identity(value: Any) -> Any:
    return value


def _row_values(
    fields: Sequence[models.Field], names: Sequence[str]
) -> Callable[[dict[str, Any]], list[Any]]:
    """A function from a row (attribute -> value) to the column values, in order."""
    convert = _converters(fields)
    pick = itemgetter(*names)
    if all(c is _identity for c in convert):  # PostgreSQL takes dates and decimals as they are
        if len(names) == 1:
            return lambda row: [pick(row)]
        return lambda row: list(pick(row))
    return lambda row: [c(row[n]) for c, n in zip(convert, names, strict=True)]


def _converters(fields: Sequence[models.Field]) -> list[Callable[[Any], Any]]:
    ops = connection.ops
    if connection.vendor == "postgresql":
        return [_identity for _ in fields]
    out: list[Callable[[Any], Any]] = []
    for field in fields:
        if isinstance(field, models.DateTimeField):
            out.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            out.append(ops.adapt_datefield_value)
        elif isinstance(field, models.DecimalField):
            decimal = field

            def adapt_decimal(value: Any, f: models.DecimalField = decimal) -> Any:
                return ops.adapt_decimalfield_value(value, f.max_digits, f.decimal_places)

            out.append(adapt_decimal)
        else:
            out.append(_identity)
    return out


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    # get_field() knows attribute names such as account_id, too.
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field):  # a reverse relation has no column
            raise TypeError(f"{model.__name__}.{name} is not a column")
        fields.append(field)
    return fields


def insert_rows(
    model: type[models.Model],
    *,
    workspace_id: int,
    names: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Insert `rows` (model attribute -> value) as new records of `workspace_id`."""
    check_scope(workspace_id, required=True)
    if not rows:
        return
    fields = _fields(model, names)
    columns = ["workspace_id", *[f.column for f in fields]]
    values = _row_values(fields, names)
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3, for COPY
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([workspace_id, *values(row)])
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                [[workspace_id, *values(row)] for row in rows],
            )


def update_rows(
    model: type[models.Model],
    *,
    workspace_id: int,
    names: Sequence[str],
    rows: Sequence[tuple[int, dict[str, Any]]],
) -> None:
    """Set `names` on the records with the given ids, only within `workspace_id`."""
    check_scope(workspace_id, required=True)
    if not rows:
        return
    fields = _fields(model, names)
    values = _row_values(fields, names)
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(q(f.column) for f in fields)
            cursor.execute(
                f"CREATE TEMP TABLE kz_import_update ON COMMIT DROP AS "  # noqa: S608
                f"SELECT id, {columns} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY kz_import_update (id, {columns}) FROM STDIN") as copy:
                for pk, row in rows:
                    copy.write_row([pk, *values(row)])
            assignments = ", ".join(f"{q(f.column)} = u.{q(f.column)}" for f in fields)
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM kz_import_update AS u "  # noqa: S608
                f"WHERE t.id = u.id AND t.workspace_id = %s",
                [workspace_id],
            )
            cursor.execute("DROP TABLE kz_import_update")
        else:
            assignments = ", ".join(f"{q(f.column)} = %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s AND workspace_id = %s",  # noqa: S608
                [[*values(row), pk, workspace_id] for pk, row in rows],
            )


def _copy_text(value: str | None) -> str:
    if value is None:
        return "\\N"
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def insert_text_rows(
    model: type[models.Model],
    *,
    workspace_id: int,
    columns: Sequence[str],
    rows: Sequence[Sequence[str | None]],
) -> None:
    """Insert rows whose values are already text in the database's input format (or None):
    one COPY on PostgreSQL, one executemany on SQLite, always into `workspace_id`."""
    check_scope(workspace_id, required=True)
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in ["workspace_id", *columns])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            prefix = f"{workspace_id}\t"
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                chunk: list[str] = []
                for row in rows:
                    chunk.append(prefix + "\t".join(map(_copy_text, row)) + "\n")
                    if len(chunk) >= 5000:
                        copy.write("".join(chunk))
                        chunk = []
                copy.write("".join(chunk))
        else:
            marks = ", ".join(["%s"] * (len(columns) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                [[workspace_id, *row] for row in rows],
            )
