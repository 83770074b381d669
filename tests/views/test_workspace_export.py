"""An owner exports the whole workspace as a ZIP of CSV files with a manifest, made by a
background job; others cannot start, watch or download it."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from django.utils import timezone

import pytest

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.models import ExportStatus, WorkspaceExport
from kpiapp.services.retention import workspace_exports_purge
from kpiapp.services.workspace_export import workspace_export_run
from tests.accounts.workspace_data import fill_every_table

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/settings/export/"


def _start(client, capture):
    with capture(execute=True):
        response = client.post(PAGE + "start/")
    assert response.status_code == 302
    return response


def test_an_owner_exports_every_record_kind_with_a_manifest(
    client_as, cast, workspace, other_workspace, django_capture_on_commit_callbacks
):
    fill_every_table(workspace, cast["owner"])
    fill_every_table(other_workspace, cast["outsider"])
    owner = client_as(cast["owner"])
    response = _start(owner, django_capture_on_commit_callbacks)
    with workspace_scope(workspace.id):
        export = WorkspaceExport.objects.latest("created_at")
    assert response["Location"] == f"{PAGE}?export={export.pk}"
    status = owner.get(f"{PAGE}{export.pk}/status/").json()
    assert status["status"] == "done" and status["done"] == status["total"] == len(DATA_KINDS) + 6
    assert status["text"] == f"Ready: {len(DATA_KINDS) + 6} files in the ZIP."  # in words
    download = owner.get(status["download_url"])
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert set(archive.namelist()) == {"manifest.json"} | {
        f"{name}.csv"
        for name in [
            *DATA_KINDS,
            "custom_kpis",
            "targets",
            "lead_scoring_rules",
            "dashboards",
            "annotations",
            "segments",
        ]
    }
    assert manifest["workspace"]["slug"] == "acme"
    assert manifest["kinds"]["accounts"] == {"file": "accounts.csv", "rows": 2}
    assert manifest["kinds"]["deals"]["rows"] == 1
    assert manifest["kinds"]["targets"]["rows"] == 1
    assert manifest["kinds"]["lead_scoring_rules"]["rows"] == 1
    rules = archive.read("lead_scoring_rules.csv").decode().splitlines()
    assert rules == ["kind,label,points,value,minimum,maximum",
                     "touchpoint_type,Demo angefragt,30,demo,,"]  # fmt: skip
    assert manifest["kinds"]["dashboards"]["rows"] == 2
    dashboards = archive.read("dashboards.csv").decode().splitlines()
    assert dashboards[0] == "name,default,kpis"
    assert "Vertrieb,0,win_rate mrr" in dashboards
    assert manifest["kinds"]["annotations"]["rows"] == 1
    notes = archive.read("annotations.csv").decode().splitlines()
    assert notes[0] == "date,kpi,text" and notes[1].endswith(",mrr,Preisliste geändert")
    segments = archive.read("segments.csv").decode().splitlines()
    assert segments == ["name,conditions", "Deutschland Pro,country:DE;plan:Pro"]
    assert manifest["format"]["delimiter"] == ","  # the workspace's language is English
    accounts = archive.read("accounts.csv").decode()
    assert accounts.splitlines()[0].startswith("external_id,name,")
    assert "Kunde Eins" in accounts
    with workspace_scope(workspace.id):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"workspace.exported", "workspace.export_downloaded"} <= actions


def test_only_owners_export_and_outsiders_see_nothing(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    for who in ("admin", "editor", "viewer"):
        assert client_as(cast[who]).get(PAGE).status_code == 403
        assert client_as(cast[who]).post(PAGE + "start/").status_code == 403
    _start(client_as(cast["owner"]), django_capture_on_commit_callbacks)
    with workspace_scope(workspace.id):
        export = WorkspaceExport.objects.latest("created_at")
    for url in (f"{PAGE}{export.pk}/status/", f"{PAGE}{export.pk}/download/"):
        assert client_as(cast["admin"]).get(url).status_code == 403
        assert client_as(cast["outsider"]).get(url).status_code == 404
        # the owner of another workspace cannot reach it through their own workspace
        other = url.replace("/w/acme/", "/w/beta/")
        assert client_as(cast["outsider"]).get(other).status_code == 404


def test_a_running_export_is_not_started_twice_and_a_repeat_delivery_does_nothing(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    owner = client_as(cast["owner"])
    with django_capture_on_commit_callbacks(execute=False):
        owner.post(PAGE + "start/")
        owner.post(PAGE + "start/")
    with workspace_scope(workspace.id):
        (export,) = WorkspaceExport.objects.all()
        assert export.status == ExportStatus.QUEUED
        page = owner.get(PAGE).content.decode()
        assert 'id="export-progress"' in page and "js/workspace_export.js" in page
        workspace_export_run(export_id=export.pk)
        workspace_export_run(export_id=export.pk)  # a duplicate delivery
        export.refresh_from_db()
        assert export.status == ExportStatus.DONE and export.size > 0


def test_german_workspaces_get_german_csv_files(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    workspace.language = "de"
    workspace.save()
    fill_every_table(workspace, cast["owner"])
    _start(client_as(cast["owner"]), django_capture_on_commit_callbacks)
    with workspace_scope(workspace.id):
        export = WorkspaceExport.objects.latest("created_at")
    archive = zipfile.ZipFile(io.BytesIO(bytes(export.data)))
    targets = archive.read("targets.csv").decode("utf-8")
    assert targets.startswith("\ufeffkpi;quarter;") and ";5000;" in targets
    assert json.loads(archive.read("manifest.json"))["format"]["decimal_separator"] == ","


def test_exports_are_deleted_after_seven_days(cast, workspace, django_capture_on_commit_callbacks):
    with workspace_scope(workspace.id):
        old = WorkspaceExport.objects.create(requested_by=cast["owner"])
        new = WorkspaceExport.objects.create(requested_by=cast["owner"])
        WorkspaceExport.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=7, minutes=1)
        )
    assert workspace_exports_purge(now=timezone.now()) == 1
    with workspace_scope(workspace.id):
        assert list(WorkspaceExport.objects.values_list("pk", flat=True)) == [new.pk]
