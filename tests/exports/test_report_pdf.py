"""A report as PDF: A4, the report's language, its numbers, the definitions, page numbers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from accounts.tenancy import workspace_scope
from kpiapp.exports.report_pdf import report_pdf
from kpiapp.models import Target
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.targets import kpi_facts
from tests.report_data import make_report, write_snapshots

pytestmark = pytest.mark.django_db
TODAY = date(2025, 4, 15)


def _pdf(workspace, report) -> tuple[PdfReader, str]:
    with workspace_scope(workspace.id):
        content = report_content(report=report, workspace=workspace, today=TODAY, kpis=kpi_facts())
        data = report_pdf(content)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


@pytest.fixture
def report(alice, workspace):
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 1, 1), "10000.00"),
        ("mrr", "month", date(2025, 2, 1), "11000.00"),
        ("mrr", "month", date(2025, 3, 1), "12345.67"),
        ("customer_churn_rate", "month", date(2025, 2, 1), "0.020000"),
        ("customer_churn_rate", "month", date(2025, 3, 1), "0.025000"),
        ("mrr", "quarter", date(2025, 1, 1), "12345.67"),
        ("mrr", "month", date(2024, 12, 1), "9000.00"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 1, 1), value=12000)
    return make_report(
        alice,
        workspace,
        include_targets=True,
        sections=[{"kpi": "mrr", "note": "Up again"}, {"kpi": "customer_churn_rate", "note": ""}],
    )


def test_an_english_pdf_has_the_numbers_definitions_and_page_numbers(workspace, report):
    reader, text = _pdf(workspace, report)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Board update" in text and "Acme GmbH" in text and "April 15, 2025" in text
    assert "Periods: Jan. 2025 – March 2025 (the last 3 closed months)" in text
    assert "€12,345.67" in text and "€11,000.00" in text and "+12.2 %" in text
    assert "2.5 %" in text and "+0.5 pp" in text  # a rate changes in points
    assert "Up again" in text
    assert "Targets Q1 2025" in text and "€12,000.00" in text and "hit" in text
    assert "Definitions" in text and "Monthly recurring revenue at the end of the period" in text


def test_names_with_markup_characters_read_as_typed_in_the_body_and_the_footer(workspace, report):
    name = 'Q4 "Plan" <Ziel> & Co\'s'
    workspace.name = name
    workspace.save()
    report.title = name
    report.save()
    reader, text = _pdf(workspace, report)
    assert text.count(name) >= 3  # the title, the workspace and the footer of each page
    footer = " ".join(reader.pages[-1].extract_text().split())
    assert f"{name} · {name} · April 15, 2025" in footer
    assert "&lt;" not in text and "&gt;" not in text and "&amp;" not in text
    assert reader.metadata.title == name and reader.metadata.author == name


def test_a_german_pdf_speaks_german_with_german_numbers(workspace, report):
    report.language = "de"
    report.save()
    _reader, text = _pdf(workspace, report)
    assert "Seite 1 von" in text and "15. April 2025" in text
    assert "(die letzten 3 abgeschlossenen Monate)" in text
    assert "12.345,67 €" in text and "+12,2 %" in text and "+0,5 Pp." in text
    assert "Kundenabwanderungsrate" in text and "Definitionen" in text


def test_a_report_without_values_still_renders_with_a_notice(alice, workspace):
    report = make_report(alice, workspace, sections=[{"kpi": "nps"}])
    _reader, text = _pdf(workspace, report)
    assert "No values for this range yet." in text and "NPS" in text, text
