"""The dashboard pages: tiles that link to their KPI pages, the MRR chart, several dashboards
(switching, roles, isolation, bad input) and the cached page kept right when they change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name
from kpiapp.models import Channel, Dashboard, Lead
from kpiapp.models.marketing import name_key
from kpiapp.services import dashboard as service
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import make_workspace, membership_of
from tests.views.conftest import ROWS

pytestmark = pytest.mark.django_db
TODAY = date(2025, 5, 20)


def _month_end(index: int) -> date:
    return Period("month", index + 1).start - timedelta(days=1)


def _expected_months() -> list[dict]:
    """Each month from the first subscription to May 2025, from ROWS by hand: MRR at the
    month's end, new MRR of subscriptions starting in it, churn of those ending in it."""
    rows = [
        (date.fromisoformat(s), date.fromisoformat(e) if e else None, Decimal(c) / 100)
        for s, e, c in ROWS
    ]
    first = min(month_index(start) for start, _, _ in rows)
    months = []
    for index in range(first, month_index(TODAY) + 1):
        end = _month_end(index)
        months.append({
            "label": period_name(Period("month", index)),
            "mrr": sum(a for s, e, a in rows if s <= end and (e is None or e > end)),
            "new": sum(a for s, _, a in rows if month_index(s) == index),
            "churn": -sum(a for _, e, a in rows if e is not None and month_index(e) == index),
        })  # fmt: skip
    return months[-12:]


def _series(chart: dict, key: str) -> list:
    return next(s["values"] for s in chart["series"] if s["key"] == key)


@freeze_time("2025-05-20 12:00")
def test_the_mrr_chart_shows_each_months_movements_and_mrr(client_as, vera, company):
    response = client_as(vera).get("/w/acme/")
    chart = response.context["mrr_chart"]
    expected = _expected_months()
    assert chart["labels"] == [m["label"] for m in expected]
    assert chart["mrr"] == [float(m["mrr"]) for m in expected]
    assert _series(chart, "mrr_new") == [float(m["new"]) for m in expected]
    assert _series(chart, "mrr_churn") == [float(m["churn"]) for m in expected]
    assert [s["key"] for s in chart["series"]] == [
        "mrr_new", "mrr_expansion", "mrr_reactivation", "mrr_contraction", "mrr_churn",
    ]  # fmt: skip
    page = response.content.decode()
    assert 'id="mrr-chart"' in page and "Your team by role" not in page
    assert response.context["mrr"].table_rows[0].partial  # May 2025, to date


@freeze_time("2025-05-20 12:00")
def test_the_mrr_chart_reads_german_in_a_german_workspace(client_as, vera, company):
    company.language = "de"
    company.save()
    vera.language = ""
    vera.save()
    response = client_as(vera).get("/w/acme/")
    page = response.content.decode()
    assert "MRR und seine Bewegungen" in page
    assert response.context["mrr_chart"]["labels"][-1] == "Mai 2025"
    assert "1.500,00" in page  # the table's MRR in German numbers


@freeze_time("2025-05-20 12:00")
def test_without_mrr_the_chart_says_so(client_as, vera, workspace):
    with workspace_scope(workspace.id):
        ads = Channel.objects.create(name="Ads", key=name_key("Ads"))
        Lead.objects.create(external_id="L1", created_at=date(2025, 3, 2), channel=ads)
        snapshot_rebuild(workspace_id=workspace.id)
    response = client_as(vera).get("/w/acme/")
    page = response.content.decode()
    assert response.context["choices"]  # MRR snapshots of 0 €: tiles, but no chart
    assert response.context["mrr"].rows == []
    assert "No MRR yet" in page and 'id="mrr-chart"' not in page


@freeze_time("2025-05-20 12:00")
def test_every_tile_links_to_its_kpi_page(client_as, vera, company):
    response = client_as(vera).get("/w/acme/?grain=quarter")
    page = response.content.decode()
    keys = [tile.key for tile in response.context["tiles"]]
    assert keys
    for key in keys:
        assert f'class="tile-link" href="/w/acme/kpis/{key}/?grain=quarter"' in page
    assert client_as(vera).get(f"/w/acme/kpis/{keys[0]}/?grain=quarter").status_code == 200


@pytest.fixture
def boards(cast, company):
    editor = membership_of(cast["editor"], company)
    with workspace_scope(company.id):
        sales = service.dashboard_create(membership=editor, name="Vertrieb")
        service.dashboard_tiles_set(membership=editor, dashboard=sales, keys=["win_rate", "arr"])
        default = Dashboard.objects.get(is_default=True)
        service.dashboard_tiles_set(membership=editor, dashboard=default, keys=["mrr", "nrr"])
    return default, sales


def _tile_keys(response) -> list[str]:
    assert response.status_code == 200
    return [tile.key for tile in response.context["tiles"]]


@freeze_time("2025-05-20 12:00")
def test_each_dashboard_has_its_own_tiles_and_the_default_opens_first(client_as, vera, boards):
    _default, sales = boards
    client = client_as(vera)
    first = client.get("/w/acme/")
    assert _tile_keys(first) == ["mrr", "nrr"]
    page = first.content.decode()
    assert f'href="/w/acme/dashboards/{sales.pk}/">Vertrieb</a>' in page
    assert _tile_keys(client.get(f"/w/acme/dashboards/{sales.pk}/")) == ["arr", "win_rate"]
    assert "Manage dashboards" not in page  # viewers look, editors manage


@freeze_time("2025-05-20 12:00")
def test_viewers_cannot_manage_dashboards_and_outsiders_see_none(
    client_as, cast, vera, boards, other_workspace
):
    _default, sales = boards
    viewer = client_as(vera)
    assert viewer.get("/w/acme/dashboards/").status_code == 403
    assert viewer.get(f"/w/acme/dashboards/{sales.pk}/edit/").status_code == 403
    assert (
        viewer.post(
            f"/w/acme/dashboards/{sales.pk}/edit/", {"action": "rename", "name": "X"}
        ).status_code
        == 403
    )
    assert viewer.post(f"/w/acme/dashboards/{sales.pk}/delete/").status_code == 403
    outsider = client_as(cast["outsider"])
    assert outsider.get(f"/w/acme/dashboards/{sales.pk}/").status_code == 404
    with workspace_scope(other_workspace.id):
        theirs = service.default_dashboard_ensure(other_workspace)
    editor = client_as(cast["editor"])  # another workspace's dashboard through acme's address
    assert editor.get(f"/w/acme/dashboards/{theirs.pk}/").status_code == 404
    assert editor.get(f"/w/acme/dashboards/{theirs.pk}/edit/").status_code == 404
    assert editor.post(f"/w/acme/dashboards/{theirs.pk}/delete/").status_code == 404
    with workspace_scope(other_workspace.id):
        assert Dashboard.objects.get() == theirs


@freeze_time("2025-05-20 12:00")
def test_editors_create_rename_reorder_and_delete_with_plain_forms(client_as, erik, boards):
    default, sales = boards
    client = client_as(erik)
    response = client.post("/w/acme/dashboards/", {"name": "Marketing"})
    with workspace_scope(default.workspace_id):
        marketing = Dashboard.objects.get(name="Marketing")
    assert response["Location"] == f"/w/acme/dashboards/{marketing.pk}/edit/"
    edit = f"/w/acme/dashboards/{sales.pk}/edit/"
    assert client.get(edit).status_code == 200
    client.post(edit, {"action": "down", "kpi": "arr"})
    client.post(edit, {"action": "add", "kpi": "leads"})
    client.post(edit, {"action": "up", "kpi": "leads"})
    client.post(edit, {"action": "place", "kpi": "arr", "before": "win_rate"})  # dragged
    client.post(edit, {"action": "place", "kpi": "win_rate", "before": ""})
    client.post(edit, {"action": "rename", "name": "Sales"})
    client.post(edit, {"action": "default"})
    sales.refresh_from_db()
    assert (sales.name, sales.kpis, sales.is_default) == ("Sales", ["arr", "leads", "win_rate"],
                                                          True)  # fmt: skip
    assert _tile_keys(client.get("/w/acme/")) == ["arr", "leads", "win_rate"]
    response = client.post(f"/w/acme/dashboards/{marketing.pk}/delete/")
    assert response["Location"] == "/w/acme/dashboards/"
    with workspace_scope(default.workspace_id):
        assert sorted(Dashboard.objects.values_list("name", flat=True)) == ["Overview", "Sales"]


@freeze_time("2025-05-20 12:00")
@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/w/acme/dashboards/", {"name": ""}, "Enter a name for the dashboard."),
        ("/w/acme/dashboards/", {"name": "Overview"}, "A dashboard with this name already exists."),
        ("EDIT", {"action": "rename", "name": " "}, "Enter a name for the dashboard."),
        ("EDIT", {"action": "add", "kpi": "nope"}, "Choose a KPI from the list."),
        ("EDIT", {"action": "up", "kpi": "nope"}, "This KPI is not on the dashboard."),
        (
            "EDIT",
            {"action": "place", "kpi": "arr", "before": "nope"},
            "This KPI is not on the dashboard.",
        ),
        ("EDIT", {"action": "place", "before": "arr"}, "This KPI is not on the dashboard."),
        ("EDIT", {"action": "explode"}, "This change is not possible here."),
        ("EDIT", {}, "This change is not possible here."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client_as, erik, boards, url, data, message):
    default, sales = boards
    url = url.replace("EDIT", f"/w/acme/dashboards/{sales.pk}/edit/")
    with workspace_scope(default.workspace_id):
        before = sorted(Dashboard.objects.values_list("name", "kpis", "is_default"))
    response = client_as(erik).post(url, data, follow=True)
    assert response.status_code == 200
    assert message in [str(m) for m in response.context["messages"]]
    with workspace_scope(default.workspace_id):
        assert sorted(Dashboard.objects.values_list("name", "kpis", "is_default")) == before


@freeze_time("2025-05-20 12:00")
def test_the_last_dashboard_cannot_be_deleted_from_its_page(client_as, erik, company):
    client = client_as(erik)
    client.post("/w/acme/tiles/", {"kpi": ["mrr"]})  # saves the default dashboard
    with workspace_scope(company.id):
        only = Dashboard.objects.get()
    page = client.get(f"/w/acme/dashboards/{only.pk}/edit/").content.decode()
    assert "Delete dashboard" not in page
    response = client.post(f"/w/acme/dashboards/{only.pk}/delete/", follow=True)
    assert "The last dashboard cannot be deleted." in response.content.decode()
    with workspace_scope(company.id):
        assert Dashboard.objects.get() == only


@freeze_time("2025-05-20 12:00")
def test_the_cached_dashboard_shows_a_change_of_its_dashboards_at_once(
    client_as, vera, cast, boards, django_capture_on_commit_callbacks
):
    default, sales = boards
    viewer = client_as(vera)
    viewer.get("/w/acme/")
    assert viewer.get("/w/acme/").context is None  # served from the page cache
    editor = membership_of(cast["editor"], default.workspace)
    with workspace_scope(default.workspace_id), django_capture_on_commit_callbacks(execute=True):
        service.dashboard_tile_move(membership=editor, dashboard=default, key="nrr", step=-1)
    assert _tile_keys(viewer.get("/w/acme/")) == ["nrr", "mrr"]
    with workspace_scope(default.workspace_id), django_capture_on_commit_callbacks(execute=True):
        service.dashboard_rename(membership=editor, dashboard=sales, name="Sales")
    assert ">Sales</a>" in viewer.get("/w/acme/").content.decode()


def test_a_workspace_made_after_the_migration_has_its_default_without_a_write(client_as, charlie):
    fresh: Workspace = make_workspace("neu", charlie)
    response = client_as(charlie).get("/w/neu/")
    assert response.status_code == 200
    assert [d.name for d in response.context["dashboards"]] == ["Overview"]
    with workspace_scope(fresh.id):
        assert not Dashboard.objects.exists()
