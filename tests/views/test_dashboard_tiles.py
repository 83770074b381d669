"""The dashboard's KPI tiles read snapshots: value, change, sparkline, target and benchmark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period
from kpiapp.models import Dashboard, KpiSnapshot, RecomputeState, Target

pytestmark = pytest.mark.django_db


def _default_tiles(workspace) -> list[str]:
    with workspace_scope(workspace.id):
        return Dashboard.objects.get(is_default=True).kpis


def _tiles(client, query=""):
    response = client.get(f"/w/acme/{query}")
    assert response.status_code == 200
    return {tile.key: tile for tile in response.context["tiles"]}


@freeze_time("2025-05-20 12:00")
def test_tiles_show_the_last_complete_month_against_the_month_before(client_as, vera, company):
    tiles = _tiles(client_as(vera))
    mrr = tiles["mrr"]
    assert mrr.value == Decimal("1500.00")  # April: 1,000 + 500 (the third left on April 10)
    assert mrr.compare_value == Decimal("1750.00")  # March
    assert mrr.change == Decimal("1500") / Decimal("1750") - 1 and mrr.change_good is False
    assert mrr.partial is False and len(mrr.spark_values) == 12
    churn = tiles["customer_churn_rate"]
    assert churn.value == Decimal("0.333333")  # 1 of 3 active at the start of April
    assert churn.change_in_points and churn.change == Decimal("0.333333")
    assert churn.verdict == "worse"  # against ≤ 3 % a month (smb)
    assert tiles["nps"].value is None and tiles["nps"].reason == "no NPS answers in the period"


@freeze_time("2025-05-20 12:00")
def test_a_quarter_compared_with_last_year_and_its_target(client_as, alice, company):
    with workspace_scope(company.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 4, 1), value=Decimal("2000"))
    tiles = _tiles(client_as(alice), "?grain=quarter&period=2025-Q2&compare=last_year")
    mrr = tiles["mrr"]
    assert mrr.partial is True and mrr.value == Decimal("1500.00")
    assert mrr.compare_value is None and mrr.change is None  # no data a year before
    assert mrr.target.value == Decimal("2000") and mrr.pacing.status == "off_track"


@freeze_time("2025-05-20 12:00")
def test_the_dashboard_reads_snapshots_and_never_recomputes(client_as, vera, company):
    client = client_as(vera)
    client.get("/w/acme/?grain=year")  # warm up the session and the tile-less caches
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/w/acme/")
    assert first.context is not None  # rendered, not served from the page cache
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert [w for w in writes if "kpiapp_" in w] == []
    assert len(queries) < 25
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/w/acme/")
    assert again.context is None and len(queries) <= 4  # session, user, membership
    with workspace_scope(company.id):
        assert not RecomputeState.objects.filter(dirty_since__isnull=False).exists()


def test_without_snapshots_the_dashboard_shows_how_to_start(client_as, vera, workspace):
    response = client_as(vera).get("/w/acme/")
    assert response.context["tiles"] == []
    assert "Your KPIs will appear here" in response.content.decode()


@freeze_time("2025-05-20 12:00")
def test_an_unknown_period_falls_back_to_the_last_complete_one(client_as, vera, company):
    response = client_as(vera).get("/w/acme/?grain=month&period=1999-01")
    assert response.context["period"] == Period("month", 2025 * 12 + 3)  # 2025-04
    with workspace_scope(company.id):
        assert KpiSnapshot.objects.filter(period_start=date(2025, 4, 1)).exists()


@freeze_time("2025-05-20 12:00")
def test_editors_choose_the_tiles_viewers_cannot(client_as, erik, vera, company):
    response = client_as(erik).post("/w/acme/tiles/", {"kpi": ["nrr", "mrr", "leads"]})
    assert response.status_code == 302
    assert _default_tiles(company) == ["mrr", "nrr", "leads"]  # in the catalogue's order
    assert list(_tiles(client_as(vera))) == ["mrr", "nrr", "leads"]
    assert client_as(vera).post("/w/acme/tiles/", {"kpi": ["arr"]}).status_code == 403
    client_as(erik).post("/w/acme/tiles/", {"kpi": ["nope"]})  # refused with a message
    client_as(erik).post("/w/acme/tiles/", {})  # at least one
    assert _default_tiles(company) == ["mrr", "nrr", "leads"]


@freeze_time("2025-05-20 12:00")
def test_tiles_are_cached_until_something_they_show_changes(
    client_as, alice, vera, company, django_capture_on_commit_callbacks
):
    client = client_as(vera)
    first = _tiles(client, "?grain=quarter&period=2025-Q2")
    with CaptureQueriesContext(connection) as cached:  # another user: their own page, same tiles
        again = _tiles(client_as(alice), "?grain=quarter&period=2025-Q2")
    assert again == first
    assert not any("kpiapp_kpisnapshot" in q["sql"] and "IN" in q["sql"] for q in cached)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(alice).post("/w/acme/targets/", {
            "action": "set", "quarter": "2025-Q2", "kpi_key": "mrr", "value": "1600",
            "dimension": "", "dimension_value": "", "note": "", "confirm": "on",
        })  # fmt: skip
        assert response.status_code == 302, response.context["form"].errors
    after = _tiles(client, "?grain=quarter&period=2025-Q2")
    assert after["mrr"].target.value == Decimal("1600")
