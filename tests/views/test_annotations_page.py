"""Annotations on the pages: added on a KPI's page or the workspace's list, listed under the
KPI chart and the dashboard's MRR chart with their chart markers, changed and deleted by
editors only."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name
from kpiapp.models import Annotation
from kpiapp.services.annotations import annotation_create
from tests.conftest import membership_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("company")]
KPI = "/w/acme/kpis/mrr/"
LIST = "/w/acme/annotations/"


def _named(grain: str, day: date) -> str:
    """The chart label of the period that holds `day` (as the page words it)."""
    return period_name(Period.containing(grain, month_index(day)))


def _markers(html: str, data_id: str) -> Any:
    found = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {data_id} data on the page"
    return json.loads(found[1])


@pytest.fixture
def add(django_capture_on_commit_callbacks):
    """Add an annotation as the given member; its on-commit work (the page cache's version
    bump) runs as a commit would run it."""

    def add(workspace, user, day: date, text: str, kpi_key: str = "") -> Annotation:
        with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=True):
            return annotation_create(
                membership=membership_of(user, workspace), day=day, text=text, kpi_key=kpi_key
            )

    return add


@pytest.fixture
def post(client_as, django_capture_on_commit_callbacks):
    def post(user, url: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client_as(user).post(url, data)

    return post


@freeze_time("2025-05-20 12:00")
def test_an_editor_adds_an_annotation_on_the_kpi_page_and_sees_it_drawn_and_listed(
    client_as, post, erik, workspace
):
    page = client_as(erik).get(KPI).content.decode()
    assert "No annotations in this range." in page and "Add an annotation" in page
    given = {"date": "2025-03-14", "text": "Price list changed", "kpi_key": "mrr", "back": "mrr"}
    answer = post(erik, LIST, {**given, "grain": "month"})
    assert answer.status_code == 302 and answer["Location"] == KPI + "?grain=month"
    page = client_as(erik).get(KPI).content.decode()
    assert "Price list changed" in page and "(MRR)" in page
    markers = _markers(page, "kpi-annotations")
    labels = _markers(page, "kpi-chart-data")["labels"]
    assert [m["text"] for m in markers] == ["Price list changed"]
    assert labels[markers[0]["index"]] == _named("month", date(2025, 3, 14))  # its month
    assert 'data-annotations="kpi-annotations"' in page
    with workspace_scope(workspace.id):
        note = Annotation.objects.get()
        assert (note.day, note.kpi_key, note.created_by) == (date(2025, 3, 14), "mrr", erik)
        assert AuditEvent.objects.filter(action="annotation.added").count() == 1


@freeze_time("2025-05-20 12:00")
def test_the_kpi_page_shows_its_own_and_the_workspace_wide_annotations_only(
    client_as, add, vera, alice, workspace
):
    add(workspace, alice, date(2025, 2, 3), "For every chart")
    add(workspace, alice, date(2025, 4, 1), "Only MRR", "mrr")
    add(workspace, alice, date(2025, 4, 2), "Only ARR", "arr")
    add(workspace, alice, date(2019, 4, 2), "Long before the chart")
    page = client_as(vera).get(KPI).content.decode()
    texts = [m["text"] for m in _markers(page, "kpi-annotations")]
    assert texts == ["For every chart", "Only MRR"]
    assert "Only ARR" not in page and "Long before the chart" not in page
    assert "Add an annotation" not in page  # viewers read only
    quarters = client_as(vera).get(KPI + "?grain=quarter").content.decode()
    markers = _markers(quarters, "kpi-annotations")
    labels = _markers(quarters, "kpi-chart-data")["labels"]
    assert [labels[m["index"]] for m in markers] == [
        _named("quarter", date(2025, 2, 3)),
        _named("quarter", date(2025, 4, 1)),
    ]


@freeze_time("2025-05-20 12:00")
def test_unticking_only_this_kpi_puts_it_on_every_chart(client_as, post, erik, workspace):
    post(erik, LIST, {"date": "2025-03-01", "text": "Neues Vertriebsteam", "back": "mrr"})
    with workspace_scope(workspace.id):
        assert Annotation.objects.get().kpi_key == ""
    assert "Neues Vertriebsteam" in client_as(erik).get("/w/acme/kpis/arr/").content.decode()


@freeze_time("2025-05-20 12:00")
def test_the_dashboard_mrr_chart_draws_and_lists_annotations_of_its_months(
    client_as, add, vera, alice, workspace
):
    add(workspace, alice, date(2025, 5, 2), "Kampagne gestartet")
    add(workspace, alice, date(2025, 5, 3), "Only for ARR", "arr")
    page = client_as(vera).get("/w/acme/").content.decode()
    markers = _markers(page, "mrr-annotations")
    labels = _markers(page, "mrr-chart-data")["labels"]
    assert [m["text"] for m in markers] == ["Kampagne gestartet"]
    assert labels[markers[0]["index"]] == _named("month", date(2025, 5, 2))
    assert "Only for ARR" not in page


@freeze_time("2025-05-20 12:00")
def test_bad_input_is_said_beside_its_field_and_changes_nothing(post, erik, workspace):
    for values, field, message in [
        ({"date": "", "text": "x"}, "date", "This field is required."),
        ({"date": "0001-01-01", "text": "x"}, "date", "The date must lie between 1970 and 2100."),
        ({"date": "2025-03-01", "text": "  "}, "text", "This field is required."),
        ({"date": "2025-03-01", "text": "x" * 201}, "text", "At most 200 characters."),
        ({"date": "2025-03-01", "text": "x", "kpi_key": "nope"}, "kpi_key", None),
    ]:
        answer = post(erik, LIST, {**values, "back": "mrr"})
        assert answer.status_code == 400, values
        errors = answer.context["form"].errors[field]
        assert message is None or errors == [message], errors
    with workspace_scope(workspace.id):
        assert not Annotation.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="annotation").exists()


@freeze_time("2025-05-20 12:00")
def test_an_editor_changes_and_deletes_an_annotation_and_goes_back_to_the_kpi(
    client_as, add, post, erik, alice, workspace
):
    note = add(workspace, alice, date(2025, 3, 14), "Preiserhöhung", "mrr")
    edit = f"/w/acme/annotations/{note.pk}/edit/"
    form = client_as(erik).get(edit + "?back=mrr").content.decode()
    assert 'value="Preiserhöhung"' in form and 'name="back" value="mrr"' in form
    changed = {"date": "2025-04-14", "text": "Preiserhöhung um 5 %", "kpi_key": "mrr"}
    answer = post(erik, edit, {**changed, "back": "mrr"})
    assert answer.status_code == 302 and answer["Location"] == KPI
    with workspace_scope(workspace.id):
        note.refresh_from_db()
        assert (note.day, note.text) == (date(2025, 4, 14), "Preiserhöhung um 5 %")
    answer = post(erik, edit, {"action": "delete", "back": "mrr"})
    assert answer.status_code == 302 and answer["Location"] == KPI
    with workspace_scope(workspace.id):
        assert not Annotation.objects.exists()
        actions = list(AuditEvent.objects.filter(action__startswith="annotation")
                       .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["annotation.added", "annotation.changed", "annotation.deleted"]
    assert "No annotations in this range." in client_as(erik).get(KPI).content.decode()


def test_viewers_and_outsiders_cannot_change_annotations(
    client_as, add, vera, charlie, alice, workspace
):
    note = add(workspace, alice, date(2025, 3, 14), "Bleibt")
    edit = f"/w/acme/annotations/{note.pk}/edit/"
    assert client_as(vera).get(LIST).status_code == 200
    assert client_as(vera).post(LIST, {"date": "2025-03-01", "text": "x"}).status_code == 403
    assert client_as(vera).post(edit, {"action": "delete"}).status_code == 403
    assert client_as(charlie).get(LIST).status_code == 404
    assert client_as(charlie).post(edit, {"action": "delete"}).status_code == 404
    with workspace_scope(workspace.id):
        assert Annotation.objects.get().text == "Bleibt"


def test_the_workspace_list_names_the_kpi_and_has_an_empty_state(
    client_as, add, vera, alice, workspace
):
    assert "No annotations yet" in client_as(vera).get(LIST).content.decode()
    add(workspace, alice, date(2025, 3, 14), "Preisliste", "mrr")
    add(workspace, alice, date(2025, 1, 2), "Jahresanfang")
    page = client_as(vera).get(LIST).content.decode()
    assert page.index("Jahresanfang") < page.index("Preisliste")  # by date
    assert "every chart" in page and '<a href="/w/acme/kpis/mrr/">MRR</a>' in page


@freeze_time("2025-05-20 12:00")
def test_a_new_annotation_shows_on_the_cached_kpi_page_at_once(
    client_as, add, vera, alice, workspace
):
    assert "Frisch" not in client_as(vera).get(KPI).content.decode()  # now cached
    add(workspace, alice, date(2025, 4, 1), "Frisch", "mrr")
    assert "Frisch" in client_as(vera).get(KPI).content.decode()


@freeze_time("2025-05-20 12:00")
def test_the_mrr_movements_chart_draws_mrr_and_workspace_wide_annotations(
    client_as, add, vera, alice, workspace
):
    add(workspace, alice, date(2025, 2, 20), "Preisliste", "mrr")
    add(workspace, alice, date(2025, 3, 5), "Messe")
    add(workspace, alice, date(2025, 3, 6), "Only NPS", "nps")
    page = client_as(vera).get("/w/acme/mrr/?grain=quarter").content.decode()
    markers = _markers(page, "movements-annotations")
    labels = _markers(page, "movements-data")["labels"]
    assert [(m["text"], labels[m["index"]]) for m in markers] == [
        ("Preisliste", _named("quarter", date(2025, 2, 20))),
        ("Messe", _named("quarter", date(2025, 3, 5))),
    ]
    assert "Only NPS" not in page
