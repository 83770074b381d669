"""The KPI catalogue and a KPI's page: trend, target, benchmark, breakdown, definition."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.registry import KPIS
from kpiapp.models import Account, Channel, Subscription, Target
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        ads = Channel.objects.create(name="Paid Ads", key=name_key("Paid Ads"))
        for n, channel in enumerate([ads, ads, None]):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", channel=channel)
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=10_000 * (n + 1),
                currency="EUR",
                interval="month",
                started_at=date(2025, 1 + n, 1),
            )
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 4, 1), value=Decimal(800))
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace


@freeze_time("2025-05-20 12:00")
def test_the_catalogue_lists_every_kpi_with_last_months_value(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/")
    assert response.status_code == 200
    entries = {e.kpi.key: e for e in response.context["entries"]}
    assert set(entries) == {k.key for k in KPIS}
    assert entries["mrr"].value == Decimal("600.00")  # April: 100 + 200 + 300
    assert entries["nps"].value is None and entries["nps"].reason


@freeze_time("2025-05-20 12:00")
def test_a_kpi_page_shows_trend_target_benchmark_and_breakdown(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/mrr/?dimension=channel")
    assert response.status_code == 200
    page = response.context["page"]
    assert [p.label for p in page.periods][-5:] == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
    ]
    assert page.values[-2] == Decimal("600.00") and page.partial[-1] is True
    # Beside each month its milestone from March's 600 to Q2's 800, steps in the chart.
    assert [round(t, 2) for t in page.targets[-2:]] == [Decimal("666.67"), Decimal("733.33")]
    assert page.targets[-5] is None  # Q2's target only
    assert response.context["chart"]["target_style"] == "steps"
    assert "666,67" in response.content.decode() or "666.67" in response.content.decode()
    # Paid Ads: 100 + 200; no channel: 300 (equal values: by name, the empty one first)
    assert page.breakdown.rows == [
        ("", "no channel", Decimal("300.00"), ""),
        ("Paid Ads", "Paid Ads", Decimal("300.00"), ""),
    ]
    chart = response.context["chart"]
    assert chart["values"][-2] == 600.0
    assert chart["breakdown"]["labels"] == ["no channel", "Paid Ads"]
    html = response.content.decode()
    assert "Monthly recurring revenue at the end of the period" in html  # the definition


@freeze_time("2025-05-20 12:00")
def test_a_single_quarters_target_is_a_marked_point_at_quarter_grain(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/mrr/?grain=quarter")
    page, chart = response.context["page"], response.context["chart"]
    assert [p.label for p in page.periods][-2:] == ["2025-Q1", "2025-Q2"]
    assert page.targets[-2:] == [None, Decimal(800)]
    assert chart["targets"][-2:] == [None, 800.0] and chart["target_style"] == "points"


@freeze_time("2025-05-20 12:00")
def test_a_rate_is_judged_against_its_benchmark_at_its_grain(client_as, vera, company):
    page = client_as(vera).get("/w/acme/kpis/customer_churn_rate/").context["page"]
    assert page.benchmark.form == "at_most" and page.verdict == "better"  # no churn yet
    year = client_as(vera).get("/w/acme/kpis/customer_churn_rate/?grain=year").context["page"]
    assert year.benchmark is None and year.verdict is None  # the library has monthly rows only


@freeze_time("2025-05-20 12:00")
def test_an_unknown_kpi_or_dimension_is_handled(client_as, vera, company):
    assert client_as(vera).get("/w/acme/kpis/nope/").status_code == 404
    # MRR does not break down by deal owner: the page falls back to its first dimension.
    page = client_as(vera).get("/w/acme/kpis/mrr/?dimension=owner").context["page"]
    assert "owner" not in page.kpi.dimensions and page.kpi.dimensions[0] == "channel"
    assert page.breakdown is not None and page.breakdown.dimension == "channel"
    by_channel = {row[0]: row[2] for row in page.breakdown.rows}
    assert by_channel["Paid Ads"] == Decimal("300.00")  # A0 + A1: 100 + 200 a month


def test_periods_read_in_words_never_as_codes():
    from django.utils import translation

    from kpiapp.kpis.periods import Period, period_name

    october, q4 = Period("month", 2026 * 12 + 9), Period("quarter", 2026 * 12 + 9)
    with translation.override("de"):
        assert (period_name(october), period_name(q4)) == ("Okt. 2026", "Q4 2026")
        assert period_name(Period("month", 2026 * 12 + 2)) == "März 2026"
    with translation.override("en"):
        assert period_name(october) == "Oct. 2026"
    assert period_name(Period("year", 2026 * 12)) == "2026"


@freeze_time("2025-05-20 12:00")
def test_a_german_kpi_page_names_its_periods_in_words(client_as, vera, company):
    vera.language = "de"
    vera.save(update_fields=["language"])
    response = client_as(vera).get("/w/acme/kpis/mrr/")
    html = response.content.decode()
    assert '<th scope="row">März 2025' in html
    assert '<th scope="row">2025-03' not in html
    assert "März 2025" in response.context["chart"]["labels"]
