"""Annotations on the targets page's burn-up charts and on a report's charts (also through a
share link): drawn where their day lies and listed under the chart, in both languages."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name
from kpiapp.models import Annotation, Target
from kpiapp.services.annotations import annotation_create
from tests.conftest import membership_of
from tests.report_data import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("company")]


def _data(html: str, data_id: str) -> Any:
    found = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {data_id} data on the page"
    return json.loads(found[1])


@pytest.fixture
def notes(workspace, alice, django_capture_on_commit_callbacks):
    """Two for MRR's charts (one of them for every chart), one for ARR only, one outside."""
    with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=True):
        made = [
            annotation_create(membership=membership_of(alice, workspace), day=day, text=text,
                              kpi_key=key)
            for day, text, key in [
                (date(2025, 3, 10), "Preisliste geändert", ""),
                (date(2025, 4, 16), "Partnerprogramm", "mrr"),
                (date(2025, 5, 2), "Kampagne gestartet", ""),
                (date(2025, 5, 3), "Only ARR", "arr"),
                (date(2024, 6, 1), "Long ago", ""),
            ]
        ]  # fmt: skip
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 4, 1), value=Decimal(9000))
    return made


@freeze_time("2025-05-20 12:00")
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_burnup_chart_draws_the_quarters_annotations_between_its_month_ends(
    client_as, vera, notes, language
):
    vera.language = language
    vera.save(update_fields=["language"])
    with workspace_scope(notes[0].workspace_id):
        target = Target.objects.get()
    page = client_as(vera).get("/w/acme/targets/?quarter=2025-Q2").content.decode()
    data_id = f"burnup-{target.pk}-annotations"
    assert f'data-burnup="burnup-{target.pk}" data-annotations="{data_id}"' in page
    markers = _data(page, data_id)
    # 16 April: half way from the quarter's start (0) to the end of April (1); 2 May just
    # after the end of April.
    assert [(m["number"], m["text"], m["index"]) for m in markers] == [
        (1, "Partnerprogramm", round(15.5 / 30, 3)),
        (2, "Kampagne gestartet", round(1 + 1.5 / 31, 3)),
    ]
    listed = page.split(data_id + "-title")[1]
    assert "Partnerprogramm" in listed and "Kampagne gestartet" in listed
    assert ("Annotations" if language == "en" else "Anmerkungen") in page
    assert "Only ARR" not in page and "Preisliste" not in page and "Long ago" not in page
    assert "/w/acme/annotations/" not in listed


@freeze_time("2025-05-20 12:00")
def test_a_quarter_without_annotations_shows_no_list_under_its_burnup(client_as, vera, notes):
    page = client_as(vera).get("/w/acme/targets/?quarter=2025-Q2").content.decode()
    assert page.count('class="chart-annotations"') == 1
    with workspace_scope(notes[0].workspace_id):
        Target.objects.create(kpi_key="arr", quarter_start=date(2025, 7, 1), value=1)
    later = client_as(vera).get("/w/acme/targets/?quarter=2025-Q3").content.decode()
    assert "chart-annotations" not in later and "data-annotations" not in later


@freeze_time("2025-05-20 12:00")
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_reports_charts_and_its_share_link_draw_and_list_the_annotations(
    client_as, client, alice, workspace, notes, language
):
    report = make_report(alice, workspace, language=language,
                         sections=[{"kpi": "mrr"}, {"kpi": "arr"}])  # fmt: skip
    alice.language = language
    alice.save(update_fields=["language"])
    owner = client_as(alice)
    page = owner.get(f"/w/acme/reports/{report.pk}/").content.decode()
    labels = [c["labels"] for c in _data(page, "report-charts")]
    mrr = _data(page, "report-annotations-mrr")
    arr = _data(page, "report-annotations-arr")
    assert [m["text"] for m in mrr] == ["Preisliste geändert", "Partnerprogramm"]
    assert [m["text"] for m in arr] == ["Preisliste geändert"]
    with translation.override(language):
        months = [period_name(Period("month", month_index(date(2025, m, 1)))) for m in (3, 4)]
    assert [labels[0][m["index"]] for m in mrr] == months
    assert 'id="report-chart-0" data-annotations="report-annotations-mrr"' in page
    assert "/w/acme/annotations/" not in page  # no link to the list under every chart
    assert "Kampagne gestartet" not in page  # after the report's last month

    response = owner.post(
        f"/w/acme/reports/{report.pk}/share-links/",
        {"label": "Investor", "expires_on": "2025-05-31", "password": ""},
    )
    path = re.search(r'value="http://[^/"]+(/share/[^"]+/)"', response.content.decode())[1]
    shared = client.get(path).content.decode()
    assert _data(shared, "report-annotations-mrr") == mrr
    assert "Partnerprogramm" in shared
    assert ("Annotations" if language == "en" else "Anmerkungen") in shared
    assert "/w/acme/" not in shared  # still no way into the workspace


@freeze_time("2025-05-20 12:00")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Annotations", "1. March 10, 2025: Preisliste geändert (every chart)",
                "2. April 16, 2025: Partnerprogramm (MRR)"]),
        ("de", ["Anmerkungen", "1. 10. März 2025: Preisliste geändert (alle Diagramme)",
                "2. 16. April 2025: Partnerprogramm (MRR)"]),
    ],
)  # fmt: skip
def test_the_reports_pdf_draws_and_lists_the_annotations_too(
    client_as, alice, workspace, notes, language, expected
):
    report = make_report(alice, workspace, language=language, sections=[{"kpi": "mrr"}])
    pdf = client_as(alice).get(f"/w/acme/reports/{report.pk}/export.pdf").content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for line in expected:
        assert line in text
    assert "Kampagne gestartet" not in text and "Only ARR" not in text
    bare = make_report(alice, workspace, title="Only ARR", sections=[{"kpi": "customers_new"}])
    with workspace_scope(workspace.id):
        Annotation.objects.all().delete()
    pdf = client_as(alice).get(f"/w/acme/reports/{bare.pk}/export.pdf").content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert expected[0] not in text  # no list without annotations
