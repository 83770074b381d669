"""The only place the KPI engine runs raw SQL; every statement must be bound to a workspace.

Managers cannot scope raw SQL, so `fetch` requires `workspace_id=`, refuses an id other than the
workspace in scope (when one is set), and refuses a statement in which any table it reads lacks
its own workspace condition: `alias.workspace_id = %(workspace_id)s` for every joined table, or
one unqualified condition per table read alone (as in each part of a UNION). The helpers
write the few expressions that differ between PostgreSQL and SQLite: a date as a day number
and a date's month index (`year * 12 + month - 1`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accounts.tenancy import check_scope
from kpiapp.kpis.periods import FIRST_DAY, LAST_DAY, month_index

WORKSPACE_PARAM = "%(workspace_id)s"
# A table the statement reads, with its alias when it has one (`FROM kpiapp_lead l`).
_TABLE = re.compile(
    r"\b(?:FROM|JOIN)\s+((?:kpiapp|accounts)_\w+)"
    r"(?:\s+(?:AS\s+)?(?!(?:WHERE|JOIN|LEFT|RIGHT|INNER|OUTER|CROSS|ON|GROUP|ORDER|UNION|LIMIT)\b)(\w+))?",
    re.IGNORECASE,
)
_UNQUALIFIED = re.compile(r"(?<![\w.])workspace_id\s*=\s*%\(workspace_id\)s")


class UnscopedSql(ValueError):
    """A statement that does not filter by the workspace it was given."""


def unscoped_tables(sql: str) -> list[str]:
    """The tables `sql` reads without their own `workspace_id = %(workspace_id)s`."""
    tables = _TABLE.findall(sql)
    missing = []
    unaliased = 0
    for table, alias in tables:
        if alias:
            if not re.search(rf"\b{alias}\.workspace_id\s*=\s*%\(workspace_id\)s", sql):
                missing.append(f"{table} {alias}")
        else:
            unaliased += 1
    if unaliased > len(_UNQUALIFIED.findall(sql)):
        missing.extend(table for table, alias in tables if not alias)
    return missing


def fetch(sql: str, *, workspace_id: int, params: dict[str, Any] | None = None) -> list[tuple]:
    if WORKSPACE_PARAM not in sql:
        raise UnscopedSql("KPI SQL must filter by %(workspace_id)s")
    if not isinstance(workspace_id, int) or isinstance(workspace_id, bool):
        raise TypeError(f"fetch() needs a workspace id, got {workspace_id!r}")
    missing = unscoped_tables(sql)
    if missing:
        raise UnscopedSql(f"every table needs its own workspace condition: {', '.join(missing)}")
    check_scope(workspace_id, required=False)  # the engine also runs outside requests
    with connection.cursor() as cursor:
        cursor.execute(sql, {**(params or {}), "workspace_id": workspace_id})
        return cursor.fetchall()


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _in_window(column: str, expression: str, first: int, last: int) -> str:
    """`expression` of a date column, with dates outside the product's window read as its
    first or last day: a stray year 1 or 9999 that got past validation cannot make the engine
    compute (or overflow on) centuries of periods. NULL stays NULL."""
    low, high = (
        f"DATE '{d.isoformat()}'" if _postgres() else f"'{d.isoformat()}'"
        for d in (FIRST_DAY, LAST_DAY)
    )
    return (
        f"(CASE WHEN {column} < {low} THEN {first} WHEN {column} > {high} THEN {last} "
        f"ELSE {expression} END)"
    )


def day_number(column: str) -> str:
    """Days since 1970-01-01 as an integer (NULL stays NULL), within the date window."""
    if _postgres():
        expression = f"({column} - DATE '1970-01-01')"
    else:
        expression = f"CAST(ROUND(julianday({column}) - 2440587.5) AS INTEGER)"
    return _in_window(column, expression, _days(FIRST_DAY), _days(LAST_DAY))


def month_number(column: str) -> str:
    """A date's month index (`year * 12 + month - 1`), within the date window."""
    if _postgres():
        expression = f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"  # noqa: E501
    else:
        expression = f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"  # noqa: E501
    return _in_window(column, expression, month_index(FIRST_DAY), month_index(LAST_DAY))


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def epoch_seconds(column: str) -> str:
    """An aware timestamp as whole seconds since the epoch (UTC)."""
    if _postgres():
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def queryset_rows(queryset: QuerySet) -> list[tuple]:
    """A queryset's rows as the database returns them, without Django's per-value conversion
    (for comparing many rows fast). The queryset comes from a scoped manager, which put the
    workspace in its WHERE when it was made."""
    query, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()
