"""The segment filter on the pages: the dashboard's tiles and MRR chart, a KPI page and the
MRR movements show the segment's breakdown rows; a bad segment text gives a message, not a
500; saved segments (editors only, per workspace)."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name
from kpiapp.models import Segment
from kpiapp.services.segments import segment_create
from tests.conftest import membership_of
from tests.segment_data import TODAY, mrr_by_hand

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_may")]
APRIL = Period("month", month_index(TODAY) - 1)
APRIL_END = APRIL.start.replace(day=30)


@pytest.fixture
def company(segment_company):
    return segment_company


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


def test_the_movements_of_a_segment_link_to_the_segments_customers(client_as, vera, company):
    client = client_as(vera)
    response = client.get("/w/acme/mrr/?segment=country:US")
    april = next(r for r in response.context["rows"] if r.period == APRIL)
    assert april.mrr == mrr_by_hand(APRIL_END, country="US")
    link = f"/w/acme/customers/?movement=mrr_churn&period={APRIL.label}&segment=country%3AUS"
    churn = next(s for s in response.context["chart"]["series"] if s["key"] == "mrr_churn")
    assert link in churn["links"]
    assert link.replace("&", "&amp;") in response.content.decode()
    listed = client.get(link)
    assert [(r.name, amount) for r, amount in listed.context["rows"]] == [("A2", 500)]
    assert listed.context["snapshot"].value == -april.values["mrr_churn"]
    assert 'data-segment-active="country:US"' in listed.content.decode()


@pytest.mark.parametrize("text", ["Deutschland", "owner:Anna", "country:", "x" * 2000])
@pytest.mark.parametrize("page", ["/w/acme/", "/w/acme/kpis/mrr/", "/w/acme/mrr/"])
def test_a_bad_segment_gives_a_message_and_every_customer(client_as, vera, company, page, text):
    response = client_as(vera).get(page, {"segment": text})
    assert response.status_code == 200
    assert response.context["segment"].applied is None
    assert 'role="alert"' in response.content.decode()


def test_several_conditions_apply_together(client_as, vera, company):
    client = client_as(vera)
    response = client.get("/w/acme/kpis/mrr/?segment=country:DE;plan:Pro")
    page = response.context["page"]
    assert page.values[page.periods.index(APRIL)] == mrr_by_hand(
        APRIL_END, country="DE", plan="Pro"
    )
    assert page.name == "Country: Germany, Plan: Pro" and page.breakdown is None
    assert "only the first" not in response.content.decode()
    dashboard = client.get(f"/w/acme/?grain=month&period={APRIL.label}&segment=plan:Pro;country:US")
    assert _tile(dashboard, "mrr").value == 0  # A2 (US, Pro) ended on 10 April
    assert _tile(dashboard, "win_rate").value is None
    assert "cannot be shown for this combination" in _tile(dashboard, "win_rate").reason


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


def test_the_cohorts_page_shows_the_segments_cohorts(client_as, vera, company):
    client = client_as(vera)
    whole = client.get("/w/acme/cohorts/?measure=revenue")
    assert whole.context["rows"] and whole.context["segment"].applied is None
    response = client.get("/w/acme/cohorts/?measure=logo&segment=country:DE")
    assert response.status_code == 200
    # A0 (Pro, November) and A1 (Basic, February): never the total under a segment's name.
    assert [(r.cohort.label, r.size) for r in response.context["rows"]] == [
        ("2025-02", 1),
        ("2024-11", 1),
    ]
    html = response.content.decode()
    assert "data-segment-bar" in html and 'data-cohorts-segment="country:DE"' in html
    assert "?measure=revenue&amp;segment=country%3ADE" in html  # the tabs keep the segment
    both = client.get("/w/acme/cohorts/?segment=country:US;plan:Pro").context["rows"]
    assert [(r.cohort.label, r.size, r.cells[:4]) for r in both] == [
        ("2025-01", 1, [1, 1, 1, 0])  # A2 from January, gone on 10 April
    ]
    vera.language = "de"
    vera.save(update_fields=["language"])
    nobody = client.get("/w/acme/cohorts/?segment=country:US;country:DE").content.decode()
    assert "Keine Kohorten in diesem Segment" in nobody


def test_the_cohorts_page_cache_reads_the_segment(client_as, vera, company):
    client = client_as(vera)
    assert client.get("/w/acme/cohorts/").context["rows"]
    cached = client.get("/w/acme/cohorts/?segment=plan:Pro")
    assert 'data-cohorts-segment="plan:Pro"' in cached.content.decode()
