"""Content Security Policy: every page the app serves carries the policy, and no page needs an
inline script or style to work (what a page's scripts need is in static files and in
`json_script` blocks, which are data, not script).

The workspace pages come from the resolver (as in tests/tenancy/test_isolation_matrix.py), so
a page added later is checked the day it is added; the pages outside a workspace are listed.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Report, ReportComment, Subscription
from kpiapp.services.annotations import annotation_create
from kpiapp.services.dashboard import dashboard_create
from kpiapp.services.imports import import_job_create
from kpiapp.services.share_links import share_link_create
from kpiapp.services.snapshots import snapshot_rebuild
from kpiapp.services.workspace_export import workspace_export_request
from tests.conftest import membership_of
from tests.report_data import make_report
from tests.tenancy.workspace_pages import workspace_pages

pytestmark = pytest.mark.django_db

DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy_of(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def inline_code(html: str) -> list[str]:
    """What a strict policy would block: inline scripts (not JSON data, not src=), style
    attributes, <style> elements and on…= handlers."""
    found = [
        f"<script{attrs}>"
        for attrs in SCRIPT_TAG.findall(html)
        if "src=" not in attrs and 'type="application/json"' not in attrs
    ]
    found += [m.group(0) for m in STYLE_ATTRIBUTE.finditer(html)]
    found += [m.group(0) for m in STYLE_ELEMENT.finditer(html)]
    found += [m.group(0) for m in EVENT_HANDLER.finditer(html)]
    return found


def assert_strict(response, url: str) -> None:
    policy = policy_of(response)
    for directive, value in DIRECTIVES.items():
        assert policy.get(directive) == value, (url, directive, policy)
    assert "'unsafe-inline'" not in response.get("Content-Security-Policy", ""), url
    if "html" in response.get("Content-Type", ""):
        html = b"".join(response.streaming_content) if response.streaming else response.content
        assert inline_code(html.decode()) == [], url


@pytest.fixture
def things(workspace, alice):
    """One of each object a page shows, so the pages render with content, not as 404s."""
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="Alpha")
        Subscription.objects.create(
            external_id="S",
            account=account,
            amount_cents=500_000,
            currency="EUR",
            interval="month",
            started_at=date(2024, 1, 1),
        )
        snapshot_rebuild(workspace_id=workspace.id)
        membership = membership_of(alice, workspace)
        job = import_job_create(
            membership=membership,
            kind="accounts",
            filename="a.csv",
            data=b"external_id,name\nB,Beta\n",
        )
    report: Report = make_report(alice, workspace, include_targets=True)
    with workspace_scope(workspace.id):
        comment = ReportComment.objects.create(report=report, author=alice, body="Fine")
        created = share_link_create(membership=membership, report=report)
        protected = share_link_create(membership=membership, report=report, password="open sesame")
        export = workspace_export_request(membership=membership)
        dashboard = dashboard_create(membership=membership, name="Vertrieb")
        note = annotation_create(
            membership=membership, day=date(2024, 3, 1), text="Preise", kpi_key="mrr"
        )
    return {
        "report_id": report.pk,
        "comment_id": comment.pk,
        "link_id": created.link.pk,
        "pk": account.pk,
        "account_id": account.pk,
        "job_id": job.pk,
        "membership_id": membership.pk,
        "token_id": 999_999,
        "invitation_id": 999_999,
        "export_id": export.pk,
        "dashboard_id": dashboard.pk,
        "annotation_id": note.pk,
        "segment_id": 999_999,
        "share": created.url,
        "protected": protected.url,
    }


def _workspace_urls(things: dict) -> list[str]:
    urls = []
    for name, route, _callback in workspace_pages():
        kwargs = {k: v for k, v in things.items() if f"<int:{k}>" in route}
        if "<kind:kind>" in route:
            kwargs["kind"] = "accounts"
        if "<str:key>" in route:
            kwargs["key"] = "custom_dummy" if name == "kpiapp:custom_kpi_edit" else "mrr"
        urls.append(reverse(name, kwargs={"slug": "acme", **kwargs}))
    return urls


@freeze_time("2025-04-15 10:00")
def test_every_page_sends_the_policy_and_has_no_inline_script_or_style(
    client, client_as, alice, workspace, things
):
    owner = client_as(alice)
    urls = _workspace_urls(things)
    assert len(urls) > 40
    checked = 0
    for url in urls:
        response = owner.get(url)
        assert response.status_code < 500, url
        assert_strict(response, url)
        checked += response.status_code == 200 and "html" in response.get("Content-Type", "")
    assert checked >= 25  # most of them are pages, not files or POST-only addresses
    for url in ("/accounts/profile/", "/workspaces/new/", "/accounts/password_change/"):
        assert_strict(owner.get(url), url)

    anonymous = Client()
    share_path, protected_path = urlsplit(things["share"]).path, urlsplit(things["protected"]).path
    public = [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/legal/impressum/",
        "/legal/datenschutz/",
        "/invitations/not-a-token/",
        "/digests/unsubscribe/nothing/",
        "/share/not-a-token/",
        "/no-such-page/",
        share_path,
        protected_path,
        share_path + "export.csv",
        "/api/v1/schema/",
    ]
    for url in public:
        response = anonymous.get(url)
        assert response.status_code < 500, url
        assert_strict(response, url)
    assert "This report is protected" in anonymous.get(protected_path).content.decode()
    wrong = anonymous.post(protected_path, {"share_password": "nope"})
    assert wrong.status_code == 401
    assert_strict(wrong, protected_path)


def test_the_error_pages_need_no_inline_style(client, settings):
    from django.template.loader import render_to_string

    for name in ("500.html", "404.html", "403.html"):
        assert inline_code(render_to_string(name)) == [], name


def test_the_api_docs_need_no_inline_script_and_only_allow_data_images(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    policy = policy_of(response)
    for directive, value in DIRECTIVES.items():
        assert policy.get(directive) == value, directive
    assert policy["img-src"] == "'self' data:"  # the Swagger UI stylesheet's icons
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    assert script, html
    js = client.get(script[1].replace("&amp;", "&"))
    assert js.status_code == 200 and "SwaggerUIBundle" in js.content.decode()
