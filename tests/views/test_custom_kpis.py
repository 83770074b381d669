"""The team's own KPIs: defined on /kpis/custom/new/, shown like any KPI (page, records,
catalogue, tiles, targets, team benchmarks), changed and deleted with all that hangs on them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import (
    CustomKpi,
    CustomKpiValue,
    Dashboard,
    KpiSnapshot,
    RecomputeState,
    Target,
    TeamBenchmark,
)
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db
NEW = "/w/acme/kpis/custom/new/"
TODAY = date(2025, 7, 10)


def _define(workspace, key="custom_audit_pass_rate", aggregation="mean", unit="percent"):
    with workspace_scope(workspace.id):
        return CustomKpi.objects.create(
            workspace=workspace,
            key=key,
            name="Audit pass rate",
            unit=unit,
            direction="up",
            aggregation=aggregation,
        )


def _values(workspace, kpi, values: dict[str, str]) -> None:
    with workspace_scope(workspace.id):
        for month, value in values.items():
            first = date.fromisoformat(f"{month}-01")
            CustomKpiValue.objects.create(
                workspace=workspace, kpi=kpi, month=first, value=Decimal(value)
            )
        with freeze_time(TODAY):
            snapshot_rebuild(workspace_id=workspace.id)


def test_an_editor_defines_a_kpi_and_its_key_comes_from_the_name(client_as, erik, workspace):
    data = {
        "name": "Prüfungsquote Audit",
        "key": "",
        "unit": "percent",
        "direction": "up",
        "aggregation": "mean",
    }
    response = client_as(erik).post(NEW, data)
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/kpis/custom_prufungsquote_audit/"
    page = client_as(erik).get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Prüfungsquote Audit" in html and "No values yet" in html
    with workspace_scope(workspace.id):
        kpi = CustomKpi.objects.get()
    assert f"/w/acme/data/custom_kpi_values/new/?kpi={kpi.pk}" in html
    form = client_as(erik).get(f"/w/acme/data/custom_kpi_values/new/?kpi={kpi.pk}")
    assert form.context["form"].initial["kpi"] == str(kpi.pk)
    # the same name again gets a key of its own
    assert client_as(erik).post(NEW, data)["Location"].endswith("/custom_prufungsquote_audit_2/")


def test_bad_definitions_are_refused_and_change_nothing(client_as, erik, workspace):
    _define(workspace)
    base = {"name": "Audit", "unit": "percent", "direction": "up", "aggregation": "mean"}
    taken = client_as(erik).post(NEW, {**base, "key": "custom_audit_pass_rate"})
    assert taken.status_code == 400
    assert "already has a KPI with this key" in taken.content.decode()
    wrong = client_as(erik).post(NEW, {**base, "key": "mrr"})
    assert wrong.status_code == 400 and "custom_audit_pass_rate" in wrong.content.decode()
    no_unit = client_as(erik).post(NEW, {**base, "unit": "furlongs"})
    assert no_unit.status_code == 400
    with workspace_scope(workspace.id):
        assert CustomKpi.objects.count() == 1


def test_who_may_define_and_see_them(client_as, vera, erik, charlie, workspace, other_workspace):
    _define(workspace)
    assert client_as(vera).get(NEW).status_code == 403
    assert client_as(vera).get("/w/acme/kpis/custom_audit_pass_rate/").status_code == 200
    assert client_as(vera).get("/w/acme/kpis/custom_audit_pass_rate/edit/").status_code == 403
    assert client_as(charlie).get("/w/acme/kpis/custom_audit_pass_rate/").status_code == 404
    # another workspace's KPI of the same key is not this one
    assert client_as(charlie).get("/w/beta/kpis/custom_audit_pass_rate/").status_code == 404
    assert client_as(erik).get("/w/acme/kpis/custom_nope/").status_code == 404
    assert client_as(erik).get("/w/acme/kpis/mrr/edit/").status_code == 404


@freeze_time(TODAY)
def test_its_page_records_and_catalogue_show_the_entered_values(client_as, vera, workspace):
    kpi = _define(workspace)
    _values(workspace, kpi, {"2025-04": "90", "2025-05": "95.5", "2025-06": "92"})
    page = client_as(vera).get("/w/acme/kpis/custom_audit_pass_rate/?grain=quarter")
    html = page.content.decode()
    assert page.status_code == 200 and "92.5\u00a0%" in html  # mean of Q2
    records = client_as(vera).get(
        "/w/acme/kpis/custom_audit_pass_rate/records/?grain=quarter&period=2025-Q2"
    )
    assert records.status_code == 200
    result = records.context["result"]
    assert [r.label for r in result.rows] == ["2025-04", "2025-05", "2025-06"]
    assert result.value == records.context["snapshot"].value == Decimal("92.5")
    assert "95.5\u00a0%" in records.content.decode()
    catalogue = client_as(vera).get("/w/acme/kpis/").content.decode()
    assert "The team's own KPIs" in catalogue and "Audit pass rate" in catalogue


@freeze_time(TODAY)
def test_a_last_month_kpi_drills_to_the_month_it_shows(client_as, vera, workspace):
    kpi = _define(workspace, key="custom_headcount", aggregation="last", unit="number")
    _values(workspace, kpi, {"2025-04": "12", "2025-05": "14"})
    records = client_as(vera).get(
        "/w/acme/kpis/custom_headcount/records/?grain=quarter&period=2025-Q2"
    )
    result = records.context["result"]
    assert [(r.label, r.counted) for r in result.rows] == [("2025-04", False), ("2025-05", True)]
    assert result.value == records.context["snapshot"].value == 14


def test_editing_keeps_the_key_and_a_new_aggregation_recomputes(client_as, erik, workspace):
    _define(workspace)
    url = "/w/acme/kpis/custom_audit_pass_rate/edit/"
    data = {
        "name": "Audit-Quote",
        "unit": "percent",
        "direction": "up",
        "aggregation": "last",
        "key": "custom_other",
    }
    assert client_as(erik).post(url, data).status_code == 302
    with workspace_scope(workspace.id):
        kpi = CustomKpi.objects.get()
        state = RecomputeState.objects.get()
    assert (kpi.key, kpi.name, kpi.aggregation) == ("custom_audit_pass_rate", "Audit-Quote", "last")
    assert state.dirty_since is not None and "custom_kpi_values" in state.dirty_kinds


@freeze_time(TODAY)
def test_deleting_takes_values_snapshots_targets_benchmarks_and_tile(client_as, erik, workspace):
    kpi = _define(workspace)
    _values(workspace, kpi, {"2025-05": "95"})
    client = client_as(erik)
    target = {
        "action": "set",
        "quarter": "2025-Q3",
        "kpi_key": kpi.key,
        "dimension": "",
        "dimension_value": "",
        "value": "97",
        "note": "",
    }
    assert client.post("/w/acme/targets/", target).status_code == 302
    bench = {
        "kpi_key": kpi.key,
        "grain": "month",
        "form": "at_least",
        "low": "90",
        "high": "",
        "source": "ISO audit guide",
        "note": "",
    }
    assert client.post("/w/acme/benchmarks/", bench).status_code == 302
    assert client.post("/w/acme/tiles/", {"kpi": ["mrr", kpi.key]}).status_code == 302
    dashboard = client.get("/w/acme/").content.decode()
    assert "Audit pass rate" in dashboard
    with workspace_scope(workspace.id):
        assert Target.objects.get().value == Decimal("97")  # percent values stay as entered
        assert TeamBenchmark.objects.get().low == Decimal("90")
    response = client.post("/w/acme/kpis/custom_audit_pass_rate/edit/", {"action": "delete"})
    assert response.status_code == 302 and response["Location"] == "/w/acme/kpis/"
    with workspace_scope(workspace.id):
        assert Dashboard.objects.get().kpis == ["mrr"]
        assert not CustomKpi.objects.exists() and not CustomKpiValue.objects.exists()
        assert not KpiSnapshot.objects.filter(kpi_key=kpi.key).exists()
        assert not Target.objects.exists() and not TeamBenchmark.objects.exists()
    assert client.get("/w/acme/kpis/custom_audit_pass_rate/").status_code == 404
