"""Targets, benchmarks, the team, tokens and CSV imports through the API: the same services as
the pages, so the same rules (pacing, last owner, the key shown once, nothing half-imported)."""

from __future__ import annotations

import time

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership
from accounts.tenancy import workspace_scope
from kpiapp.imports.reading import MAX_UPLOAD_BYTES
from kpiapp.models import Account, ImportJob, TargetChange

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")

URL = "/api/v1/workspaces/acme/"
CSV = b"external_id,name,country\nA1,Erste GmbH,DE\nA2,Zweite AG,at\n"


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
@freeze_time("2025-05-20 12:00")
def test_targets_are_set_listed_with_pacing_and_removed(erik, vera, workspace):
    target = {"kpi": "customer_churn_rate", "quarter": "2025-Q2", "value": "0.025", "note": "Q2"}
    set_ = _as(erik).post(URL + "targets/", target, format="json")
    assert set_.status_code == 201, set_.json()
    assert set_.json()["value"] == "0.025000" and set_.json()["quarter"] == "2025-Q2"
    listed = _as(vera).get(URL + "targets/?quarter=2025-Q2").json()
    assert [(t["kpi"], t["note"]) for t in listed] == [("customer_churn_rate", "Q2")]
    assert _as(vera).get(URL + "targets/?quarter=2025-13").status_code == 400
    bad = _as(erik).post(
        URL + "targets/", {"kpi": "nope", "quarter": "2025-Q2", "value": "1"}, format="json"
    )
    assert bad.status_code == 400 and "kpi_key" in bad.json()
    assert _as(erik).delete(f"{URL}targets/{set_.json()['id']}/").status_code == 204
    with workspace_scope(workspace.id):
        assert list(TargetChange.objects.values_list("action", flat=True)) == ["removed", "set"]


@pytest.mark.django_db
def test_benchmarks_list_the_library_and_take_the_teams_own(erik, workspace):
    library = _as(erik).get(URL + "benchmarks/").json()
    assert any(b["kpi"] == "nrr" and b["segment"] != "team" for b in library)
    row = {"kpi": "nrr", "grain": "month", "form": "at_least", "low": "1.05", "source": "Board"}
    made = _as(erik).post(URL + "benchmarks/", row, format="json")
    assert made.status_code == 201
    team = [b for b in _as(erik).get(URL + "benchmarks/").json() if b["segment"] == "team"]
    assert [(b["kpi"], b["source"], b["in_use"]) for b in team] == [("nrr", "Board", True)]
    assert _as(erik).delete(f"{URL}benchmarks/{made.json()['id']}/").status_code == 204


@pytest.mark.django_db
def test_admins_run_the_team_and_the_last_owner_stays(
    alice, adam, erik, vera, workspace, django_capture_on_commit_callbacks
):
    members = {m["email"]: m for m in _as(vera).get(URL + "members/").json()["results"]}
    vera_url = f"{URL}members/{members['vera@example.com']['id']}/"
    assert _as(erik).patch(vera_url, {"role": "editor"}, format="json").status_code == 403
    assert _as(adam).patch(vera_url, {"role": "editor"}, format="json").json()["role"] == "editor"
    assert _as(adam).patch(vera_url, {"role": "owner"}, format="json").status_code == 400
    alice_url = f"{URL}members/{members['alice@example.com']['id']}/"
    assert _as(alice).delete(alice_url).status_code == 400  # the last owner cannot go
    invitation = {"email": "neu@example.com", "role": "viewer"}
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes on commit
        invited = _as(adam).post(URL + "invitations/", invitation, format="json")
    assert invited.status_code == 201 and invited.json()["status"] == "pending"
    assert len(mail.outbox) == 1 and "neu@example.com" in mail.outbox[0].to
    assert _as(adam).delete(f"{URL}invitations/{invited.json()['id']}/").status_code == 204
    assert _as(adam).delete(vera_url).status_code == 204
    assert not Membership.all_workspaces.filter(user=vera, workspace=workspace).exists()


@pytest.mark.django_db
def test_a_token_made_through_the_api_shows_its_key_once(vera, erik, workspace):
    made = _as(vera).post(URL + "tokens/", {"name": "Reporting"}, format="json")
    assert made.status_code == 201
    key = made.json()["key"]
    assert key.startswith("kz_") and ApiToken.all_workspaces.get().key_hash != key
    listed = _as(vera).get(URL + "tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["Reporting"] and "key" not in listed[0]
    assert _as(erik).get(URL + "tokens/").json()["count"] == 0  # not another member's
    with_key = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert with_key.get(URL + "accounts/").status_code == 200
    assert _as(vera).delete(f"{URL}tokens/{made.json()['id']}/").status_code == 204
    assert with_key.get(URL + "accounts/").status_code == 401


def _upload(client: APIClient, data: bytes = CSV, **fields) -> object:
    file = SimpleUploadedFile("kunden.csv", data, content_type="text/csv")
    return client.post(
        URL + "imports/", {"file": file, "kind": "accounts", **fields}, format="multipart"
    )


@pytest.mark.django_db
def test_an_import_is_checked_then_started_and_bad_files_keep_nothing(
    erik, workspace, django_capture_on_commit_callbacks
):
    client = _as(erik)
    with django_capture_on_commit_callbacks(execute=True):  # the check runs (eagerly) on commit
        created = _upload(client)
    assert created.status_code == 201, created.json()
    job_url = f"{URL}imports/{created.json()['id']}/"
    checked = client.get(job_url).json()
    assert checked["status"] == "checked" and checked["result"]["error_count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(job_url + "start/").status_code == 202
    assert client.get(job_url).json()["status"] == "done"
    with workspace_scope(workspace.id):
        assert sorted(Account.objects.values_list("country", flat=True)) == ["AT", "DE"]
    assert client.post(job_url + "start/").status_code == 400  # done already
    assert _upload(client, b"\xff\xfe\x00garbage").status_code == 400
    assert _upload(client, columns='{"Umsatz": "name"}').status_code == 400
    assert _upload(client, columns="[1]").status_code == 400
    big = _upload(client, b"external_id,name\n" + b"x" * (MAX_UPLOAD_BYTES + 1))
    assert big.status_code == 413
    with workspace_scope(workspace.id):
        assert ImportJob.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_import_job_runs_on_a_real_worker(worker_on_redis, erik, workspace):
    client = _as(erik)
    job_url = f"{URL}imports/{_upload(client).json()['id']}/"
    _wait(client, job_url, "checked")
    assert client.post(job_url + "start/").status_code == 202
    _wait(client, job_url, "done")
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 2


def _wait(client: APIClient, url: str, status: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get(url).json()["status"] == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"the job did not reach {status}")
