"""The test databases' schema, built from the models in one step instead of by replaying every
migration (SQLite rebuilds a table for most changes: about 6.5 s of CPU per test process, against
0.3 s). Every migration is then recorded as applied, as `migrate --fake` would, so the database
looks like one migrated to the newest state (`/readyz`, `migrate --check`).

`tests/test_migrations.py` proves that the migrations build the same schema, table by table,
column by column and index by index; the stack tests (`tests/stack/`) run the real `migrate` on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder


class _NoMigrations:
    """`MIGRATION_MODULES` that says "no migrations" for every app: `migrate` then creates the
    tables from the models (the syncdb path)."""

    def __contains__(self, app_label: str) -> bool:
        return True

    def __getitem__(self, app_label: str) -> None:
        return None


@contextmanager
def schema_from_models() -> Iterator[None]:
    """Within it, `migrate --run-syncdb` creates every table straight from the models."""
    saved: Any = settings.MIGRATION_MODULES
    settings.MIGRATION_MODULES = _NoMigrations()
    try:
        yield
    finally:
        settings.MIGRATION_MODULES = saved


def record_migrations_applied(connection: BaseDatabaseWrapper) -> int:
    """Record every migration of every app as applied, in the order `migrate` applies them
    (those not yet recorded: a database kept with --reuse-db has them); returns how many."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    applied = recorder.applied_migrations()
    missing = [m for m, _backwards in plan if (m.app_label, m.name) not in applied]
    recorder.migration_qs.bulk_create(
        recorder.Migration(app=migration.app_label, name=migration.name) for migration in missing
    )
    return len(missing)
