"""/api/v1/workspaces/<slug>/annotations/: viewers read, editors write, outsiders see
nothing, bad input stores nothing; filters by KPI and dates; paginated."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.models import Annotation
from kpiapp.services.annotations import annotation_create
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/annotations/"
PRICE = {"date": "2025-03-14", "text": "Preisliste geändert", "kpi_key": "mrr"}


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _stored(workspace) -> list[tuple[date, str, str]]:
    with workspace_scope(workspace.id):
        return list(Annotation.objects.order_by("id").values_list("day", "text", "kpi_key"))


def _add(workspace, user, day: date, text: str, kpi_key: str = "") -> Annotation:
    with workspace_scope(workspace.id):
        return annotation_create(
            membership=membership_of(user, workspace), day=day, text=text, kpi_key=kpi_key
        )


def test_an_editor_creates_changes_and_deletes_an_annotation_and_each_is_audited(erik, workspace):
    created = _as(erik).post(URL, PRICE, format="json")
    assert created.status_code == 201, created.json()
    note = created.json()
    assert {k: note[k] for k in PRICE} == PRICE and note["created_by"] == erik.email
    changed = _as(erik).patch(f"{URL}{note['id']}/", {"kpi_key": ""}, format="json")
    assert changed.status_code == 200 and changed.json()["kpi_key"] == ""
    replaced = _as(erik).put(f"{URL}{note['id']}/", {"date": "2025-04-01", "text": "Neu"},
                             format="json")  # fmt: skip
    assert replaced.status_code == 200, replaced.json()
    assert _stored(workspace) == [(date(2025, 4, 1), "Neu", "")]
    assert _as(erik).delete(f"{URL}{note['id']}/").status_code == 204
    assert _stored(workspace) == []
    with workspace_scope(workspace.id):
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "annotation.added", "annotation.changed", "annotation.changed", "annotation.deleted"
    ]  # fmt: skip


def test_viewers_read_annotations_but_cannot_write_them(alice, vera, workspace):
    note = _add(workspace, alice, date(2025, 3, 14), "Bleibt")
    listed = _as(vera).get(URL)
    assert listed.status_code == 200
    assert [n["id"] for n in listed.json()["results"]] == [note.pk]
    assert _as(vera).post(URL, PRICE, format="json").status_code == 403
    assert _as(vera).patch(f"{URL}{note.pk}/", {"text": "x"}, format="json").status_code == 403
    assert _as(vera).delete(f"{URL}{note.pk}/").status_code == 403
    assert _stored(workspace) == [(date(2025, 3, 14), "Bleibt", "")]


def test_another_workspace_sees_and_touches_nothing(alice, charlie, workspace, other_workspace):
    note = _add(workspace, alice, date(2025, 3, 14), "Nur bei Acme")
    assert _as(charlie).get(URL).status_code == 404
    theirs = f"/api/v1/workspaces/beta/annotations/{note.pk}/"
    assert _as(charlie).get(theirs).status_code == 404
    assert _as(charlie).patch(theirs, {"text": "x"}, format="json").status_code == 404
    assert _as(charlie).delete(theirs).status_code == 404
    assert _as(charlie).get("/api/v1/workspaces/beta/annotations/").json()["results"] == []
    assert _stored(workspace) == [(date(2025, 3, 14), "Nur bei Acme", "")]


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"date": "0001-01-01"}, "date", "The date must lie between 1970 and 2100."),
        ({"date": "2101-01-01"}, "date", "The date must lie between 1970 and 2100."),
        ({"text": "   "}, "text", "Enter a text."),
        ({"text": "x" * 201}, "text", "At most 200 characters."),
        ({"kpi_key": "umsatz_pro_mond"}, "kpi_key", "There is no such KPI."),
        ({"kpi_key": "custom_gibt_es_nicht"}, "kpi_key", "There is no such KPI."),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    erik, alice, workspace, given, field, message
):
    refused = _as(erik).post(URL, {**PRICE, **given}, format="json")
    assert refused.status_code == 400
    assert refused.json()[field] == [message]
    note = _add(workspace, alice, date(2025, 1, 2), "Unverändert")
    patched = _as(erik).patch(f"{URL}{note.pk}/", given, format="json")
    assert patched.status_code == 400 and patched.json()[field] == [message]
    assert _stored(workspace) == [(date(2025, 1, 2), "Unverändert", "")]
    with workspace_scope(workspace.id):
        assert AuditEvent.objects.filter(action="annotation.added").count() == 1  # the _add


def test_a_missing_date_or_text_is_refused(erik, workspace):
    refused = _as(erik).post(URL, {"kpi_key": "mrr"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"date", "text"}
    assert _stored(workspace) == []


def test_the_list_filters_by_kpi_and_dates(alice, vera, workspace):
    every = _add(workspace, alice, date(2025, 1, 10), "Für alle")
    mrr = _add(workspace, alice, date(2025, 2, 10), "MRR", "mrr")
    arr = _add(workspace, alice, date(2025, 3, 10), "ARR", "arr")

    def ids(query: str) -> list[int]:
        answer = _as(vera).get(URL + query)
        assert answer.status_code == 200, answer.json()
        return [n["id"] for n in answer.json()["results"]]

    assert ids("") == [every.pk, mrr.pk, arr.pk]  # by date
    assert ids("?kpi=mrr") == [every.pk, mrr.pk]  # its own and those for every chart
    assert ids("?since=2025-02-10") == [mrr.pk, arr.pk]
    assert ids("?until=2025-02-10") == [every.pk, mrr.pk]
    assert ids("?kpi=arr&since=2025-02-01&until=2025-03-31") == [arr.pk]
    assert _as(vera).get(URL + "?since=gestern").status_code == 400


def test_the_list_comes_in_pages(alice, vera, workspace):
    for day in range(1, 4):
        _add(workspace, alice, date(2025, 1, day), f"Tag {day}")
    first = _as(vera).get(URL + "?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = _as(vera).get(first["next"]).json()
    assert [n["text"] for n in second["results"]] == ["Tag 3"]


def test_the_api_answers_in_german_for_a_german_reader(erik, workspace):
    refused = _as(erik).post(URL, {**PRICE, "text": ""}, format="json",
                             HTTP_ACCEPT_LANGUAGE="de")  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["text"] == ["Geben Sie einen Text ein."]
