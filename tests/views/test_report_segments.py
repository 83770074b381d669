"""A report with a segment (issue 19 item 4): chosen in the report form among the workspace's
values and saved segments, its tables, chart, CSV, PDF and share link read the segment's
breakdown rows and say which segment it is; other workspaces' segments are not offered."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from accounts.models import Membership
from accounts.tenancy import workspace_scope
from kpiapp.models import Report, Segment
from kpiapp.services.reports import report_update
from tests.report_data import TODAY, make_report, report_form, write_snapshots

pytestmark = pytest.mark.django_db
MONTHS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
TOTAL = {m: Decimal(10_000 + 1_000 * n) for n, m in enumerate(MONTHS)}
REFERRAL = {m: Decimal("1234.50") + 100 * n for n, m in enumerate(MONTHS)}


@pytest.fixture
def channels(workspace):
    write_snapshots(
        workspace,
        [("mrr", "month", m, str(v)) for m, v in TOTAL.items()]
        + [("mrr", "month", m, str(v), "channel", "Referral") for m, v in REFERRAL.items()]
        + [("mrr", "month", m, "1.00", "channel", "Paid ads") for m in MONTHS],
    )
    return workspace


def _euros(amount: Decimal) -> str:
    return f"€{amount:,.2f}"


@freeze_time(TODAY)
def test_the_report_form_offers_the_values_and_saves_the_segment(client_as, erik, channels):
    client = client_as(erik)
    form = client.get("/w/acme/reports/new/").content.decode()
    assert 'value="channel:Referral"' in form and "Channel: Referral" in form
    response = client.post("/w/acme/reports/new/", report_form(segment="channel:Referral"))
    assert response.status_code == 302
    with workspace_scope(channels.id):
        report = Report.objects.get()
    assert (report.segment, report.dimension, report.dimension_value) == (
        "channel:Referral", "channel", "Referral",
    )  # fmt: skip
    page = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert 'data-report-segment="channel:Referral"' in page
    assert "Segment</dt><dd" in page and "Channel: Referral" in page
    assert _euros(REFERRAL[MONTHS[-1]]) in page and _euros(TOTAL[MONTHS[-1]]) not in page
    edit = client.get(f"/w/acme/reports/{report.pk}/edit/").content.decode()
    assert re.search(r'<option value="channel:Referral" selected>', edit)


@freeze_time(TODAY)
def test_bad_segments_answer_400_and_save_nothing(client_as, erik, channels):
    client = client_as(erik)
    with workspace_scope(channels.id):
        Segment.objects.create(name="Two", conditions=[
            {"dimension": "channel", "value": "Referral"}, {"dimension": "plan", "value": "Pro"},
        ])  # fmt: skip
    for data, message in [
        (
            report_form(segment="channel:Referral;plan:Basic"),
            "Select a valid choice",
        ),  # not offered
        (report_form(segment="owner:Anna"), "Select a valid choice"),
        (
            report_form(segment="channel:Referral", dimension="plan", dimension_value="Pro"),
            "Choose a segment or a filter, not both.",
        ),
        (
            report_form(
                segment="channel:Referral;plan:Pro", dimension="plan", dimension_value="Pro"
            ),
            "Choose a segment or a filter, not both.",
        ),
    ]:
        response = client.post("/w/acme/reports/new/", data)
        assert response.status_code == 400 and message in response.content.decode()
    form = client.get("/w/acme/reports/new/").content.decode()
    # A saved segment of two conditions is offered, by its name and its conditions.
    assert '<option value="channel:Referral;plan:Pro">Two (Channel: Referral, Plan: Pro)<' in form
    with pytest.raises(ValidationError, match="not both"):
        make_report(erik, channels, segment="channel:Referral;plan:Pro", dimension="plan",
                    dimension_value="Pro")  # fmt: skip  # as the API sends it
    with pytest.raises(ValidationError, match="too long"):
        make_report(erik, channels, segment=";".join(f"campaign:{n}" * 20 for n in range(4)))
    with workspace_scope(channels.id):
        assert not Report.objects.exists()


@freeze_time(TODAY)
def test_the_csv_pdf_and_share_link_read_the_segment(client_as, client, alice, channels):
    with workspace_scope(channels.id):
        Segment.objects.create(name="Empfehlungen", conditions=[
            {"dimension": "channel", "value": "Referral"},
        ])  # fmt: skip
    report = make_report(alice, channels, segment="channel:Referral", sections=[{"kpi": "mrr"}])
    owner = client_as(alice)
    csv = b"".join(owner.get(f"/w/acme/reports/{report.pk}/export.csv").streaming_content).decode()
    values = {line.split(",")[3]: line.split(",")[4] for line in csv.splitlines()[1:]}
    assert values == {m.strftime("%Y-%m"): f"{v:.2f}" for m, v in REFERRAL.items()}

    pdf = owner.get(f"/w/acme/reports/{report.pk}/export.pdf").content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Segment: Empfehlungen (Channel: Referral)" in text
    assert "1,434.50" in text and "12,000.00" not in text

    response = owner.post(
        f"/w/acme/reports/{report.pk}/share-links/",
        {"label": "Investor", "expires_on": "2025-05-31", "password": ""},
    )
    path = re.search(r'value="http://[^/"]+(/share/[^"]+/)"', response.content.decode())[1]
    shared = client.get(path).content.decode()
    assert "Empfehlungen (Channel: Referral)" in shared
    assert _euros(REFERRAL[MONTHS[-1]]) in shared and _euros(TOTAL[MONTHS[-1]]) not in shared


@freeze_time(TODAY)
def test_a_german_report_names_its_segment_in_german(client_as, alice, channels):
    report = make_report(alice, channels, segment="channel:Referral", language="de")
    alice.language = "de"
    alice.save(update_fields=["language"])
    page = client_as(alice).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "Kanal: Referral" in page
    pdf = client_as(alice).get(f"/w/acme/reports/{report.pk}/export.pdf").content
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Segment: Kanal: Referral" in text


@freeze_time(TODAY)
def test_changing_the_segment_moves_the_filter_and_no_segment_leaves_reports_alone(alice, channels):
    report = make_report(alice, channels, segment="channel:Referral")
    membership = Membership.all_workspaces.get(user=alice, workspace=channels)
    with workspace_scope(channels.id):
        report_update(membership=membership, report=report, data={"segment": "channel:Paid ads"})
        assert (report.dimension, report.dimension_value) == ("channel", "Paid ads")
        report_update(membership=membership, report=report, data={"segment": ""})
        assert (report.segment, report.dimension, report.dimension_value) == ("", "", "")
    plain = make_report(alice, channels, dimension="channel", dimension_value="Referral")
    assert plain.segment == ""


@freeze_time(TODAY)
def test_another_workspaces_segments_are_not_offered(client_as, charlie, other_workspace, channels):
    with workspace_scope(channels.id):
        Segment.objects.create(name="Geheim", conditions=[
            {"dimension": "channel", "value": "Referral"},
        ])  # fmt: skip
    form = client_as(charlie).get(f"/w/{other_workspace.slug}/reports/new/").content.decode()
    assert "channel:Referral" not in form and "Geheim" not in form


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    german = text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if german else ","))


@freeze_time(TODAY)
@pytest.mark.parametrize(
    ("language", "words", "churn"),
    [
        ("en", "Top referrers (Channel: Referral)", "Customer churn rate"),
        ("de", "Top referrers (Kanal: Referral)", "Kundenabwanderungsrate"),
    ],
)
def test_the_csv_and_the_shared_csv_name_the_segment_in_the_readers_words(
    client_as, client, alice, channels, language, words, churn
):
    with workspace_scope(channels.id):
        Segment.objects.create(name="Top referrers", conditions=[
            {"dimension": "channel", "value": "Referral"},
        ])  # fmt: skip
    report = make_report(alice, channels, segment="channel:Referral", language=language)
    alice.language = language
    alice.save(update_fields=["language"])
    owner = client_as(alice)
    rows = _csv_rows(owner.get(f"/w/acme/reports/{report.pk}/export.csv"))
    assert rows[0][-1] == "segment"
    mrr = [r for r in rows[1:] if r[0] == "mrr"]
    assert [r[4] for r in mrr] == [
        f"{v:.2f}".replace(".", "," if language == "de" else ".") for v in REFERRAL.values()
    ]
    assert {r[-1] for r in rows[1:]} == {words}
    # Words are put in the reader's language even though the file streams after the view.
    assert {r[1] for r in rows[1:] if r[0] == "customer_churn_rate"} == {churn}

    response = owner.post(
        f"/w/acme/reports/{report.pk}/share-links/",
        {"label": "Investor", "expires_on": "2025-05-31", "password": ""},
    )
    path = re.search(r'value="http://[^/"]+(/share/[^"]+/)"', response.content.decode())[1]
    shared = _csv_rows(client.get(path + "export.csv"))
    assert shared == rows  # a shared link reads the report's language
