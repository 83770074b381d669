"""The benchmarks page: the library with the rows in use, and the team's own benchmarks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import TeamBenchmark
from tests.views.test_dashboard_tiles import company  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
URL = "/w/acme/benchmarks/"


def test_the_library_marks_the_rows_in_use_for_the_segment(client_as, vera, workspace):
    rows = client_as(vera).get(URL).context["rows"]
    churn = [r for r in rows if r.row.key == "customer_churn_rate" and r.in_use]
    assert [(r.row.segment, r.row.form) for r in churn] == [("smb", "at_most")]  # default: smb


@freeze_time("2025-05-20 12:00")
def test_a_team_benchmark_wins_and_judges_the_dashboard(client_as, erik, vera, company):  # noqa: F811
    data = {"kpi_key": "customer_churn_rate", "grain": "month", "form": "at_most", "low": "40",
            "high": "", "source": "Board plan 2025", "note": ""}  # fmt: skip
    assert client_as(erik).post(URL, data).status_code == 302
    with workspace_scope(company.id):
        assert TeamBenchmark.objects.get().low == Decimal("0.4")  # 40 %
    tiles = {t.key: t for t in client_as(vera).get("/w/acme/").context["tiles"]}
    assert tiles["customer_churn_rate"].benchmark.source == "Board plan 2025"
    assert tiles["customer_churn_rate"].verdict == "better"  # 33 % ≤ 40 %


def test_bad_benchmarks_are_refused_and_viewers_cannot_add(client_as, erik, vera, workspace):
    band = {"kpi_key": "nps", "grain": "quarter", "form": "band", "low": "40", "high": "30",
            "source": "x", "note": ""}  # fmt: skip
    response = client_as(erik).post(URL, band)
    assert response.status_code == 400 and "upper end" in response.content.decode()
    assert client_as(vera).post(URL, {**band, "high": "50"}).status_code == 403
    with workspace_scope(workspace.id):
        assert not TeamBenchmark.objects.exists()
