"""The migrations build exactly the schema the tests run on (tests/db_schema.py creates the test
databases from the models), and no model change lacks its migration."""

from __future__ import annotations

import copy
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

import pytest

from tests.db_schema import schema_from_models

Schema = dict[str, dict[str, Any]]
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def _sqlite_alias(alias: str, path: Path) -> Iterator[str]:
    """A database alias for a fresh SQLite file, for as long as the block runs."""
    db = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
    db.update(ENGINE="django.db.backends.sqlite3", NAME=str(path), OPTIONS={})
    connections.settings[alias] = db
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _schema(path: Path) -> Schema:
    """Every table's columns (name, type, not null, default, primary key), indexes (columns,
    unique, partial, their SQL) and foreign keys, as SQLite reports them."""
    con = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: _table(con, table) for table in tables}
    finally:
        con.close()


def _table(con: sqlite3.Connection, table: str) -> dict[str, Any]:
    columns = sorted(
        (name, kind.upper(), notnull, default, pk)
        for _cid, name, kind, notnull, default, pk in con.execute(f'PRAGMA table_info("{table}")')
    )
    indexes = []
    for _seq, name, unique, _origin, partial in con.execute(f'PRAGMA index_list("{table}")'):
        index_columns = tuple(row[2] for row in con.execute(f'PRAGMA index_info("{name}")'))
        (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        indexes.append((index_columns, unique, partial, sql))
    foreign_keys = sorted(
        (row[2], row[3], row[4], row[5], row[6])
        for row in con.execute(f'PRAGMA foreign_key_list("{table}")')
    )
    return {"columns": columns, "indexes": sorted(indexes, key=repr), "foreign_keys": foreign_keys}


def _migrate(path: Path) -> None:
    """`manage.py migrate` into a new SQLite file, as on a developer's machine (a process of its
    own: the data migrations read and write the default database)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"SQLITE_PATH": str(path)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def test_the_migrations_build_the_schema_the_tests_run_on(tmp_path, django_db_blocker):
    _migrate(tmp_path / "migrated.sqlite3")
    with (
        django_db_blocker.unblock(),
        _sqlite_alias("schema_models", tmp_path / "models.sqlite3") as alias,
        schema_from_models(),
    ):
        call_command("migrate", database=alias, run_syncdb=True, verbosity=0)
    migrated = _schema(tmp_path / "migrated.sqlite3")
    from_models = _schema(tmp_path / "models.sqlite3")

    assert migrated.pop("django_migrations")
    assert len(from_models) > 60  # every table, not an empty file
    assert set(migrated) == set(from_models)
    for table, shape in from_models.items():
        assert migrated[table] == shape, table


@pytest.mark.django_db  # makemigrations reads the applied migrations of the test database
def test_every_model_change_has_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"a model change has no migration:\n{out.getvalue()}")
