"""The only place the KPI engine runs raw SQL; every statement must be bound to a workspace.

Managers cannot scope raw SQL, so `fetch` requires `workspace_id=` and refuses a statement that
does not reference it. The helpers write the few expressions that differ between PostgreSQL and
SQLite: a date as a day number and a date's month index (`year * 12 + month - 1`).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

WORKSPACE_PARAM = "%(workspace_id)s"


class UnscopedSql(ValueError):
    """A statement that does not filter by the workspace it was given."""


def fetch(sql: str, *, workspace_id: int, params: dict[str, Any] | None = None) -> list[tuple]:
    if WORKSPACE_PARAM not in sql:
        raise UnscopedSql("KPI SQL must filter by %(workspace_id)s")
    if not isinstance(workspace_id, int) or isinstance(workspace_id, bool):
        raise TypeError(f"fetch() needs a workspace id, got {workspace_id!r}")
    with connection.cursor() as cursor:
        cursor.execute(sql, {**(params or {}), "workspace_id": workspace_id})
        return cursor.fetchall()


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def day_number(column: str) -> str:
    """Days since 1970-01-01 as an integer (NULL stays NULL)."""
    if _postgres():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(ROUND(julianday({column}) - 2440587.5) AS INTEGER)"


def month_number(column: str) -> str:
    if _postgres():
        return f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"  # noqa: E501
    return f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"  # noqa: E501


def epoch_seconds(column: str) -> str:
    """An aware timestamp as whole seconds since the epoch (UTC)."""
    if _postgres():
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"
