"""The compare of a rebuild (`_differences`): a stored snapshot is replaced exactly when a
number, the reason or the partial flag differs, however small the difference, and kept when
only the text form of its number would differ (money's two places, a count's none)."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.utils import timezone

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.imports.bulk import delete_rows, insert_text_rows
from kpiapp.kpis.periods import month_index, month_start
from kpiapp.kpis.results import Point
from kpiapp.models import KpiSnapshot
from kpiapp.services import snapshots
from tests.kpis.helpers import account, sub

MONTH = month_index(timezone.now().date()) - 1


def _point(
    key: str,
    numerator: int | Fraction | None,
    denominator: int | None = None,
    *,
    reason: str = "",
    partial: bool = False,
    month: int = MONTH,
) -> Point:
    return Point(key, "month", month, "", "", numerator, denominator, reason, partial)


BASE = [
    _point("mrr", Fraction(123_456_789, 100)),  # money: "1234567.89" stored as ….890000
    _point("mrr", -5, month=MONTH - 1),  # a whole negative amount
    _point("customers_active", 103),  # a count: "103", no decimal point
    _point("customer_churn_rate", 1, 3),  # 0.333333
    _point("customer_churn_rate", 2, 7, month=MONTH - 1),
    _point("customer_churn_rate", Fraction(1, 3), 1, month=MONTH - 2),  # numerator 0.333…333
    _point("customer_churn_rate", None, reason="no customers", month=MONTH - 3),
    _point("customers_active", 7, partial=True, month=MONTH - 1),
    _point("customers_active", 8, month=MONTH - 2),  # goes
]


def _swap(points: list[Point], workspace_id: int) -> tuple[set[tuple], int]:
    """Rebuild `points` as snapshot_rebuild does: the keys written, the count deleted."""
    rows = snapshots._text_rows(points, {}, timezone.now())
    stale, fresh = snapshots._differences(KpiSnapshot.objects.all(), rows)
    delete_rows(KpiSnapshot, workspace_id=workspace_id, ids=stale)
    insert_text_rows(
        KpiSnapshot, workspace_id=workspace_id, columns=snapshots.SNAPSHOT_COLUMNS, rows=fresh
    )
    return {(row[0], row[2]) for row in fresh}, len(stale)


def _start(months_back: int) -> str:
    return month_start(MONTH - months_back).isoformat()


@pytest.mark.django_db
def test_only_rows_whose_numbers_reason_or_flag_differ_are_replaced(workspace):
    with workspace_scope(workspace.id):
        written, deleted = _swap(BASE, workspace.id)
        assert (len(written), deleted) == (len(BASE), 0)
        assert _swap(BASE, workspace.id) == (set(), 0)  # the same numbers in any text form

        changed = [
            BASE[0],
            BASE[1],
            BASE[2],
            _point("customer_churn_rate", 333_334, 1_000_000),  # only the 6th decimal moves
            BASE[4],
            # the value stays 0.333333, the numerator moves in its 12th decimal
            _point("customer_churn_rate", Fraction(333_333_333_334, 10**12), 1, month=MONTH - 2),
            _point("customer_churn_rate", 1, 4, month=MONTH - 3),  # the reason goes
            _point("customers_active", 7, month=MONTH - 1),  # no longer partial
            _point("mrr", None, reason="no data", month=MONTH - 4),  # new, with a reason
        ]
        written, deleted = _swap(changed, workspace.id)
        assert written == {
            ("customer_churn_rate", _start(0)),
            ("customer_churn_rate", _start(2)),
            ("customer_churn_rate", _start(3)),
            ("customers_active", _start(1)),
            ("mrr", _start(4)),
        }
        assert deleted == 5  # the four changed rows and the count of MONTH - 2, gone
        assert _swap(changed, workspace.id) == (set(), 0)

        stored = {
            (key, start.isoformat()): (value, reason, partial)
            for key, start, value, reason, partial in KpiSnapshot.objects.values_list(
                "kpi_key", "period_start", "value", "reason", "partial"
            )
        }
        assert len(stored) == len(changed)
        assert stored[("customer_churn_rate", _start(0))][0] == Decimal("0.333334")
        assert stored[("customer_churn_rate", _start(3))] == (Decimal("0.25"), "", False)
        assert stored[("customers_active", _start(1))] == (Decimal(7), "", False)
        assert stored[("mrr", _start(0))][0] == Decimal("1234567.89")

        # Back to the first numbers: the reason and the flag return, the new mrr row goes.
        written, deleted = _swap(BASE[:-1], workspace.id)
        assert len(written) == 4 and deleted == 5


@pytest.mark.django_db
def test_the_compare_does_not_depend_on_the_sessions_date_style(workspace):
    with workspace_scope(workspace.id):
        _swap(BASE, workspace.id)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET DateStyle = 'SQL, DMY'")  # date::text: 01/10/2026
        assert _swap(BASE, workspace.id) == (set(), 0)


def test_the_written_places_are_the_columns_own():
    assert KpiSnapshot._meta.get_field("value").decimal_places == snapshots.VALUE_PLACES
    for name in ("numerator", "denominator"):
        field = KpiSnapshot._meta.get_field(name)
        assert field.decimal_places == snapshots.NUMERATOR_PLACES


# Texts SQLite 3.40 stores other than Python's float() reads them (found by trying values):
# it keeps '0.982238' as 0.9822379999999999, not as the nearest double 0.982238.
OFF_ROUNDED = [
    _point("nrr", Fraction(982_238, 10**6), 1),  # value and numerator '0.982238…'
    _point("nrr", Fraction(2_877, 10**6), 1, month=MONTH - 1),  # '0.002877'
    _point("grr", 11_227, 10**6),  # value '0.011227'
    _point("arpa", Fraction(959_965_957_446_809, 10**12)),  # numerator '959.965957446809'
    _point("arr", 99_999_999_999_999_999_999),  # a whole amount beyond 64 bits
]


@pytest.mark.django_db
def test_unchanged_numbers_are_not_rewritten_however_the_database_rounds_their_text(workspace):
    with workspace_scope(workspace.id):
        written, deleted = _swap(BASE + OFF_ROUNDED, workspace.id)
        assert (len(written), deleted) == (len(BASE) + len(OFF_ROUNDED), 0)
        assert _swap(BASE + OFF_ROUNDED, workspace.id) == (set(), 0)

        # A change in the last place of such a number is still found.
        moved = [*OFF_ROUNDED[1:], _point("nrr", Fraction(982_239, 10**6), 1)]
        assert _swap(BASE + moved, workspace.id) == ({("nrr", _start(0))}, 1)
        assert _swap(BASE + moved, workspace.id) == (set(), 0)


@pytest.mark.django_db
def test_many_unchanged_numbers_of_every_size_are_not_rewritten(workspace):
    # The compare converts texts as the database stores them, for all sizes and places.
    generator = random.Random(17)
    points = [
        Point(
            key,
            "month",
            MONTH,
            "country",
            f"{key}{i}/{scale}",
            Fraction(generator.randrange(-(10**digits), 10**digits), scale),
            None,
            "",
            False,
        )
        for i, digits in enumerate(list(range(1, 25)) * 30)
        for scale in (1, 10**12)  # whole numbers, and up to 24 + 12 digits
        for key in ("nrr", "arpa")  # six places and money's two
    ]
    with workspace_scope(workspace.id):
        assert _swap(points, workspace.id)[0] and _swap(points, workspace.id) == (set(), 0)


def test_a_large_write_refreshes_the_planners_statistics_at_once(workspace, monkeypatch):
    """On PostgreSQL, a recompute that writes many snapshots analyses the table, so the next
    partial run's delete looks its rows up by id instead of scanning the workspace's rows."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no row statistics for its planner")
    monkeypatch.setattr(snapshots, "ANALYZE_AFTER_ROWS", 5)
    with workspace_scope(workspace.id):
        sub(account(), "2024-01-01", amount="99.00")
        summary = snapshots.snapshot_rebuild(workspace_id=workspace.id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'kpiapp_kpisnapshot'")
            estimate = cursor.fetchone()[0]
        assert summary.written_count > 5
        assert estimate == KpiSnapshot.objects.count() == summary.written_count
