"""Pages that update themselves: the state a page polls (version, when the numbers were
computed, whether a recompute is pending), who may read it, and the version each page carries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, RecomputeState, Subscription
from kpiapp.pagecache.versions import page_version
from kpiapp.services.snapshots import recompute_request
from tests.report_data import make_report

pytestmark = pytest.mark.django_db
PAGE_VERSION = re.compile(r'data-live-url="/w/acme/live/" data-version="(\d+)"')


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A1", name="A1")
        Subscription.objects.create(external_id="S1", account=account, amount_cents=100_000,
                                    currency="EUR", interval="month",
                                    started_at=date(2025, 1, 1))  # fmt: skip
    return workspace


@freeze_time("2025-05-20 12:00", tick=True)
def test_the_state_tells_pending_then_computed_with_a_new_version(
    client_as, vera, company, django_capture_on_commit_callbacks
):
    client = client_as(vera)
    before = client.get("/w/acme/live/").json()
    assert before["pending"] is False and before["computed_at"] is None

    with workspace_scope(company.id), django_capture_on_commit_callbacks() as recompute:
        recompute_request()  # a change: its recompute is queued, not yet run
    pending = client.get("/w/acme/live/")
    assert pending["Cache-Control"] == "no-store"
    assert pending.json()["pending"] is True
    assert pending.json()["version"] == before["version"]

    with django_capture_on_commit_callbacks(execute=True):
        for callback in recompute:  # the (eager) task runs
            callback()
    after = client.get("/w/acme/live/").json()
    assert after["pending"] is False
    assert after["computed_at"].startswith("2025-05-20T12:00")
    assert after["version"] != before["version"]
    with workspace_scope(company.id):
        finished = RecomputeState.objects.get().finished_at
    assert after["computed_at"] == finished.isoformat()


def test_only_members_read_the_state(client, client_as, cast, company):
    assert client_as(cast["outsider"]).get("/w/acme/live/").status_code == 404
    assert client.get("/w/acme/live/").status_code == 302  # to the login page
    assert client_as(cast["viewer"]).post("/w/acme/live/").status_code == 405
    assert client_as(cast["viewer"]).get("/w/beta/live/").status_code == 404


@pytest.mark.parametrize(
    "address",
    ["/w/acme/", "/w/acme/kpis/mrr/", "/w/acme/targets/", "/w/acme/mrr/", "/w/acme/funnel/",
     "/w/acme/cohorts/", "/w/acme/kpis/", "/w/acme/aarrr/", "/w/acme/attribution/",
     "/w/acme/benchmarks/", "/w/acme/customers/", "/w/acme/customers/{account}/"],
)  # fmt: skip
def test_each_live_page_carries_the_version_its_numbers_were_read_under(
    client_as, vera, company, address, django_capture_on_commit_callbacks
):
    client = client_as(vera)
    with workspace_scope(company.id), django_capture_on_commit_callbacks(execute=True):
        recompute_request(countdown=0)
    with workspace_scope(company.id):
        address = address.format(account=Account.objects.get(external_id="A1").pk)
    html = client.get(address).content.decode()
    shown = PAGE_VERSION.search(html)
    assert shown, "the page has no live status"
    assert int(shown.group(1)) == page_version(company.id)
    assert 'data-testid="live-status"' in html and "As of" in html

    with workspace_scope(company.id), django_capture_on_commit_callbacks(execute=True):
        Subscription.objects.filter(external_id="S1").update(amount_cents=200_000)
        recompute_request(countdown=0)
    again = PAGE_VERSION.search(client.get(address).content.decode())
    assert int(again.group(1)) == page_version(company.id) > int(shown.group(1))


def test_the_status_reads_in_german(client_as, vera, company):
    vera.language = "de"
    vera.save(update_fields=["language"])
    html = client_as(vera).get("/w/acme/").content.decode()
    assert 'data-as-of="Stand:"' in html and 'data-updating="wird aktualisiert …"' in html


def test_a_saved_report_carries_the_version_and_its_forms_stay_outside_the_live_part(
    client_as, alice, vera, company, django_capture_on_commit_callbacks
):
    """A report page updates itself (its body), but its comment and digest forms are not
    swapped: what a person types there stays."""
    with workspace_scope(company.id), django_capture_on_commit_callbacks(execute=True):
        recompute_request(countdown=0)
    report = make_report(alice, company)
    html = client_as(vera).get(f"/w/acme/reports/{report.pk}/").content.decode()
    shown = PAGE_VERSION.search(html)
    assert shown and int(shown.group(1)) == page_version(company.id)
    live_part = html.split('<div data-live="report">', 1)[1].split('<div class="grid-2">', 1)[0]
    assert 'id="report-charts"' in live_part and "<form" not in live_part
