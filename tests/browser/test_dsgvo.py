"""In Chromium: an owner exports the whole workspace, watches the job finish and downloads
the ZIP; an admin filters the audit log."""

from __future__ import annotations

import json
import zipfile

import pytest

from accounts.audit import audit_record
from accounts.models import Membership
from tests.accounts.workspace_data import fill_every_table
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_exports_the_workspace_and_downloads_the_zip(live_server, page, tmp_path):
    owner = make_user("olga@example.com", "Olga Owner")
    workspace = make_workspace("acme", owner, "Acme GmbH")
    fill_every_table(workspace, owner)
    errors = sign_in(page, live_server.url, "olga@example.com")

    page.goto(f"{live_server.url}/w/acme/settings/export/")
    page.click("button:has-text('Start export')")
    page.wait_for_selector("#export-progress[data-state=done]")
    progress = page.locator("#export-progress progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    with page.expect_download() as download_info:
        page.click("#export-progress a[data-download]")
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "accounts.csv" in archive.namelist()
    assert manifest["workspace"]["slug"] == "acme"
    assert manifest["kinds"]["accounts"]["rows"] == 2
    assert errors == []


def test_an_admin_filters_the_audit_log(live_server, page):
    owner = make_user("olga@example.com", "Olga Owner")
    admin = make_user("anton@example.com", "Anton Admin")
    workspace = make_workspace("acme", owner, "Acme GmbH")
    Membership.all_workspaces.create(user=admin, workspace=workspace, role="admin")
    audit_record(workspace=workspace, actor=owner, action="token.created", subject="Skript")
    audit_record(workspace=workspace, actor=admin, action="target.set", subject="mrr 2026-Q1")
    errors = sign_in(page, live_server.url, "anton@example.com")

    page.goto(f"{live_server.url}/w/acme/settings/audit/")
    rows = page.locator("#audit-log tbody tr")
    assert rows.count() == 2
    page.select_option("select[name=action]", "target.set")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**action=target.set**")
    assert rows.count() == 1
    assert "Set a target: MRR, Q1 2026" in rows.first.inner_text()
    assert "Anton Admin" in rows.first.inner_text()
    assert errors == []
