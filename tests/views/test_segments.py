"""The segment filter on the pages: the dashboard's tiles and MRR chart, a KPI page and the
MRR movements show the segment's breakdown rows; a bad segment text gives a message, not a
500; saved segments (editors only, per workspace)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name
from kpiapp.models import Segment
from kpiapp.services.segments import segment_create
from tests.conftest import membership_of
from tests.segment_data import TODAY, company_write, mrr_by_hand

pytestmark = pytest.mark.django_db
APRIL = Period("month", month_index(TODAY) - 1)
APRIL_END = APRIL.start.replace(day=30)


@pytest.fixture(autouse=True)
def _in_may():
    with freeze_time("2025-05-20 12:00"):
        yield


@pytest.fixture
def company(workspace):
    company_write(workspace)
    return workspace


def _tile(response, key: str):
    return next(t for t in response.context["tiles"] if t.key == key)


def test_the_dashboard_of_a_segment_shows_its_values_and_keeps_it_in_the_tile_links(
    client_as, vera, company
):
    url = f"/w/acme/?grain=month&period={APRIL.label}&segment=country:US"
    response = client_as(vera).get(url)
    assert response.status_code == 200
    assert _tile(response, "mrr").value == mrr_by_hand(APRIL_END, country="US")
    html = response.content.decode()
    assert "/w/acme/kpis/mrr/?grain=month&amp;segment=country%3AUS" in html
    chart = response.context["mrr_chart"]
    april = chart["labels"].index(period_name(APRIL))
    assert chart["mrr"][april] == float(mrr_by_hand(APRIL_END, country="US"))
    whole = client_as(vera).get(f"/w/acme/?grain=month&period={APRIL.label}")
    assert _tile(whole, "mrr").value == mrr_by_hand(APRIL_END)


def test_a_kpi_page_of_a_segment_and_of_a_kpi_without_its_dimension(client_as, vera, company):
    client = client_as(vera)
    page = client.get("/w/acme/kpis/mrr/?segment=plan:Basic").context["page"]
    assert page.values[page.periods.index(APRIL)] == mrr_by_hand(APRIL_END, plan="Basic")
    vera.language = "de"
    vera.save(update_fields=["language"])
    response = client.get("/w/acme/kpis/win_rate/?segment=plan:Basic")
    assert "Für diese Kennzahl gibt es keine Aufteilung nach Tarif." in response.content.decode()


def test_the_movements_of_a_segment_link_to_no_customers(client_as, vera, company):
    response = client_as(vera).get("/w/acme/mrr/?segment=country:DE")
    april = next(r for r in response.context["rows"] if r.period == APRIL)
    assert april.mrr == mrr_by_hand(APRIL_END, country="DE")
    assert all(s["links"] == [] for s in response.context["chart"]["series"])
    assert "?movement=" not in response.content.decode()


@pytest.mark.parametrize("text", ["Deutschland", "owner:Anna", "country:", "x" * 2000])
@pytest.mark.parametrize("page", ["/w/acme/", "/w/acme/kpis/mrr/", "/w/acme/mrr/"])
def test_a_bad_segment_gives_a_message_and_every_customer(client_as, vera, company, page, text):
    response = client_as(vera).get(page, {"segment": text})
    assert response.status_code == 200
    assert response.context["segment"].applied is None
    assert 'role="alert"' in response.content.decode()


def test_several_conditions_say_that_only_the_first_applies(client_as, vera, company):
    response = client_as(vera).get("/w/acme/kpis/mrr/?segment=country:DE;plan:Pro")
    page = response.context["page"]
    assert page.values[page.periods.index(APRIL)] == mrr_by_hand(APRIL_END, country="DE")
    assert "only the first one (DE)" in response.content.decode()


def test_an_editor_saves_a_segment_from_the_filter_bar_and_deletes_it(client_as, erik, company):
    client = client_as(erik)
    made = client.post(
        "/w/acme/segments/",
        {"name": "USA", "segment": "country:US", "next": "/w/acme/?segment=country%3AUS"},
    )
    assert made.status_code == 302 and made.url == "/w/acme/?segment=country%3AUS"
    with workspace_scope(company.id):
        segment = Segment.objects.get()
        assert segment.text == "country:US"
        assert AuditEvent.objects.filter(action="segment.created", subject="USA").exists()
    shown = client.get("/w/acme/?segment=country:US")
    assert shown.context["segment"].name == "USA"
    assert '<option value="country:US" selected>USA</option>' in shown.content.decode()
    client.post(f"/w/acme/segments/{segment.pk}/delete/")
    with workspace_scope(company.id):
        assert not Segment.objects.exists()


def test_a_bad_saved_segment_changes_nothing(client_as, erik, company):
    client = client_as(erik)
    for data in ({"name": "", "segment": "country:US"}, {"name": "X", "segment": "Land"},
                 {"name": "X", "segment": ""}):  # fmt: skip
        client.post("/w/acme/segments/", data)
    with workspace_scope(company.id):
        assert not Segment.objects.exists()
    page = client.get("/w/acme/segments/")
    assert page.status_code == 200


def test_viewers_cannot_save_segments_and_outsiders_see_none(
    client_as, alice, vera, charlie, company, other_workspace
):
    denied = client_as(vera).post("/w/acme/segments/", {"name": "X", "segment": "country:US"})
    assert denied.status_code == 403
    with workspace_scope(other_workspace.id):
        theirs = segment_create(membership=membership_of(charlie, other_workspace),
                                name="Theirs", text="country:FR")  # fmt: skip
    with workspace_scope(company.id):
        mine = segment_create(membership=membership_of(alice, company), name="Mine",
                              text="plan:Pro")  # fmt: skip
    outsider = client_as(charlie)
    assert outsider.get("/w/acme/segments/").status_code == 404
    assert outsider.post(f"/w/acme/segments/{mine.pk}/delete/").status_code == 404
    assert client_as(alice).post(f"/w/acme/segments/{theirs.pk}/delete/").status_code == 404
    shown = client_as(vera).get("/w/acme/").content.decode()
    assert ">Mine</option>" in shown and "Theirs" not in shown
    with workspace_scope(other_workspace.id):
        assert Segment.objects.filter(pk=theirs.pk).exists()


def test_the_cohorts_page_says_its_table_is_not_available_per_segment(client_as, vera, company):
    client = client_as(vera)
    whole = client.get("/w/acme/cohorts/?measure=revenue")
    assert whole.context["rows"] and whole.context["segment"].applied is None
    response = client.get("/w/acme/cohorts/?measure=revenue&segment=country:DE")
    assert response.status_code == 200
    assert response.context["rows"] == []  # never the total under a segment's name
    html = response.content.decode()
    assert "data-segment-bar" in html and 'data-segment-active="country:DE"' in html
    assert "not available per segment" in html
    assert "?measure=logo&amp;segment=country%3ADE" in html  # the tabs keep the segment
    vera.language = "de"
    vera.save(update_fields=["language"])
    german = client.get("/w/acme/cohorts/?segment=country:DE").content.decode()
    assert "Die Kohortentabelle gibt es nicht je Segment" in german


def test_the_cohorts_page_cache_reads_the_segment(client_as, vera, company):
    client = client_as(vera)
    assert client.get("/w/acme/cohorts/").context["rows"]
    cached = client.get("/w/acme/cohorts/?segment=plan:Pro")
    assert "data-cohorts-segment" in cached.content.decode()
