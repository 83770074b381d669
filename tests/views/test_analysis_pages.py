"""MRR movements, the funnel and cohort retention pages, read from snapshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Channel, Lead, Subscription, Traffic
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        ads = Channel.objects.create(name="Paid Ads", key=name_key("Paid Ads"))
        a = Account.objects.create(external_id="A", name="A")
        b = Account.objects.create(external_id="B", name="B")
        common = {"currency": "EUR", "interval": "month"}
        Subscription.objects.create(
            external_id="S1",
            account=a,
            amount_cents=10_000,
            started_at=date(2025, 1, 10),
            ended_at=date(2025, 3, 5),
            **common,
        )
        Subscription.objects.create(
            external_id="S1", account=a, amount_cents=15_000, started_at=date(2025, 3, 5), **common
        )
        Subscription.objects.create(
            external_id="S2",
            account=b,
            amount_cents=20_000,
            started_at=date(2025, 2, 1),
            ended_at=date(2025, 4, 1),
            **common,
        )
        Traffic.objects.create(month=date(2025, 3, 1), channel=ads, visits=1000)
        for n, steps in enumerate([(), ("q",), ("q", "o"), ("q", "o", "c")]):
            Lead.objects.create(
                external_id=f"L{n}",
                created_at=date(2025, 3, 2),
                channel=ads,
                qualified_at=date(2025, 3, 5) if "q" in steps else None,
                opportunity_at=date(2025, 3, 9) if "o" in steps else None,
                converted_at=date(2025, 4, 2) if "c" in steps else None,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace


@freeze_time("2025-05-20 12:00")
def test_mrr_movements_show_each_months_moves_signed(client_as, vera, company):
    response = client_as(vera).get("/w/acme/mrr/")
    rows = {r.period.label: r for r in response.context["rows"]}
    assert rows["2025-03"].values["mrr_expansion"] == Decimal("50.00")  # 100 → 150
    assert rows["2025-04"].values["mrr_churn"] == Decimal("-200.00")  # B left on April 1
    assert rows["2025-04"].net == Decimal("-200.00") and rows["2025-04"].mrr == Decimal("150.00")
    assert response.context["chart"]["net"][-1] == 0.0  # May: nothing moved so far
    quarters = client_as(vera).get("/w/acme/mrr/?grain=quarter").context["rows"]
    assert [r.period.label for r in quarters] == ["2025-Q2", "2025-Q1"]


@freeze_time("2025-05-20 12:00")
def test_the_funnel_follows_the_cohort_of_leads(client_as, vera, company):
    response = client_as(vera).get("/w/acme/funnel/?grain=month&period=2025-03&channel=Paid Ads")
    funnel = response.context["funnel"]
    assert funnel.channel == "Paid Ads"
    assert [v for _, v in funnel.steps] == [1000, 4, 3, 2, 1]
    assert dict(funnel.rates)["sql_to_opportunity_rate"] == Decimal("0.666667")
    fallback = client_as(vera).get("/w/acme/funnel/?period=2099-01&channel=nope").context
    assert fallback["funnel"].period.label == "2025-04" and fallback["funnel"].channel is None


@freeze_time("2025-05-20 12:00")
def test_cohorts_show_logo_and_revenue_retention(client_as, vera, company):
    logo = client_as(vera).get("/w/acme/cohorts/").context
    rows = {r.cohort.label: r for r in logo["rows"]}
    assert rows["2025-02"].size == 1 and rows["2025-02"].cells[:3] == [1, 1, 0]  # B left in April
    revenue = client_as(vera).get("/w/acme/cohorts/?measure=revenue").context
    january = {r.cohort.label: r for r in revenue["rows"]}["2025-01"]
    assert january.cells[2] == Decimal("1.5")  # A: 150 in March against 100 in January
