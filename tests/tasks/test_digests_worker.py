"""Digests through a real Celery worker on Redis: a duplicated task sends one email.

The worker runs in a thread of the test process, so the locmem email backend's outbox is the
one the test reads. No frozen clock here: the worker's timers need the real one, so the
snapshot is written for the month that is really the last closed one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.utils import timezone

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import DigestDelivery, KpiSnapshot
from kpiapp.services.digests import digest_period_key, digest_subscribe
from kpiapp.services.reports import report_create
from kpiapp.tasks import send_report_digest
from tests.conftest import membership_of

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_duplicated_digest_task_sends_one_email_through_a_real_worker(
    worker_on_redis, alice, vera, workspace
):
    today = today_in(workspace.time_zone)
    last_closed_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    data = {
        "title": "Board update",
        "visibility": "shared",
        "grain": "month",
        "range_kind": "last_closed_month",
        "comparison": "none",
        "sections": [{"kpi": "mrr"}],
    }
    with workspace_scope(workspace.id):
        KpiSnapshot.objects.create(
            kpi_key="mrr",
            grain="month",
            period_start=last_closed_month,
            value=Decimal("12345.67"),
            computed_at=timezone.now(),
        )
        report = report_create(membership=membership_of(alice, workspace), data=data)
        digest_subscribe(
            membership=membership_of(vera, workspace), report=report, cadence="monthly"
        )
    period_key = digest_period_key("monthly", today)
    args = (workspace.id, report.pk, "monthly", period_key)

    results = [send_report_digest.apply_async(args), send_report_digest.apply_async(args)]
    assert sorted(r.get(timeout=30) for r in results) == [0, 1]

    assert [m.to for m in mail.outbox] == [["vera@example.com"]]
    assert "€12,345.67" in mail.outbox[0].body
    with workspace_scope(workspace.id):
        delivery = DigestDelivery.objects.get()
    assert (delivery.period_key, delivery.status) == (period_key, DigestDelivery.Status.SENT)
    assert delivery.sent_at is not None
