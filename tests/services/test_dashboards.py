"""Dashboards: several per workspace, each with its own tiles in order, one the default; the
data migration that turns the chosen tiles into the default dashboard."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.core.exceptions import ValidationError

import pytest

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.models import Dashboard
from kpiapp.selectors.dashboards import dashboard_kpis, workspace_dashboards
from kpiapp.selectors.tiles import DEFAULT_PINNED
from kpiapp.services import dashboard as service
from kpiapp.services.custom_kpis import custom_kpi_create, custom_kpi_delete
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("kpiapp.migrations.0017_dashboards")


@pytest.fixture
def editor(cast, workspace):
    return membership_of(cast["editor"], workspace)


def _actions(workspace) -> list[str]:
    with workspace_scope(workspace.id):
        return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_a_workspace_without_dashboards_shows_an_unsaved_default_with_the_standard_tiles(
    workspace, django_assert_num_queries
):
    with workspace_scope(workspace.id), django_assert_num_queries(1):
        dashboards = workspace_dashboards(workspace)
    assert [(d.pk, d.name, d.is_default) for d in dashboards] == [(None, "Overview", True)]
    assert dashboard_kpis(dashboards[0]) == DEFAULT_PINNED


def test_creating_a_dashboard_saves_the_default_first_and_keeps_it_default(editor, workspace):
    with workspace_scope(workspace.id):
        sales = service.dashboard_create(membership=editor, name="  Vertrieb ")
        dashboards = workspace_dashboards(workspace)
    assert [(d.name, d.is_default) for d in dashboards] == [("Overview", True), ("Vertrieb", False)]
    assert sales.name == "Vertrieb" and sales.kpis == list(DEFAULT_PINNED)
    assert _actions(workspace) == ["dashboard.created"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the dashboard."),
        ("   ", "Enter a name for the dashboard."),
        ("x" * 61, "The name can have at most 60 characters."),
        ("vertrieb", "A dashboard with this name already exists."),
    ],
)
def test_a_bad_name_is_refused_and_changes_nothing(editor, workspace, name, message):
    with workspace_scope(workspace.id):
        service.dashboard_create(membership=editor, name="Vertrieb")
        with pytest.raises(ValidationError) as refused:
            service.dashboard_create(membership=editor, name=name)
        assert refused.value.messages == [message]
        default = Dashboard.objects.get(is_default=True)
        with pytest.raises(ValidationError) as refused:
            service.dashboard_rename(membership=editor, dashboard=default, name=name)
        assert refused.value.messages == [message]
        assert sorted(Dashboard.objects.values_list("name", flat=True)) == ["Overview", "Vertrieb"]


def test_renaming_is_audited_with_the_old_and_new_name(editor, workspace):
    with workspace_scope(workspace.id):
        sales = service.dashboard_create(membership=editor, name="Vertrieb")
        service.dashboard_rename(membership=editor, dashboard=sales, name="Sales")
        event = AuditEvent.objects.get(action="dashboard.renamed")
    assert event.subject == "Sales" and event.data == {"old": "Vertrieb", "new": "Sales"}


def test_the_last_dashboard_cannot_be_deleted_and_deleting_the_default_passes_it_on(
    editor, workspace
):
    with workspace_scope(workspace.id):
        sales = service.dashboard_create(membership=editor, name="Vertrieb")
        marketing = service.dashboard_create(membership=editor, name="Marketing")
        default = Dashboard.objects.get(is_default=True)
        assert service.dashboard_delete(membership=editor, dashboard=default) == sales
        assert Dashboard.objects.get(is_default=True) == sales  # the oldest of the others
        assert service.dashboard_delete(membership=editor, dashboard=marketing) == sales
        with pytest.raises(ValidationError) as refused:
            service.dashboard_delete(membership=editor, dashboard=sales)
        assert refused.value.messages == ["The last dashboard cannot be deleted."]
        assert list(Dashboard.objects.all()) == [sales]
    assert _actions(workspace).count("dashboard.deleted") == 2


def test_exactly_one_dashboard_is_the_default(editor, workspace):
    with workspace_scope(workspace.id):
        sales = service.dashboard_create(membership=editor, name="Vertrieb")
        service.dashboard_make_default(membership=editor, dashboard=sales)
        service.dashboard_make_default(membership=editor, dashboard=sales)  # once is enough
        defaults = list(Dashboard.objects.filter(is_default=True))
        assert defaults == [sales]
        assert workspace_dashboards(workspace)[0] == sales  # the default comes first
    assert _actions(workspace).count("dashboard.default") == 1


def test_tiles_are_added_removed_and_moved_in_order(editor, workspace):
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=editor, name="Vertrieb")
        service.dashboard_tiles_set(membership=editor, dashboard=board, keys=["win_rate", "mrr"])
        assert board.kpis == ["mrr", "win_rate"]  # kept in the order they were shown
        service.dashboard_tile_add(membership=editor, dashboard=board, key="leads")
        service.dashboard_tile_move(membership=editor, dashboard=board, key="leads", step=-1)
        assert board.kpis == ["mrr", "leads", "win_rate"]
        service.dashboard_tile_move(membership=editor, dashboard=board, key="mrr", step=-1)
        assert board.kpis == ["mrr", "leads", "win_rate"]  # the first stays first
        service.dashboard_tile_move(membership=editor, dashboard=board, key="mrr", step=1)
        service.dashboard_tile_remove(membership=editor, dashboard=board, key="win_rate")
        board.refresh_from_db()
        assert board.kpis == ["leads", "mrr"]
        event = AuditEvent.objects.filter(action="dashboard.tiles").latest("id")
    assert event.data == {"old": ["leads", "mrr", "win_rate"], "new": ["leads", "mrr"]}


def test_a_dropped_tile_lands_before_the_one_it_was_dropped_on_or_last(editor, workspace):
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=editor, name="Vertrieb")
        board.kpis = ["mrr", "arr", "leads", "win_rate"]
        board.save(update_fields=["kpis"])
        service.dashboard_tile_place(membership=editor, dashboard=board, key="leads", before="mrr")
        assert board.kpis == ["leads", "mrr", "arr", "win_rate"]
        service.dashboard_tile_place(membership=editor, dashboard=board, key="leads", before="")
        assert board.kpis == ["mrr", "arr", "win_rate", "leads"]
        service.dashboard_tile_place(membership=editor, dashboard=board, key="mrr", before="leads")
        board.refresh_from_db()
        assert board.kpis == ["arr", "win_rate", "mrr", "leads"]
        events = AuditEvent.objects.filter(action="dashboard.tiles").count()
        # Dropped where it already is, or onto itself: nothing changes, nothing is audited.
        service.dashboard_tile_place(membership=editor, dashboard=board, key="mrr", before="leads")
        service.dashboard_tile_place(membership=editor, dashboard=board, key="mrr", before="mrr")
        assert AuditEvent.objects.filter(action="dashboard.tiles").count() == events
        assert board.kpis == ["arr", "win_rate", "mrr", "leads"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m, b: service.dashboard_tile_add(membership=m, dashboard=b, key="nope"),
         "Choose a KPI from the list."),
        (lambda m, b: service.dashboard_tile_add(membership=m, dashboard=b, key="mrr"),
         "This KPI is already on the dashboard."),
        (lambda m, b: service.dashboard_tile_remove(membership=m, dashboard=b, key="arr"),
         "This KPI is not on the dashboard."),
        (lambda m, b: service.dashboard_tile_remove(membership=m, dashboard=b, key="mrr"),
         "A dashboard shows at least one KPI."),
        (lambda m, b: service.dashboard_tile_move(membership=m, dashboard=b, key="mrr", step=5),
         "This KPI is not on the dashboard."),
        (lambda m, b: service.dashboard_tiles_set(membership=m, dashboard=b, keys=[]),
         "Choose at least one KPI."),
        (lambda m, b: service.dashboard_tile_place(membership=m, dashboard=b, key="arr",
                                                   before="mrr"),
         "This KPI is not on the dashboard."),
        (lambda m, b: service.dashboard_tile_place(membership=m, dashboard=b, key="mrr",
                                                   before="arr"),
         "This KPI is not on the dashboard."),
    ],
)  # fmt: skip
def test_bad_tile_changes_are_refused_and_change_nothing(editor, workspace, change, message):
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=editor, name="Vertrieb")
        service.dashboard_tiles_set(membership=editor, dashboard=board, keys=["mrr"])
        with pytest.raises(ValidationError) as refused:
            change(editor, board)
        assert refused.value.messages == [message]
        board.refresh_from_db()
        assert board.kpis == ["mrr"]


def test_deleting_an_own_kpi_takes_its_tile_off_every_dashboard(cast, editor, workspace):
    owner = membership_of(cast["owner"], workspace)
    with workspace_scope(workspace.id):
        kpi = custom_kpi_create(
            membership=owner, name="Tickets", unit="number", direction="down", aggregation="sum"
        )
        boards = [service.dashboard_create(membership=editor, name=n) for n in ("A", "B")]
        for board in boards:
            service.dashboard_tiles_set(membership=editor, dashboard=board, keys=["mrr", kpi.key])
        assert dashboard_kpis(boards[0]) == ("mrr", kpi.key)
        custom_kpi_delete(membership=owner, kpi=kpi)
        assert [d.kpis for d in Dashboard.objects.exclude(is_default=True)] == [["mrr"], ["mrr"]]


def test_the_migration_turns_each_workspaces_chosen_tiles_into_its_default_dashboard(
    workspace, other_workspace
):
    workspace.pinned_kpis = ["nrr", "mrr"]
    workspace.save()
    other_workspace.language = "de"
    other_workspace.save()
    MIGRATION.pinned_to_default_dashboard(apps, None)
    found = {
        (d.workspace_id, d.name, tuple(d.kpis), d.is_default)
        for d in Dashboard.all_workspaces.all()
    }
    assert found == {
        (workspace.id, "Overview", ("nrr", "mrr"), True),
        (other_workspace.id, "Übersicht", tuple(MIGRATION.STANDARD_TILES), True),
    }
    assert tuple(MIGRATION.STANDARD_TILES) == DEFAULT_PINNED  # what they saw before
