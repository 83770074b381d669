"""Share links: created by the report's creator or an admin, opened without a login, shown
once, hashed at rest, expiring, revocable, optionally password-protected, rate limited."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret
from kpiapp.models import ShareLink
from tests.report_data import TODAY, make_report, write_snapshots

pytestmark = pytest.mark.django_db


def _create(client, report, **fields) -> tuple[str, str]:
    """Create a link through the page; returns (the page, the shared URL path)."""
    data = {"label": "Investor", "expires_on": "2025-05-31", "password": ""} | fields
    response = client.post(f"/w/acme/reports/{report.pk}/share-links/", data)
    page = response.content.decode()
    found = re.search(r'value="http://[^/"]+(/share/[^"]+/)"', page)
    assert response.status_code == 200 and found, page[-2000:]
    return page, found[1]


@freeze_time(TODAY)
def test_a_link_opens_the_report_logged_out_with_live_values_and_nothing_else(
    client_as,
    client,
    alice,
    workspace,
    snapshots,
):
    report = make_report(alice, workspace)
    page, path = _create(client_as(alice), report)
    assert "shown only once" in page
    token = path.split("/")[2]
    with workspace_scope(workspace.id):
        link = ShareLink.objects.get()
    assert link.token_hash == hash_secret(token) and token not in str(link.__dict__)
    # The list shows the link without its address.
    again = client_as(alice).get(f"/w/acme/reports/{report.pk}/share-links/").content.decode()
    assert token not in again and "Investor" in again

    response = client.get(path)
    shared = response.content.decode()
    assert response.status_code == 200
    assert "Board update" in shared and "€12,345.67" in shared and "Up again" in shared
    assert "/w/acme/" not in shared  # no way into the workspace
    assert "Comments" not in shared and "Edit" not in shared
    assert response["Referrer-Policy"] == "same-origin"  # no Referer to other sites
    assert '<meta name="referrer" content="same-origin">' in shared
    assert "/records/" not in shared  # no drill-through unless the link allows it
    assert client.get(path + "kpis/mrr/records/?period=2025-03").status_code == 404
    link.refresh_from_db()
    assert link.view_count == 1 and link.last_viewed_at is not None
    assert client.get(path + "export.csv").status_code == 200
    pdf = client.get(path + "export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@freeze_time(TODAY)
def test_a_link_that_allows_records_drills_into_the_reports_own_periods_only(
    client_as,
    client,
    alice,
    workspace,
    snapshots,
):
    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report, allow_records="on")
    shared = client.get(path).content.decode()
    assert f"{path}kpis/mrr/records/?period=2025-03" in shared
    assert client.get(path + "kpis/mrr/records/?period=2025-03").status_code == 200
    assert client.get(path + "kpis/mrr/records/?period=2023-03").status_code == 404
    assert client.get(path + "kpis/arr/records/?period=2025-03").status_code == 404  # not in it


def test_links_expire_and_can_be_revoked(client_as, client, alice, workspace):
    with freeze_time(TODAY):
        report = make_report(alice, workspace)
        _page, path = _create(client_as(alice), report, expires_on="2025-04-20")
        assert client.get(path).status_code == 200
    # The workspace's time zone is Europe/Berlin (UTC+2 in April): the link works through the
    # whole chosen day there, and ends at its midnight, 22:00 UTC.
    with freeze_time("2025-04-20 21:59:59"):
        assert client.get(path).status_code == 200
    with freeze_time("2025-04-20 22:00:00"):
        assert client.get(path).status_code == 404
    with freeze_time(TODAY):
        _page, second = _create(client_as(alice), report)
        with workspace_scope(workspace.id):
            link = ShareLink.objects.get(expires_at__date=date(2025, 5, 31))
        revoke = f"/w/acme/reports/{report.pk}/share-links/{link.pk}/revoke/"
        assert client_as(alice).post(revoke).status_code == 302
        assert client.get(second).status_code == 404


@pytest.mark.parametrize("time_zone", ["Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland"])
def test_the_chosen_day_is_the_last_valid_day_shown_everywhere(
    client_as, client, alice, workspace, time_zone
):
    """Choosing 04.01.2027 shows "gültig bis 4. Januar 2027" (was the 5th) on the links page,
    the shared page and in the API, and the link ends at that day's midnight in the workspace's
    time zone."""
    from zoneinfo import ZoneInfo

    from rest_framework.test import APIClient

    workspace.time_zone = time_zone
    workspace.save()
    alice.language = "de"
    alice.save()
    with freeze_time("2026-12-15 12:00"):
        report = make_report(alice, workspace, language="de")
        page, path = _create(client_as(alice), report, expires_on="2027-01-04")
        assert "gültig bis 4. Januar 2027" in page
        shared = client.get(path).content.decode()
        assert "Dieser Link gilt bis 4. Januar 2027." in shared
        api = APIClient()
        api.force_authenticate(alice)
        listed = api.get(f"/api/v1/workspaces/acme/reports/{report.pk}/share-links/").json()
        assert listed["results"][0]["expires_on"] == "2027-01-04"
    end = datetime(2027, 1, 5, tzinfo=ZoneInfo(time_zone))  # midnight after the chosen day
    with freeze_time(end - timedelta(seconds=1)):
        assert client.get(path).status_code == 200
    with freeze_time(end):
        assert client.get(path).status_code == 404


@freeze_time(TODAY)
def test_making_a_report_private_revokes_its_links_and_private_reports_get_none(
    client_as, client, alice, workspace
):
    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report)
    report_url = f"/w/acme/reports/{report.pk}/"
    client_as(alice).post(
        report_url + "edit/",
        {
            "title": "Board update",
            "visibility": "private",
            "language": "en",
            "grain": "month",
            "range_kind": "last_n_months",
            "range_months": "3",
            "comparison": "previous",
            "section-TOTAL_FORMS": "1",
            "section-INITIAL_FORMS": "0",
            "section-MIN_NUM_FORMS": "0",
            "section-MAX_NUM_FORMS": "20",
            "section-0-kpi": "mrr",
            "section-0-ORDER": "1",
        },
    )
    report.refresh_from_db()
    assert report.visibility == "private"
    assert client.get(path).status_code == 404
    response = client_as(alice).post(report_url + "share-links/", {"expires_on": "2025-05-01"})
    assert response.status_code == 400
    assert "Only a report shared with the workspace" in response.content.decode()


@freeze_time(TODAY)
def test_only_the_creator_and_admins_manage_links(client_as, alice, adam, erik, vera, workspace):
    report = make_report(alice, workspace)
    url = f"/w/acme/reports/{report.pk}/share-links/"
    for user in (erik, vera):
        assert client_as(user).get(url).status_code == 403
        assert client_as(user).post(url, {"expires_on": "2025-05-01"}).status_code == 403
    assert client_as(adam).get(url).status_code == 200
    response = client_as(adam).post(url, {"expires_on": "2025-04-15"})
    assert response.status_code == 400 and "Choose a day after today." in response.content.decode()
    response = client_as(adam).post(url, {"expires_on": "2026-06-01"})
    assert "A link lasts at most a year." in response.content.decode()
    with workspace_scope(workspace.id):
        assert not ShareLink.objects.exists()


@freeze_time(TODAY)
def test_a_password_protects_the_link_and_wrong_guesses_are_rate_limited(
    client_as,
    client,
    alice,
    workspace,
    snapshots,
):
    report = make_report(alice, workspace)
    short = client_as(alice).post(
        f"/w/acme/reports/{report.pk}/share-links/",
        {"expires_on": "2025-05-31", "password": "short"},
    )
    assert short.status_code == 400 and "at least 8 characters" in short.content.decode()
    _page, path = _create(client_as(alice), report, password="open sesame")
    first = client.get(path)
    assert first.status_code == 200 and "This report is protected" in first.content.decode()
    assert "€12,345.67" not in first.content.decode()
    for _attempt in range(10):
        wrong = client.post(path, {"share_password": "guess"})
        assert wrong.status_code == 401 and "not right" in wrong.content.decode()
    locked = client.post(path, {"share_password": "open sesame"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    with freeze_time("2025-04-15 00:11"):  # the next window
        right = client.post(path, {"share_password": "open sesame"})
        assert right.status_code == 200 and "€12,345.67" in right.content.decode()
        assert client.get(path).status_code == 200  # this browser stays unlocked
        assert client.get(path + "export.csv").status_code == 200
    with workspace_scope(workspace.id):
        stored = ShareLink.objects.exclude(password_hash="").get().password_hash
    assert "open sesame" not in stored


def _origin_a_browser_sends(page) -> str:
    """The Origin header Chromium sends with a same-origin form POST from this page (Fetch
    standard, "serializing a request origin"): `null` under the no-referrer policy, the page's
    own origin under same-origin, strict-origin and the like. The meta tag wins over the header."""
    found = re.search(r'<meta name="referrer" content="([^"]+)"', page.content.decode())
    policy = found[1] if found else page.get("Referrer-Policy", "")
    return "null" if policy == "no-referrer" else "http://testserver"


@freeze_time(TODAY)
def test_the_password_form_passes_the_csrf_check_with_the_origin_a_browser_sends(
    client_as,
    alice,
    workspace,
    snapshots,
):
    from django.test import Client

    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report, password="open sesame")
    browser = Client(enforce_csrf_checks=True)  # a logged-out visitor, CSRF checked as live
    form = browser.get(path)
    origin = _origin_a_browser_sends(form)
    assert origin == "http://testserver"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())[1]
    post = {"csrfmiddlewaretoken": token}
    wrong = browser.post(path, post | {"share_password": "guess"}, HTTP_ORIGIN=origin)
    assert wrong.status_code == 401 and "not right" in wrong.content.decode()
    right = browser.post(path, post | {"share_password": "open sesame"}, HTTP_ORIGIN=origin)
    assert right.status_code == 200 and "€12,345.67" in right.content.decode()
    # A post from another site is still refused.
    other = Client(enforce_csrf_checks=True)
    other.get(path)
    assert (
        other.post(
            path, {"share_password": "open sesame"}, HTTP_ORIGIN="https://evil.example"
        ).status_code
        == 403
    )


@freeze_time(TODAY)
def test_guessing_tokens_is_rate_limited_per_address(client, client_as, alice, workspace):
    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report)
    for n in range(20):
        assert client.get(f"/share/kzs_guess{n}/").status_code == 404
    blocked = client.get(path)  # even the right token waits once the address is blocked
    assert blocked.status_code == 429 and blocked["Retry-After"]


@freeze_time(TODAY)
def test_a_link_shows_only_its_own_workspaces_report(
    client, client_as, alice, charlie, workspace, other_workspace
):
    ours = make_report(alice, workspace, title="Acme numbers")
    theirs = make_report(charlie, other_workspace, title="Beta numbers")
    _page, path = _create(client_as(alice), ours)
    shared = client.get(path).content.decode()
    assert "Acme numbers" in shared and "Beta numbers" not in shared
    # Charlie cannot manage Acme's links, nor reach them through Beta's address.
    assert client_as(charlie).get(f"/w/acme/reports/{ours.pk}/share-links/").status_code == 404
    assert client_as(charlie).get(f"/w/beta/reports/{ours.pk}/share-links/").status_code == 404
    assert client_as(charlie).get(f"/w/beta/reports/{theirs.pk}/share-links/").status_code == 200


@freeze_time(TODAY)
def test_the_targets_table_shows_only_the_reports_own_kpis(client_as, client, alice, workspace):
    """A report of NPS alone shows NPS's target, not those of MRR and win rate, on the shared
    page and in its targets CSV (all outputs read the same selector)."""
    from kpiapp.models import Target

    write_snapshots(workspace, [
        ("mrr", "quarter", date(2025, 1, 1), "98765.43"),
        ("win_rate", "quarter", date(2025, 1, 1), "0.370000"),
        ("nps", "quarter", date(2025, 1, 1), "31"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        for key, value in (("nps", 42), ("mrr", 55555), ("win_rate", "0.45")):
            Target.objects.create(kpi_key=key, quarter_start=date(2025, 1, 1), value=value)
    report = make_report(alice, workspace, sections=[{"kpi": "nps"}], include_targets=True)
    _page, path = _create(client_as(alice), report)
    shared = client.get(path).content.decode()
    targets = shared[shared.index('id="targets-title"') :]
    assert "NPS" in targets and "42" in targets
    for absent in ("MRR", "Win rate", "55,555", "98,765", "45.0%", "37.0%"):
        assert absent not in shared, absent
    csv = client.get(path + "export.csv?table=targets")
    rows = b"".join(csv.streaming_content).decode().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["nps"]


@freeze_time(TODAY)
def test_wrong_passwords_lock_the_link_for_their_address_not_for_everyone(
    client_as,
    alice,
    workspace,
    snapshots,
    monkeypatch,
):
    from django.test import Client

    from kpiapp.views import share_access

    monkeypatch.setattr(share_access, "GUESS_LIMIT", 1000)  # the per-address guess budget apart
    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report, password="open sesame")
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _attempt in range(share_access.PASSWORD_LIMIT):
        assert stranger.post(path, {"share_password": "guess"}).status_code == 401
    assert stranger.post(path, {"share_password": "open sesame"}).status_code == 429
    colleague = Client(REMOTE_ADDR="198.51.100.7")
    assert colleague.post(path, {"share_password": "open sesame"}).status_code == 200
    # Guesses from many addresses together reach the link's ceiling: then it waits for all.
    for n in range(share_access.PASSWORD_CEILING - share_access.PASSWORD_LIMIT):
        Client(REMOTE_ADDR=f"192.0.2.{n % 200}").post(path, {"share_password": "guess"})
    latecomer = Client(REMOTE_ADDR="198.51.100.8")
    assert latecomer.post(path, {"share_password": "open sesame"}).status_code == 429


@freeze_time(TODAY)
def test_the_links_page_names_a_link_in_full_and_says_when_it_was_never_opened(
    client_as,
    client,
    alice,
    workspace,
    snapshots,
):
    report = make_report(alice, workspace)
    _page, path = _create(client_as(alice), report)
    listed = client_as(alice).get(f"/w/acme/reports/{report.pk}/share-links/").content.decode()
    assert "<strong>Investor</strong>" in listed and "Investor…" not in listed
    assert "not opened yet" in listed and "opened 0 times" not in listed
    client.get(path)
    listed = client_as(alice).get(f"/w/acme/reports/{report.pk}/share-links/").content.decode()
    assert "opened once" in listed
