"""The dashboard's page cache: a user's own page, a fresh CSRF token each time, and gone as
soon as anything the page shows changes (the workspace's data, targets, members, names)."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import F
from django.test import Client
from django.urls import reverse

import pytest
from freezegun import freeze_time

from accounts import services
from accounts.models import Membership
from accounts.roles import Role
from accounts.services import WorkspaceSettings
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription
from kpiapp.pagecache.decorator import CSRF_PLACEHOLDER
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def company(workspace):
    with workspace_scope(workspace.id), freeze_time("2025-05-20 12:00"):
        account = Account.objects.create(external_id="A1", name="A1")
        Subscription.objects.create(
            external_id="S1",
            account=account,
            amount_cents=100_000,
            currency="EUR",
            interval="month",
            started_at=date(2025, 1, 1),
        )
        snapshot_rebuild(workspace_id=workspace.id)
    return workspace


@freeze_time("2025-05-20 12:00")
def test_a_cached_page_gets_a_working_csrf_token_of_its_own(vera, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(vera, backend="django.contrib.auth.backends.ModelBackend")
    first = client.get("/w/acme/")
    again = client.get("/w/acme/")
    assert first.context is not None and again.context is None  # the second one is cached
    html = again.content.decode()
    assert CSRF_PLACEHOLDER not in html
    token = TOKEN.search(html).group(1)
    assert token != TOKEN.search(first.content.decode()).group(1)
    assert TOKEN.sub("", html) == TOKEN.sub("", first.content.decode())
    # the token works: the language switch in the header accepts it
    url = reverse("accounts:language")
    switch = client.post(url, {"csrfmiddlewaretoken": token, "language": "de", "next": "/w/acme/"})
    assert switch.status_code == 302
    forged = client.post(url, {"csrfmiddlewaretoken": "x" * 64, "language": "de"})
    assert forged.status_code == 403


@freeze_time("2025-05-20 12:00")
def test_each_user_sees_their_own_page(client_as, vera, erik, company):
    client_as(vera).get("/w/acme/")
    page = client_as(erik).get("/w/acme/")
    html = page.content.decode()
    assert page.context is not None and "Erik" in html and "Vera" not in html.split("</header>")[0]


@freeze_time("2025-05-20 12:00")
def test_a_change_of_role_or_name_shows_at_once(
    client_as, vera, company, django_capture_on_commit_callbacks
):
    """The services in `accounts` announce these changes (accounts.hooks); no signal needed."""
    client = client_as(vera)
    client.get("/w/acme/")
    membership = Membership.all_workspaces.get(user=vera, workspace=company)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_set_role(membership=membership, role=Role.EDITOR, actor=None)
    page = client.get("/w/acme/")
    assert page.context is not None and page.context["can_pin"] is True
    settings_ = WorkspaceSettings(name="Acme AG", currency=company.currency)
    with django_capture_on_commit_callbacks(execute=True):
        services.workspace_update(actor=membership, settings_=settings_)
    assert "Acme AG" in client.get("/w/acme/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_profile_update(user=vera, name="Vera Neumann-Schulz")
    assert "Vera Neumann-Schulz" in client.get("/w/acme/").content.decode()


@freeze_time("2025-05-20 12:00")
def test_a_recompute_and_a_flash_message_bypass_the_cached_page(
    client_as, erik, company, django_capture_on_commit_callbacks
):
    client = client_as(erik)
    client.get("/w/acme/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/w/acme/tiles/", {"kpi": ["mrr", "arr"]})
    assert response.status_code == 302
    shown = client.get("/w/acme/")
    assert shown.context is not None
    assert "The dashboard shows the chosen KPIs." in shown.content.decode()
    next_page = client.get("/w/acme/")  # the message was shown once; this one is kept
    assert "The dashboard shows" not in next_page.content.decode()
    assert client.get("/w/acme/").context is None
    with workspace_scope(company.id), django_capture_on_commit_callbacks(execute=True):
        snapshot_rebuild(workspace_id=company.id)  # the same numbers: nothing to show anew
    assert client.get("/w/acme/").context is None
    with workspace_scope(company.id), django_capture_on_commit_callbacks(execute=True):
        Subscription.objects.update(amount_cents=F("amount_cents") + 100)
        snapshot_rebuild(workspace_id=company.id)  # new numbers: the page is made again
    assert client.get("/w/acme/").context is not None


@freeze_time("2025-05-20 12:00")
def test_access_is_checked_on_every_request_not_cached(client_as, vera, company):
    client = client_as(vera)
    assert client.get("/w/acme/").status_code == 200
    assert client.get("/w/acme/").context is None  # cached
    # removed without the page version moving (its bump waits for a commit that never comes)
    Membership.all_workspaces.filter(user=vera, workspace=company).delete()
    assert client.get("/w/acme/").status_code == 404
    assert client.get("/w/acme/kpis/").status_code == 404


def _page_entries() -> list[str]:
    from django.core.cache import cache

    return [key for key in cache._cache if ":kz:page:" in key]  # locmem in the tests


@freeze_time("2025-05-20 12:00")
def test_parameters_a_page_does_not_read_make_no_new_entry(client_as, vera, company):
    client = client_as(vera)
    for n in range(30):
        assert client.get(f"/w/acme/?junk={n}&utm_source=x{n}").status_code == 200
    assert len(_page_entries()) == 1
    quarter = client.get("/w/acme/?grain=quarter&junk=1")
    assert quarter.context is not None  # a parameter the page reads: a page of its own
    again = client.get("/w/acme/?junk=2&grain=quarter")
    assert again.context is None
    assert TOKEN.sub("", again.content.decode()) == TOKEN.sub("", quarter.content.decode())
    assert len(_page_entries()) == 2
    assert client.get("/w/acme/kpis/mrr/?grain=year&x=1").status_code == 200
    assert client.get("/w/acme/kpis/mrr/?x=2&grain=year").context is None
