"""The end of a test that commits (the live server's browser tests, real workers): its rows
deleted instead of Django's flush.

Django empties every table after such a test with TRUNCATE, which gives each of the 65 tables
and their indexes new files on PostgreSQL (about 120 ms), and then creates again the content
types and permissions it has just emptied (40-80 ms more). A test leaves a few rows behind:
one DELETE per table, in one transaction whose foreign key checks wait for its end (Django
creates them deferrable), takes a few milliseconds. The content types and permissions, which
no test writes, stay as the test database was created."""

from __future__ import annotations

from django.db import connections, transaction
from django.test import TransactionTestCase

KEPT = frozenset({"django_content_type", "auth_permission"})


def delete_test_rows(case: TransactionTestCase) -> None:
    for alias in case._databases_names(include_mirrors=False):
        connection = connections[alias]
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for table in sorted(set(tables) - KEPT):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def install() -> None:
    """Used by every TransactionTestCase that neither limits its apps nor restores serialized
    data (those keep Django's own flush)."""
    flush = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        if self.available_apps is not None or self.serialized_rollback:
            flush(self)
        else:
            delete_test_rows(self)

    TransactionTestCase._fixture_teardown = teardown
