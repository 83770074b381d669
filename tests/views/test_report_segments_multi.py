"""A report with a saved segment of several conditions: its tables, CSV, PDF and share link show
what the KPI pages show for that segment (the on-demand run of the account-level KPIs, the one
condition another KPI breaks down by) and say why a KPI is left out, never its total."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.utils import translation

import pytest
from freezegun import freeze_time
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.kpis.segments import segment_parse
from kpiapp.models import KpiSnapshot, Report, Segment
from kpiapp.selectors import segment_points as points_module
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.segments import ActiveSegment
from kpiapp.selectors.targets import kpi_facts
from kpiapp.selectors.tiles import dashboard_tiles
from tests.report_data import make_report, report_form
from tests.segment_multi_data import TODAY, multi_company_write

pytestmark = pytest.mark.django_db
APRIL = Period("month", month_index(date(2025, 4, 1)))
DE_PRO = "country:DE;plan:Pro"
DE_ADS = "country:DE;channel:Ads"
NONE_APPLIES = {
    "en": "This KPI cannot be shown for this combination of conditions: it has no breakdown by "
    "any of them.",
    "de": "Für diese Kombination von Bedingungen kann diese Kennzahl nicht angezeigt werden: "
    "Sie ist nach keiner davon aufgeteilt.",
}


@pytest.fixture
def company(workspace):
    multi_company_write(workspace)
    cache.clear()
    with workspace_scope(workspace.id):
        Segment.objects.create(name="DACH Pro", conditions=[
            {"dimension": "country", "value": "DE"}, {"dimension": "plan", "value": "Pro"},
        ])  # fmt: skip
    return workspace


def _report(user, workspace, segment: str = DE_PRO, **fields) -> Report:
    sections = [{"kpi": "mrr"}, {"kpi": "win_rate"}, {"kpi": "leads"}]
    return make_report(user, workspace, segment=segment, sections=sections, **fields)


def _dashboard_mrr(workspace, text: str) -> Decimal:
    with workspace_scope(workspace.id):
        (tile,) = dashboard_tiles(workspace=workspace, keys=("mrr",), period=APRIL,
                                  compare="previous", today=TODAY,
                                  segment=ActiveSegment(segment_parse(text)))  # fmt: skip
    return tile.value


def _content(report: Report, workspace):
    with workspace_scope(workspace.id):
        return report_content(report=report, workspace=workspace, today=TODAY, kpis=kpi_facts())


@freeze_time(TODAY)
def test_a_two_condition_reports_mrr_is_the_dashboards_and_a_deal_kpi_says_why_not(alice, company):
    report = _report(alice, company)
    assert (report.segment, report.dimension, report.dimension_value) == (DE_PRO, "", "")
    content = _content(report, company)
    mrr, win_rate, leads = content.sections
    assert [r.period for r in mrr.rows][-1] == APRIL
    assert mrr.latest.value == _dashboard_mrr(company, DE_PRO) == Decimal("2600.00")
    assert mrr.latest.compare_value == Decimal("2600.00")  # March: 1000 + 600 + 1000
    with workspace_scope(company.id):  # neither the total nor one condition's stored row
        stored = {
            (s.dimension, s.dimension_value): s.value
            for s in KpiSnapshot.objects.filter(
                kpi_key="mrr", grain="month", period_start=APRIL.start
            )
        }
    assert Decimal("2600.00") not in {stored[("", "")], stored[("plan", "Pro")]}
    assert mrr.filtered and not mrr.missing and not mrr.partly and not mrr.has_records
    for section in (win_rate, leads):  # neither breaks down by country or plan
        assert not section.has_values and not section.filtered
        assert all(r.value is None and r.compare_value is None for r in section.rows)
        assert section.missing == NONE_APPLIES["en"]
        with translation.override("de"):
            assert section.missing == NONE_APPLIES["de"]
    assert content.segment_label == "DACH Pro (Country: Germany, Plan: Pro)"


@freeze_time(TODAY)
def test_a_kpi_with_one_of_the_conditions_shows_it_and_says_so(alice, company):
    content = _content(_report(alice, company, segment=DE_ADS), company)
    mrr, win_rate, leads = content.sections
    assert mrr.latest.value == _dashboard_mrr(company, DE_ADS) == Decimal("1600.00")  # M1, M3
    with workspace_scope(company.id):
        germany = KpiSnapshot.objects.get(kpi_key="mrr", grain="month", period_start=APRIL.start,
                                          dimension="country", dimension_value="DE")  # fmt: skip
    assert germany.value == Decimal("2600.00")  # not the country's row
    assert leads.partly.startswith("This KPI shows “Channel: Ads” only")
    assert (leads.dimension, leads.dimension_value, leads.has_records) == ("channel", "Ads", True)
    assert leads.applied == "Channel: Ads"
    assert not leads.missing and not win_rate.missing  # both break down by channel


@freeze_time(TODAY)
def test_the_report_page_reads_the_cached_run(client_as, alice, company, monkeypatch):
    report = _report(alice, company)
    client = client_as(alice)
    first = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    monkeypatch.setattr(points_module, "segment_points", lambda *a, **k: pytest.fail("ran"))
    again = client.get(f"/w/acme/reports/{report.pk}/").content.decode()  # the cached run
    for page in (first, again):
        assert "€2,600.00" in page and NONE_APPLIES["en"] in page
        assert 'data-report-segment="country:DE;plan:Pro"' in page
        assert "DACH Pro (Country: Germany, Plan: Pro)" in page
        assert page.count('class="report-headline"') == 1  # MRR's: the others have no value
    # No records link for the on-demand values: the records split by one condition at a time.
    assert "/kpis/mrr/records/" not in first


@freeze_time(TODAY)
def test_the_page_in_german_and_a_kpi_shown_by_one_condition(client_as, alice, company):
    report = _report(alice, company, segment=DE_ADS, language="de")
    alice.language = "de"
    alice.save(update_fields=["language"])
    page = client_as(alice).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "Diese Kennzahl zeigt nur „Kanal: Ads“" in page
    assert "Land: Deutschland, Kanal: Ads" in page
    assert "/kpis/leads/records/?grain=month&amp;period=2025-04&amp;dimension=channel" in page


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    german = text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if german else ","))


@freeze_time(TODAY)
def test_the_csv_and_pdf_carry_the_values_and_the_reasons(client_as, alice, company):
    report = _report(alice, company)
    owner = client_as(alice)
    rows = _csv(owner.get(f"/w/acme/reports/{report.pk}/export.csv"))
    header = rows[0]
    by_kpi: dict[str, list[dict[str, str]]] = {}
    for row in rows[1:]:
        by_kpi.setdefault(row[0], []).append(dict(zip(header, row, strict=True)))
    assert {r["period"]: r["value"] for r in by_kpi["mrr"]}["2025-04"] == "2600.00"
    assert {r["segment"] for r in by_kpi["mrr"]} == {"DACH Pro (Country: Germany, Plan: Pro)"}
    assert {r["value"] for r in by_kpi["win_rate"]} == {""}
    assert {r["reason"] for r in by_kpi["win_rate"]} == {NONE_APPLIES["en"]}

    pdf = owner.get(f"/w/acme/reports/{report.pk}/export.pdf").content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Segment: DACH Pro (Country: Germany, Plan: Pro)" in text
    assert "2,600.00" in text and NONE_APPLIES["en"] in text


@freeze_time(TODAY)
def test_a_partly_shown_kpi_names_its_condition_in_the_csv(client_as, alice, company):
    report = _report(alice, company, segment=DE_ADS, language="de")
    alice.language = "de"
    alice.save(update_fields=["language"])
    rows = _csv(client_as(alice).get(f"/w/acme/reports/{report.pk}/export.csv"))
    segments = {r[0]: r[-1] for r in rows[1:]}
    assert segments["leads"] == "Kanal: Ads"
    assert segments["mrr"] == "Land: Deutschland, Kanal: Ads"


@freeze_time(TODAY)
def test_the_share_link_shows_the_values_without_login_and_no_records(
    client_as, client, alice, company
):
    report = _report(alice, company, language="de")
    response = client_as(alice).post(
        f"/w/acme/reports/{report.pk}/share-links/",
        {"label": "Beirat", "expires_on": "2025-05-31", "password": "", "allow_records": "on"},
    )
    path = re.search(r'value="http://[^/"]+(/share/[^"]+/)"', response.content.decode())[1]
    shared = client.get(path).content.decode()
    assert "2.600,00\xa0€" in shared and NONE_APPLIES["de"] in shared
    assert "DACH Pro (Land: Deutschland, Tarif: Pro)" in shared
    assert "/records/" not in shared.split("report-section", 2)[1]  # MRR: no records link
    assert client.get(f"{path}kpis/mrr/records/?period=2025-04").status_code == 404
    rows = _csv(client.get(path + "export.csv"))
    assert [r[4] for r in rows[1:] if r[0] == "mrr"][-1] == "2600,00"


@freeze_time(TODAY)
def test_the_form_saves_a_saved_segment_of_two_conditions(client_as, erik, company):
    client = client_as(erik)
    form = client.get("/w/acme/reports/new/").content.decode()
    assert '<option value="country:DE;plan:Pro">DACH Pro (Country: Germany, Plan: Pro)<' in form
    response = client.post("/w/acme/reports/new/", report_form(segment=DE_PRO))
    assert response.status_code == 302
    with workspace_scope(company.id):
        report = Report.objects.get()
    assert (report.segment, report.dimension) == (DE_PRO, "")
    edit = client.get(f"/w/acme/reports/{report.pk}/edit/").content.decode()
    assert '<option value="country:DE;plan:Pro" selected>' in edit


@freeze_time(TODAY)
def test_the_api_creates_such_a_report_and_its_content_says_why_a_kpi_is_left_out(alice, company):
    client = APIClient()
    client.force_authenticate(alice)
    base = "/api/v1/workspaces/acme/reports/"
    data = {
        "title": "DE Ads",
        "segment": DE_ADS,
        "range_kind": "last_n_months",
        "range_months": 3,
        "sections": [{"kpi": "mrr"}, {"kpi": "leads"}, {"kpi": "nps"}],
    }
    made = client.post(base, data, format="json")
    assert made.status_code == 201, made.content
    body = client.get(f"{base}{made.json()['id']}/content/").json()
    mrr, leads, nps = body["sections"]
    assert mrr["rows"][-1]["value"] == "1600.00" and mrr["missing"] == mrr["partly"] == ""
    assert leads["partly"].startswith("This KPI shows “Channel: Ads” only")
    assert nps["missing"].startswith("This KPI cannot be shown for this combination")
    assert all(r["value"] is None for r in nps["rows"])
