"""Every URL under /w/<slug>/ × every role, plus an outsider and an anonymous visitor.

The list of URLs comes from the resolver, so a new page is covered the day it is added; a page
that does not go through `@workspace_view` fails here.
"""

from __future__ import annotations

from django.urls import reverse

import pytest

from accounts.roles import role_at_least
from tests.tenancy.workspace_pages import workspace_pages

DUMMY_IDS = {
    "membership_id": 999_999,
    "invitation_id": 999_999,
    "token_id": 999_999,
    "pk": 999_999,
    "job_id": 999_999,
    "report_id": 999_999,
    "comment_id": 999_999,
    "link_id": 999_999,
    "export_id": 999_999,
    "dashboard_id": 999_999,
    "segment_id": 999_999,
    "account_id": 999_999,
    "annotation_id": 999_999,
}


PAGES = workspace_pages()
IDS = [name for name, _, _ in PAGES]


def _url(route: str, name: str, slug: str) -> str:
    ids = {k: v for k, v in DUMMY_IDS.items() if f"<int:{k}>" in route}
    if "<kind:kind>" in route:
        ids["kind"] = "accounts"
    if "<str:key>" in route:  # a custom KPI's edit page: a dummy key, like a dummy id
        ids["key"] = "custom_dummy" if name == "kpiapp:custom_kpi_edit" else "mrr"
    return reverse(name, kwargs={"slug": slug, **ids})


def test_the_matrix_covers_the_workspace_pages():
    names = set(IDS)
    assert {"kpiapp:dashboard", "settings:members", "settings:invite", "settings:tokens"} <= names
    assert {"kpiapp:kpis", "kpiapp:kpi", "kpiapp:targets", "kpiapp:mrr", "kpiapp:funnel"} <= names
    assert "kpiapp:cohorts" in names
    assert {"kpiapp:audit_log", "kpiapp:audit_log_csv"} <= names
    assert {"kpiapp:workspace_export", "kpiapp:workspace_export_download"} <= names


@pytest.mark.parametrize(("name", "route", "callback"), PAGES, ids=IDS)
def test_every_workspace_page_declares_its_roles(name, route, callback):
    assert hasattr(callback, "workspace_roles"), f"{name} does not use @workspace_view"


@pytest.mark.parametrize(("name", "route", "callback"), PAGES, ids=IDS)
def test_outsiders_get_404_and_anonymous_visitors_are_sent_to_login(
    name, route, callback, cast, workspace, client, client_as
):
    url = _url(route, name, workspace.slug)
    outsider = client_as(cast["outsider"])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"role": "viewer", "email": "x@example.com"}).status_code == 404
    # A workspace that does not exist answers exactly like one the caller is not in.
    assert outsider.get(_url(route, name, "no-such-workspace")).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["viewer", "editor", "admin", "owner"])
@pytest.mark.parametrize(("name", "route", "callback"), PAGES, ids=IDS)
def test_members_get_403_below_the_declared_role_and_through_above_it(
    name, route, callback, role, cast, workspace, client_as
):
    min_role, post_role = callback.workspace_roles
    client = client_as(cast[role])
    url = _url(route, name, workspace.slug)
    get_status = client.get(url).status_code
    if role_at_least(role, min_role):
        # A dummy id is not found once access is granted; anything else is reachable.
        assert get_status != 403
        assert get_status != 404 or "<int:" in route or name == "kpiapp:custom_kpi_edit"
    else:
        assert get_status == 403
    if not role_at_least(role, post_role):
        # Empty POSTs: nothing is changed when the role is missing.
        assert client.post(url, {}).status_code == 403


def test_ids_from_another_workspace_are_not_found(cast, workspace, other_workspace, client_as):
    from accounts.models import Membership

    foreign = Membership.all_workspaces.get(workspace=other_workspace, user=cast["outsider"])
    admin = client_as(cast["admin"])
    for name in ("settings:change_role", "settings:remove_member"):
        url = reverse(name, kwargs={"slug": workspace.slug, "membership_id": foreign.pk})
        assert admin.post(url, {"role": "viewer"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == "owner"
