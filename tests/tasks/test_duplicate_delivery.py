"""Every kind of task, delivered twice with the same task id (as Redis redelivers a message
whose worker died before acknowledging it), does its work once (issue 21, item 3).

Each delivery runs the task as a worker does (`apply` with the message's task id), against the
real database; the list below must name every task, so a new kind cannot skip this test."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core import mail
from django.utils import timezone

import pytest
from freezegun import freeze_time

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp import tasks
from kpiapp.celery import app
from kpiapp.models import (
    Account,
    DigestDelivery,
    ImportJob,
    ImportStatus,
    RecomputeState,
    WorkspaceExport,
)
from kpiapp.services import imports
from kpiapp.services.digests import digest_period_key, digest_subscribe
from kpiapp.services.reports import report_create
from kpiapp.services.snapshots import recompute_request
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
CSV = b"external_id,name\nA1,Kunde Eins\nA2,Kunde Zwei\n"


def twice(task, *args) -> tuple[object, object]:
    task_id = str(uuid.uuid4())
    first = task.apply(args, task_id=task_id).get()
    second = task.apply(args, task_id=task_id).get()
    return first, second


def _imported_job(workspace, user, capture) -> ImportJob:
    with workspace_scope(workspace.id):
        job = imports.import_job_create(
            membership=membership_of(user, workspace), kind="accounts", filename="k.csv", data=CSV
        )
        with capture(execute=True):
            imports.import_job_set_mapping(
                job=job, columns={"external_id": "external_id", "name": "name"}, values={}
            )
        job.refresh_from_db()
        with capture(execute=False):  # started, not yet delivered
            imports.import_job_start(job=job)
        job.refresh_from_db()
    return job


def test_run_import(workspace, alice, django_capture_on_commit_callbacks):
    job = _imported_job(workspace, alice, django_capture_on_commit_callbacks)
    twice(tasks.run_import, workspace.id, job.pk, False)
    with workspace_scope(workspace.id):
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE and job.attempts == 1
        assert job.result["created"] == 2 and Account.objects.count() == 2


def test_recompute_workspace(workspace, django_capture_on_commit_callbacks):
    with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=False):
        recompute_request()
    first, second = twice(tasks.recompute_workspace, workspace.id)
    assert first and second is None  # the second found nothing to claim
    with workspace_scope(workspace.id):
        assert RecomputeState.objects.get().run_count == 1


def test_recompute_all_workspaces(workspace, other_workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert twice(tasks.recompute_all_workspaces) == (2, 0)
    for ws in (workspace, other_workspace):
        with workspace_scope(ws.id):
            assert RecomputeState.objects.get().run_count == 1


def test_recover_recomputes(workspace, django_capture_on_commit_callbacks):
    dead = timezone.now() - timezone.timedelta(hours=1)
    with workspace_scope(workspace.id):
        RecomputeState.objects.create(dirty_since=dead, changed_at=dead, started_at=dead)
    with django_capture_on_commit_callbacks(execute=True):  # the recompute it queues
        assert twice(tasks.recover_recomputes) == ([workspace.id], [])
    with workspace_scope(workspace.id):
        assert RecomputeState.objects.get().run_count == 1


def _digest_report(workspace, alice, vera) -> int:
    data = {
        "title": "Board update", "visibility": "shared", "grain": "month",
        "range_kind": "last_closed_month", "comparison": "none", "sections": [{"kpi": "mrr"}],
    }  # fmt: skip
    with workspace_scope(workspace.id):
        report = report_create(membership=membership_of(alice, workspace), data=data)
        member = membership_of(vera, workspace)
        digest_subscribe(membership=member, report=report, cadence="monthly")
    return report.pk


def test_send_report_digest(workspace, alice, vera):
    report_id = _digest_report(workspace, alice, vera)
    key = digest_period_key("monthly", timezone.now().date())
    assert twice(tasks.send_report_digest, workspace.id, report_id, "monthly", key) == (1, 0)
    assert len(mail.outbox) == 1
    with workspace_scope(workspace.id):
        assert DigestDelivery.objects.count() == 1


def test_send_due_digests(workspace, alice, vera, django_capture_on_commit_callbacks):
    _digest_report(workspace, alice, vera)
    with django_capture_on_commit_callbacks(execute=True):
        assert twice(tasks.send_due_digests, "monthly") == (1, 0)
    assert len(mail.outbox) == 1


def test_export_workspace(workspace, alice, django_capture_on_commit_callbacks):
    from kpiapp.services.workspace_export import workspace_export_request

    with workspace_scope(workspace.id), django_capture_on_commit_callbacks(execute=False):
        export = workspace_export_request(membership=membership_of(alice, workspace))
    task_id = str(uuid.uuid4())
    tasks.export_workspace.apply((workspace.id, export.pk), task_id=task_id).get()
    with workspace_scope(workspace.id):
        first = WorkspaceExport.objects.get()
    tasks.export_workspace.apply((workspace.id, export.pk), task_id=task_id).get()
    with workspace_scope(workspace.id):
        second = WorkspaceExport.objects.get()
    assert first.status == second.status == "done"
    assert (second.finished_at, bytes(second.data)) == (first.finished_at, bytes(first.data))


def test_delete_workspace(workspace, alice, django_capture_on_commit_callbacks):
    from accounts.deletion import workspace_deletion_start
    from accounts.tasks import delete_workspace

    _imported_job(workspace, alice, django_capture_on_commit_callbacks)
    workspace_deletion_start(workspace=workspace, actor=alice)
    first, second = twice(delete_workspace, workspace.id)
    assert sum(first.values()) > 0
    assert sum(second.values()) == 0
    assert not Workspace.objects.filter(pk=workspace.pk).exists()


def test_purge_expired_data(workspace, alice, django_capture_on_commit_callbacks):
    with freeze_time("2026-01-01 10:00"):
        job = _imported_job(workspace, alice, django_capture_on_commit_callbacks)
        tasks.run_import.apply((workspace.id, job.pk, False)).get()  # finished
    with freeze_time("2026-03-01 10:00"):
        first, second = twice(tasks.purge_expired_data)
    assert first["import_files"] == 1
    assert second["import_files"] == 0


def test_fail_stale_imports(workspace, alice, django_capture_on_commit_callbacks):
    from kpiapp.services.import_sweeper import STALE_AFTER

    with freeze_time(timezone.now() - STALE_AFTER * 2):
        _imported_job(workspace, alice, django_capture_on_commit_callbacks)  # importing
    assert twice(tasks.fail_stale_imports) == (1, 0)


def test_health_check():
    first, second = twice(tasks.health_check)
    assert first["status"] == second["status"] == "ok"  # no effect to double


def _fired_alert(workspace, alice, capture) -> None:
    from decimal import Decimal

    from kpiapp.models import AlertRule, KpiSnapshot
    from kpiapp.selectors.tiles import last_complete_period

    month = last_complete_period("month", timezone.localdate()).start
    with workspace_scope(workspace.id):
        KpiSnapshot.objects.create(kpi_key="mrr", grain="month", period_start=month,
                                   value=Decimal(10), computed_at=timezone.now())  # fmt: skip
        AlertRule.objects.create(kpi_key="mrr", kind="below", threshold=Decimal(100),
                                 recipients="me", created_by=alice)  # fmt: skip


def test_evaluate_alerts(workspace, alice, django_capture_on_commit_callbacks):
    _fired_alert(workspace, alice, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert twice(tasks.evaluate_alerts, workspace.id) == (1, 0)
    assert len(mail.outbox) == 1  # the one delivery, sent once


def test_deliver_alert(workspace, alice, django_capture_on_commit_callbacks):
    from kpiapp.models import AlertDelivery

    _fired_alert(workspace, alice, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        tasks.evaluate_alerts.apply((workspace.id,))
    with workspace_scope(workspace.id):
        delivery = AlertDelivery.objects.get()
    assert twice(tasks.deliver_alert, workspace.id, delivery.pk) == (True, False)
    assert len(mail.outbox) == 1


COVERED: dict[str, Callable] = {
    name.removeprefix("test_"): fn for name, fn in globals().items() if name.startswith("test_")
}


def test_every_task_kind_is_covered():
    app.loader.import_default_modules()
    ours = {
        name.rsplit(".", 1)[1]
        for name in app.tasks
        if name.startswith(("kpiapp.tasks.", "accounts.tasks."))
    }
    assert ours - set(COVERED) == set()
