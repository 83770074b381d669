"""The report pages: composing, reading by role and visibility, duplicating, comments."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Report, ReportComment
from tests.report_data import TODAY, make_report, report_form

pytestmark = pytest.mark.django_db


@freeze_time(TODAY)
def test_an_editor_composes_a_report_and_a_viewer_reads_its_values(
    client_as, erik, vera, workspace, snapshots
):
    response = client_as(erik).post("/w/acme/reports/new/", report_form())
    assert response.status_code == 302
    with workspace_scope(workspace.id):
        report = Report.objects.get()
    assert response["Location"] == f"/w/acme/reports/{report.pk}/"
    assert report.sections == [
        {"kpi": "mrr", "note": "Our main number"},
        {"kpi": "customer_churn_rate", "note": ""},
    ]
    assert report.owner == erik and report.range_code == "last_n_months:3"
    page = client_as(vera).get(response["Location"]).content.decode()
    assert "Monthly numbers" in page and "Our main number" in page
    assert "(the last 3 closed months)" in page
    assert "2025-01" in page and "2025-03" in page and "2024-12" not in page.split("<table")[1]
    assert "€12,345.67" in page and "€11,000.00" in page
    assert "+12.2\u00a0%" in page  # 12,345.67 / 11,000 − 1
    assert "€12,000.00" in page  # the quarter's target
    assert "no customers at start" in page  # the reason an undefined value has no number
    listing = client_as(vera).get("/w/acme/reports/").content.decode()
    assert "Monthly numbers" in listing and "Erik Editor" in listing


@freeze_time(TODAY)
def test_a_filtered_report_shows_the_breakdown_value_and_totals_for_kpis_without_it(
    client_as, alice, workspace, snapshots
):
    report = make_report(
        alice,
        workspace,
        dimension="plan",
        dimension_value="Pro",
        sections=[{"kpi": "mrr"}, {"kpi": "visits"}],
    )
    page = client_as(alice).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "€2,500.00" in page and "€12,345.67" not in page
    assert "Plan: Pro" in page
    assert "has no breakdown by Plan; it shows the total" in page and "4,321" in page


@freeze_time(TODAY)
def test_bad_settings_answer_400_with_a_message_and_save_nothing(client_as, erik, workspace):
    client = client_as(erik)
    response = client.post("/w/acme/reports/new/", report_form(grain="quarter", range_months="4"))
    assert response.status_code == 400
    assert "must be a multiple of 3" in response.content.decode()
    response = client.post("/w/acme/reports/new/", report_form(range_kind="absolute"))
    assert "Write a period as YYYY-MM" in response.content.decode()
    response = client.post(
        "/w/acme/reports/new/", report_form(**{"section-0-kpi": "", "section-1-kpi": ""})
    )
    assert "Choose at least one KPI." in response.content.decode()
    response = client.post("/w/acme/reports/new/", report_form(**{"section-0-kpi": "mrr"}))
    assert "is already in the report" in response.content.decode()
    with workspace_scope(workspace.id):
        assert not Report.objects.exists()


def test_a_template_prefills_the_composer(client_as, erik, workspace):
    page = client_as(erik).get("/w/acme/reports/new/?template=quarterly").content.decode()
    assert 'value="Quarterly review"' in page
    assert '<option value="nrr" selected>' in page and re.search(
        r'<input[^>]*name="include_targets"[^>]*checked', page
    )


@freeze_time(TODAY)
def test_a_private_report_is_seen_by_its_owner_only_not_even_by_admins(
    client_as, erik, adam, alice, vera, workspace, snapshots
):
    report = make_report(erik, workspace, visibility="private", title="My draft")
    base = f"/w/acme/reports/{report.pk}/"
    assert client_as(erik).get(base).status_code == 200
    for user in (adam, alice, vera):
        client = client_as(user)
        assert "My draft" not in client.get("/w/acme/reports/").content.decode()
        for suffix in ("", "export.csv", "export.pdf", "edit/", "share-links/"):
            assert client.get(base + suffix).status_code == 404, (user, suffix)
        assert client.post(base + "comments/", {"body": "hi"}).status_code == 404


def test_only_the_creator_and_admins_change_a_shared_report(
    client_as, alice, adam, erik, vera, workspace
):
    report = make_report(alice, workspace)
    edit = f"/w/acme/reports/{report.pk}/edit/"
    assert client_as(erik).get(edit).status_code == 403
    assert client_as(vera).get(edit).status_code == 403
    assert client_as(erik).post(f"/w/acme/reports/{report.pk}/delete/").status_code == 403
    response = client_as(adam).post(edit, report_form(title="Renamed by the admin"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title == "Renamed by the admin" and report.updated_by == adam
    assert report.owner == alice
    assert client_as(vera).get("/w/acme/reports/new/").status_code == 403


def test_an_editor_duplicates_a_shared_report_into_a_private_copy(
    client_as, alice, erik, workspace
):
    report = make_report(alice, workspace)
    response = client_as(erik).post(f"/w/acme/reports/{report.pk}/duplicate/")
    with workspace_scope(workspace.id):
        copy = Report.objects.exclude(pk=report.pk).get()
    assert response["Location"] == f"/w/acme/reports/{copy.pk}/"
    assert (copy.title, copy.owner, copy.visibility) == ("Copy of Board update", erik, "private")
    assert copy.sections == report.sections
    assert client_as(erik).get(f"/w/acme/reports/{copy.pk}/edit/").status_code == 200


def test_the_owner_deletes_a_report_with_its_comments(client_as, alice, vera, workspace):
    report = make_report(alice, workspace)
    client_as(vera).post(f"/w/acme/reports/{report.pk}/comments/", {"body": "Looks good"})
    response = client_as(alice).post(f"/w/acme/reports/{report.pk}/delete/")
    assert response.status_code == 302
    with workspace_scope(workspace.id):
        assert not Report.objects.exists() and not ReportComment.objects.exists()


def test_viewers_comment_and_authors_or_admins_remove_comments(
    client_as, alice, adam, erik, vera, workspace
):
    report = make_report(alice, workspace)
    url = f"/w/acme/reports/{report.pk}/comments/"
    assert client_as(vera).post(url, {"body": "  "}).status_code == 400
    response = client_as(vera).post(url, {"body": "Why did churn rise?"})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    with workspace_scope(workspace.id):
        comment = ReportComment.objects.get()
    assert (comment.author, comment.body) == (vera, "Why did churn rise?")
    page = client_as(erik).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "Why did churn rise?" in page and "Vera Viewer" in page
    remove = f"{url}{comment.pk}/delete/"
    assert client_as(erik).post(remove).status_code == 403
    assert client_as(adam).post(remove).status_code == 302
    with workspace_scope(workspace.id):
        assert not ReportComment.objects.exists()


def test_reports_of_another_workspace_are_not_found(
    client_as, alice, charlie, workspace, other_workspace
):
    theirs = make_report(charlie, other_workspace, title="Beta secrets")
    client = client_as(alice)
    for suffix in ("", "export.csv", "edit/", "share-links/"):
        assert client.get(f"/w/acme/reports/{theirs.pk}/{suffix}").status_code == 404
    assert client.post(f"/w/acme/reports/{theirs.pk}/comments/", {"body": "x"}).status_code == 404
    assert "Beta secrets" not in client.get("/w/acme/reports/").content.decode()


def test_the_reports_page_has_an_empty_state_and_pages(client_as, alice, vera, workspace):
    assert "No reports yet" in client_as(vera).get("/w/acme/reports/").content.decode()
    for n in range(27):
        make_report(alice, workspace, title=f"Report {n:02d}")
    first = client_as(vera).get("/w/acme/reports/").content.decode()
    assert first.count("/w/acme/reports/") >= 25 and "Page 1 of 2" in first
    assert "Report 00" in client_as(vera).get("/w/acme/reports/?page=2").content.decode()


def test_a_viewer_subscribes_to_a_relative_report_and_unsubscribes(
    client_as, alice, vera, workspace
):
    from kpiapp.models import DigestSubscription

    report = make_report(alice, workspace)
    url = f"/w/acme/reports/{report.pk}/digest/"
    assert client_as(vera).post(url, {"cadence": "monthly"}).status_code == 302
    with workspace_scope(workspace.id):
        assert DigestSubscription.objects.get().cadence == "monthly"
    page = client_as(vera).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "You receive this report monthly" in page
    assert client_as(vera).post(url, {"cadence": "weekly"}).status_code == 302
    assert client_as(vera).post(url, {"cadence": "hourly"}).status_code == 400
    with workspace_scope(workspace.id):
        assert DigestSubscription.objects.get().cadence == "weekly"
    assert client_as(vera).post(url, {"cadence": ""}).status_code == 302
    with workspace_scope(workspace.id):
        assert not DigestSubscription.objects.exists()


def test_a_report_with_fixed_periods_takes_no_digest(client_as, alice, workspace):
    from kpiapp.models import DigestSubscription

    report = make_report(
        alice,
        workspace,
        range_kind="absolute",
        range_months=None,
        start_period="2024-01",
        end_period="2024-12",
    )
    page = client_as(alice).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "Email digests need a relative period range" in page
    response = client_as(alice).post(f"/w/acme/reports/{report.pk}/digest/", {"cadence": "monthly"})
    assert (
        response.status_code == 400 and "needs a relative period range" in response.content.decode()
    )
    with workspace_scope(workspace.id):
        assert not DigestSubscription.objects.exists()
