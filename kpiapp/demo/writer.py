"""Writes the generator's rows into the workspace in scope: `bulk_create` in batches, or, on
PostgreSQL and for many rows (the benchmarks' large company), COPY.

COPY returns no ids, so the writer takes them from the table's sequence first and sends them
along; the rows' objects get their ids as `bulk_create` would give them, and children that
were pointed at a parent before it was saved are pointed at its id here, as Django's own save
does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models

from accounts.tenancy import WorkspaceMismatch, WorkspaceOwned, current_workspace_id

BATCH_SIZE = 2000
COPY_FROM = 20_000  # rows of one model; below this, batches are as fast and work everywhere


def save(model: type[WorkspaceOwned], objs: Sequence[Any]) -> int:
    """Insert `objs` (unsaved instances of `model`) into the workspace in scope; returns
    their number."""
    if connection.vendor == "postgresql" and len(objs) >= COPY_FROM:
        copy(model, objs)
    else:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    return len(objs)


def copy(model: type[models.Model], objs: Sequence[Any]) -> None:
    """COPY `objs` into the workspace in scope, with ids from the table's sequence."""
    workspace_id = current_workspace_id()
    meta = model._meta
    fields = list(meta.concrete_fields)
    parents = [f for f in fields if f.many_to_one and f.attname != "workspace_id"]
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        if obj.workspace_id not in (None, workspace_id):
            raise WorkspaceMismatch(f"{obj!r} belongs to workspace {obj.workspace_id}")
        obj.pk, obj.workspace_id = pk, workspace_id
        for field in parents:
            relation = cast(Any, field)  # a ForeignKey: its cache holds the parent object
            if getattr(obj, field.attname) is None and relation.is_cached(obj):
                parent = relation.get_cached_value(obj)
                if parent is not None:
                    setattr(obj, field.attname, parent.pk)
    attnames = [field.attname for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as out:
        for obj in objs:
            out.write_row([getattr(obj, name) for name in attnames])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
