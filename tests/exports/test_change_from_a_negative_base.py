"""Net new MRR from −2.242 € to +13.258 €: every reader of a report (page, CSV, PDF, API)
shows the difference (+15.500 €), not a percentage of a negative base (issue 19)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from accounts.tenancy import workspace_scope
from kpiapp.exports.report_csv import report_csv_lines
from kpiapp.exports.report_pdf import report_pdf
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.targets import kpi_facts
from tests.report_data import TODAY, make_report, write_snapshots

pytestmark = pytest.mark.django_db
FEBRUARY, MARCH = Decimal("-2242.00"), Decimal("13258.00")


@pytest.fixture
def report(alice, workspace):
    write_snapshots(workspace, [
        ("mrr_net_new", "month", date(2025, 2, 1), str(FEBRUARY)),
        ("mrr_net_new", "month", date(2025, 3, 1), str(MARCH)),
    ])  # fmt: skip
    return make_report(alice, workspace, range_months=2, sections=[{"kpi": "mrr_net_new"}])


def _content(workspace, report):
    with workspace_scope(workspace.id), freeze_time(TODAY):
        return report_content(
            report=report, workspace=workspace, today=date(2025, 4, 15), kpis=kpi_facts()
        )


def test_the_report_row_holds_the_difference(workspace, report):
    march = _content(workspace, report).sections[0].rows[-1]
    assert march.change == MARCH - FEBRUARY and march.change_absolute and march.change_good


def test_the_csv_says_the_change_is_a_difference(workspace, report):
    text = "".join(report_csv_lines(_content(workspace, report), language="en", table="values"))
    rows = list(csv.DictReader(io.StringIO(text)))
    march = next(r for r in rows if r["period"] == "2025-03")
    assert Decimal(march["change"]) == MARCH - FEBRUARY
    assert (march["change_absolute"], march["change_in_points"]) == ("1", "0")


@pytest.mark.parametrize(("language", "shown"), [("de", "+15.500,00 €"), ("en", "+€15,500.00")])
def test_the_pdf_and_the_page_show_money_not_a_percentage(
    client_as, alice, workspace, report, language, shown
):
    report.language = language
    report.save()
    data = report_pdf(_content(workspace, report))
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert shown in text.replace("\u00a0", " ") and "691" not in text
    alice.language = language
    alice.save()
    client = client_as(alice)
    with freeze_time(TODAY):
        page = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert shown.replace(" ", "\u00a0") in page
