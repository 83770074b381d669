"""Defence in depth: rows outside the date window that got into the database some other way
(here: written with the ORM, bypassing every form and import check) neither blow up nor crash
the engine. It computes only the months from the window's first month (1970) to today."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest

from kpiapp.models import KpiSnapshot
from tests.kpis.helpers import account, custom_kpi, deal, nps, rebuild, sub

pytestmark = pytest.mark.django_db


def _months_stored() -> tuple[date, date]:
    months = KpiSnapshot.objects.filter(grain="month")
    return (
        months.order_by("period_start").first().period_start,
        months.order_by("-period_start").first().period_start,
    )


@pytest.mark.slow
def test_a_subscription_from_year_1_and_a_deal_of_year_1_compute_in_bounded_time(ws):
    a = account("Alt")
    sub(a, "0001-01-01", amount=100)
    sub(a, "2025-01-01", amount=50, ended="9999-12-31")
    deal("won", amount=1000, created="0001-01-01", closed="0001-01-01", account=a)
    deal("won", amount=1000, created="2024-05-01", closed="9999-12-31")
    nps(a, "0001-06-01", 9)
    custom_kpi("custom_old", aggregation="sum", values={"1951-01-01": "3", "9999-12-01": "4"})
    started = time.perf_counter()
    rebuild(ws, "2025-06-15")
    assert time.perf_counter() - started < 60
    first, last = _months_stored()
    assert first == date(1970, 1, 1) and last == date(2025, 6, 1)
    # About 56 years of months, quarters and years: bounded, not 2,000 years of them.
    assert KpiSnapshot.objects.count() < 400_000


@pytest.mark.slow
def test_rows_written_past_validation_do_not_stop_the_task_or_the_command(ws):
    from django.core.management import call_command

    from kpiapp.models import Account, RecomputeState, Subscription
    from kpiapp.services.snapshots import recompute_request, recompute_run

    a = Account.objects.create(external_id="K", name="Kunde")
    Subscription.all_workspaces.bulk_create(
        [
            Subscription(
                workspace_id=ws.id,
                external_id="S0",
                account=a,
                amount_cents=100,
                currency="EUR",
                interval="month",
                started_at=date(1, 1, 1),
            ),
            Subscription(
                workspace_id=ws.id,
                external_id="S9",
                account=a,
                amount_cents=100,
                currency="EUR",
                interval="month",
                started_at=date(9999, 12, 31),
            ),
        ]
    )
    recompute_request(countdown=0)
    started = time.perf_counter()
    summary = recompute_run()
    assert summary is not None and summary.snapshot_count < 400_000
    assert time.perf_counter() - started < 60
    state = RecomputeState.objects.get()
    assert state.failed_at is None and state.dirty_since is None
    out = io.StringIO()
    call_command("recompute_kpis", "--workspace", ws.slug, stdout=out)
    assert "Recomputed" in out.getvalue()
    assert _months_stored()[0] == date(1970, 1, 1)
