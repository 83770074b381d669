"""Fast writes for large imports: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create and bulk_update spend ~100 µs per row compiling SQL; a 100,000-row file
needs plain bulk statements. Raw SQL bypasses the scoped manager, so each function takes the
workspace id as a required argument, refuses one that is not the workspace in scope (or any
call outside a scope), and writes (insert) or filters (update) by it: a row can only ever land
in, or change within, that workspace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL

import pyarrow as pa
import pyarrow.csv as pa_csv

from accounts.models import Workspace
from accounts.tenancy import WorkspaceOwned, check_scope


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


def insert_columns(
    model: type[models.Model],
    *,
    workspace_id: int,
    names: Sequence[str],
    columns: Sequence[Sequence[Any]],
) -> None:
    """Insert rows given column by column (`columns[i]` holds the values of `names[i]`) as
    new records of `workspace_id`. On PostgreSQL pyarrow writes the COPY data a column at a
    time, without a Python object per row."""
    check_scope(workspace_id, required=True)
    if not columns or not len(columns[0]):
        return
    if connection.vendor != "postgresql":
        rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        insert_rows(model, workspace_id=workspace_id, names=names, rows=rows)
        return
    fields = _fields(model, names)
    quoted = ", ".join(connection.ops.quote_name(c) for c in [f.column for f in fields])
    table = connection.ops.quote_name(model._meta.db_table)
    data = _csv(workspace_id, columns)
    with connection.cursor() as cursor:
        checked = _may_skip_triggers(cursor) and _references_held(workspace_id, fields, columns)
        if checked:
            cursor.execute("SET LOCAL session_replication_role = replica")
        sql = f"COPY {table} (workspace_id, {quoted}) FROM STDIN (FORMAT csv)"
        with cursor.cursor.copy(sql) as copy:
            copy.write(data)
        if checked:
            cursor.execute("SET LOCAL session_replication_role = origin")


def _may_skip_triggers(cursor: Any) -> bool:
    """Whether this transaction may write without firing triggers, the foreign-key checks
    among them: a superuser, or a role granted `SET ON PARAMETER session_replication_role`
    (PostgreSQL 15 on). The write checks the references itself then (`_references_held`)."""
    if not connection.in_atomic_block:
        return False  # SET LOCAL would not last until the write's end
    if connection.pg_version >= 150000:  # type: ignore[attr-defined]  # PostgreSQL's wrapper
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    else:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    return bool(cursor.fetchone()[0])


def _references_held(
    workspace_id: int, fields: Sequence[models.Field], columns: Sequence[Sequence[Any]]
) -> bool:
    """Whether every record the rows refer to exists, locked until the transaction ends as
    PostgreSQL's per-row foreign-key check locks it (FOR KEY SHARE): one query per referenced
    model instead of one per row and reference. False leaves the checks to the database."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {q(Workspace._meta.db_table)} WHERE id = %s FOR KEY SHARE",  # noqa: S608
            [workspace_id],
        )
        if cursor.fetchone() is None:
            return False
        for field, values in zip(fields, columns, strict=True):
            if not field.is_relation:
                continue
            ids = set(values)
            ids.discard(None)
            if not ids:
                continue
            target = field.related_model
            if not (isinstance(target, type) and issubclass(target, WorkspaceOwned)):
                return False
            if not (isinstance(field, models.ForeignKey) and field.target_field.primary_key):
                return False  # a reference to another field than the id
            # Through the scoped manager: only this workspace's records count.
            found = (
                target.objects.filter(_any(target, target._meta.pk.column, sorted(ids)))
                .order_by()
                .values_list("pk")
            )
            sql, params = found.query.sql_with_params()
            cursor.execute(f"{sql} FOR KEY SHARE", params)
            if len(cursor.fetchall()) != len(ids):
                return False
    return True


def _csv(workspace_id: int, columns: Sequence[Sequence[Any]]) -> bytes:
    """The workspace's id and the columns as CSV for COPY: text quoted (an empty text is ""),
    NULL as nothing."""
    arrays = [pa.repeat(pa.scalar(workspace_id, pa.int64()), len(columns[0]))]
    for values in columns:
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            # Mixed types (a decimal and a 0): PostgreSQL reads each value's text alike.
            arrays.append(pa.array([None if x is None else str(x) for x in values], pa.string()))
    table = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, write_options=pa_csv.WriteOptions(include_header=False))
    return out.getvalue().to_pybytes()


def fetch_rows(rows: models.QuerySet) -> list[tuple[Any, ...]]:
    """The tuples of a `values_list` query (of a scoped manager) in one fetch: Django's own
    iteration reads 100 rows at a time, a noticeable cost for a re-import's 100,000."""
    compiler = rows.query.get_compiler(using=rows.db)
    sql, params = compiler.as_sql()
    if connection.vendor != "postgresql" or compiler.get_converters(
        [column for column, _sql, _alias in compiler.select]
    ):
        return list(rows)  # values the database gives as text (SQLite's dates), converted
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _any(model: type[models.Model], column: str, values: list[Any]) -> RawSQL:
    """A condition `column = ANY(values)` on PostgreSQL: one array parameter, which the
    planner checks by hashing or in an index (an `IN (SELECT unnest(…))` of 10,000 values
    became a nested loop over every row)."""
    q = connection.ops.quote_name
    # Quoted names from the model's metadata; the values go as a parameter.
    return RawSQL(  # noqa: S611
        f"{q(model._meta.db_table)}.{q(column)} = ANY(%s)",
        [values],
        output_field=models.BooleanField(),
    )


def fetch_among(rows: models.QuerySet, field: str, values: list[str]) -> list[tuple[Any, ...]]:
    """`fetch_rows` of the rows whose text `field` is one of `values`: on PostgreSQL with the
    values as one array parameter, elsewhere a query per 500 values."""
    if connection.vendor == "postgresql":
        column = rows.model._meta.get_field(field).column
        return fetch_rows(rows.filter(_any(rows.model, column, values)))
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), 500):
        found += fetch_rows(rows.filter(**{f"{field}__in": values[start : start + 500]}))
    return found


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


def refresh_statistics(model: type[models.Model]) -> None:
    """Let PostgreSQL's planner see the table's rows as they are now (ANALYZE reads a sample,
    a fraction of a second however large the table). SQLite plans without such statistics."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def delete_rows(model: type[models.Model], *, workspace_id: int, ids: Sequence[int]) -> None:
    """Delete the records with the given ids, only within `workspace_id`, as plain statements:
    no cascade and no signals, so only for rows nothing refers to (KPI snapshots).

    PostgreSQL: one statement, the ids as one array. SQLite: one statement per id, in id order.
    SQLite, which has no statistics on the tables, plans `workspace_id = ? AND id IN (...)` as
    a walk over all the workspace's rows in its unique index, once per batch of 900 ids
    (4,000 ids of a 150,000-snapshot workspace: 0.12 s, 100,000 ids: 2.6 s); by single id it
    looks each row up by rowid (0.03 s and 0.27 s)."""
    check_scope(workspace_id, required=True)
    if not ids:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {table} WHERE workspace_id = %s AND id = ANY(%s)",  # noqa: S608
                [workspace_id, list(ids)],
            )
        else:
            cursor.executemany(
                f"DELETE FROM {table} WHERE id = %s AND workspace_id = %s",  # noqa: S608
                [(pk, workspace_id) for pk in sorted(ids)],
            )


def sqlite_numbers(texts: set[str]) -> dict[str, int | float]:
    """Each decimal text as the number SQLite stores for it in a NUMERIC column, converted by
    SQLite itself in one statement (it touches no table).

    Python cannot read the texts that way: SQLite 3.40 does not always round decimal text to
    the nearest double (it stores '0.982238' as 0.9822379999999999, float() gives 0.982238),
    and it keeps a whole number beyond 64 bits as a REAL, not as the exact int. A snapshot
    read with float() never equalled its stored self, so every recompute rewrote it and
    dropped the page cache (issue 17). CAST AS NUMERIC converts as the column's affinity does:
    the same number for each of 254,000 random texts of all sizes tried, at times as a REAL
    where the column keeps an INTEGER, which compares and hashes equal. The texts go as one
    JSON array: one parameter, however many there are."""
    listed = list(texts)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key, CAST(value AS NUMERIC) FROM json_each(%s)", [json.dumps(listed)]
        )
        # Row by row, not fetchall(): tens of thousands of rows kept at once would start the
        # garbage collector over every object of the compare (~15 ms on the demo).
        return {listed[index]: number for index, number in cursor}
