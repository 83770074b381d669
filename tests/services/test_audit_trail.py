"""Every service that changes something an owner or admin may ask about writes exactly one
audit event, with the person who did it, in the same transaction."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest

from accounts import services as acc
from accounts.models import AuditEvent, Invitation
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period
from kpiapp.models import Account, ImportJob
from kpiapp.services import imports
from kpiapp.services.dashboard import dashboard_tiles_set, default_dashboard_ensure
from kpiapp.services.records import record_delete
from kpiapp.services.share_links import share_link_create, share_link_revoke
from kpiapp.services.targets import target_remove, target_set
from tests.conftest import make_user, membership_of
from tests.report_data import make_report

pytestmark = pytest.mark.django_db
Q1 = Period("quarter", 2026 * 12)


@contextmanager
def one_new_event(workspace, action, actor):
    """Asserts that the block writes exactly one event, `action` by `actor`."""
    with workspace_scope(workspace.id):
        before = set(AuditEvent.objects.values_list("pk", flat=True))
    yield
    with workspace_scope(workspace.id):
        new = list(AuditEvent.objects.exclude(pk__in=before))
    assert [(e.action, e.actor) for e in new] == [(action, actor)]
    assert new[0].actor_label == actor.email


def test_member_actions_are_audited_once_each(cast, workspace):
    owner, admin = membership_of(cast["owner"], workspace), membership_of(cast["admin"], workspace)
    with one_new_event(workspace, "invitation.sent", cast["admin"]):
        sent = acc.invitation_send(actor=admin, email="nina@example.com", role="editor")
    nina = make_user("nina@example.com")
    with one_new_event(workspace, "invitation.accepted", nina):
        acc.invitation_accept(invitation=sent.invitation, user=nina)
    nina_m = membership_of(nina, workspace)
    with one_new_event(workspace, "member.role_changed", cast["owner"]):
        acc.membership_change_role(actor=owner, membership=nina_m, role="viewer")
    with one_new_event(workspace, "member.removed", cast["admin"]):
        acc.membership_remove(actor=admin, membership=nina_m)
    again = acc.invitation_send(actor=admin, email="otto@example.com", role="viewer")
    with one_new_event(workspace, "invitation.revoked", cast["owner"]):
        acc.invitation_revoke(
            actor=owner, invitation=Invitation.all_workspaces.get(pk=again.invitation.pk)
        )


def test_tokens_and_settings_are_audited_with_before_and_after(cast, workspace):
    admin = membership_of(cast["admin"], workspace)
    with one_new_event(workspace, "token.created", cast["admin"]):
        token = acc.api_token_create(membership=admin, name="CI").token
    with one_new_event(workspace, "token.revoked", cast["admin"]):
        acc.api_token_revoke(actor=admin, token=token)
    new = acc.WorkspaceSettings(
        name="Acme AG",
        currency="EUR",
        time_zone="Europe/Vienna",
        language="de",
        benchmark_segment="enterprise",
    )
    with one_new_event(workspace, "workspace.updated", cast["admin"]):
        acc.workspace_update(actor=admin, settings_=new)
    with workspace_scope(workspace.id):
        event = AuditEvent.objects.get(action="workspace.updated")
        assert event.data["name"] == ["Acme GmbH", "Acme AG"]
        assert event.data["time_zone"] == ["Europe/Berlin", "Europe/Vienna"]
        assert event.data["benchmark_segment"] == ["smb", "enterprise"]
        with one_new_event(workspace, "dashboard.tiles", cast["admin"]):
            dashboard = default_dashboard_ensure(workspace)
            dashboard_tiles_set(membership=admin, dashboard=dashboard, keys=["mrr", "arr"])


def test_targets_are_audited_when_set_changed_and_deleted(cast, workspace):
    erik = membership_of(cast["editor"], workspace)
    with workspace_scope(workspace.id):
        with one_new_event(workspace, "target.set", cast["editor"]):
            target = target_set(membership=erik, kpi_key="mrr", quarter=Q1, value=Decimal(100))
        with one_new_event(workspace, "target.changed", cast["editor"]):
            target_set(membership=erik, kpi_key="mrr", quarter=Q1, value=Decimal(120))
        with one_new_event(workspace, "target.removed", cast["editor"]):
            target_remove(membership=erik, target=target)
        event = AuditEvent.objects.filter(action="target.changed").get()
    assert event.subject == "mrr 2026-Q1"
    assert event.data == {"old": "100", "new": "120", "kpi": "mrr", "quarter": "2026-Q1"}


def test_share_links_and_record_deletions_are_audited(cast, workspace):
    report = make_report(cast["editor"], workspace)
    erik = membership_of(cast["editor"], workspace)
    with workspace_scope(workspace.id):
        with one_new_event(workspace, "share_link.created", cast["editor"]):
            link = share_link_create(membership=erik, report=report).link
        with one_new_event(workspace, "share_link.revoked", cast["editor"]):
            share_link_revoke(membership=erik, link=link)
        account = Account.objects.create(external_id="A1", name="Kunde")
        with one_new_event(workspace, "record.deleted", cast["editor"]):
            record_delete(membership=erik, record=account)
        event = AuditEvent.objects.get(action="record.deleted")
    assert (event.object_type, event.subject) == ("accounts", str(account))


def test_an_import_is_audited_when_started_and_when_it_finishes_or_fails(
    cast, workspace, django_capture_on_commit_callbacks
):
    erik = membership_of(cast["editor"], workspace)
    good = b"external_id,name\nA1,Eins\nA2,Zwei\n"
    with workspace_scope(workspace.id):
        job = imports.import_job_create(
            membership=erik, kind="accounts", filename="a.csv", data=good
        )
        with django_capture_on_commit_callbacks(execute=True):
            columns = {"external_id": "external_id", "name": "name"}
            imports.import_job_set_mapping(job=job, columns=columns, values={})
        job.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            imports.import_job_start(job=job, actor=cast["admin"])
        assert ImportJob.objects.get(pk=job.pk).status == "done"
        actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor", "data"))
    assert actions[0][:2] == ("import.started", cast["admin"].pk)
    assert actions[1][:2] == ("import.finished", cast["editor"].pk)
    assert actions[1][2]["created"] == 2
    assert len(actions) == 2


def test_the_actor_label_stays_when_the_user_is_deleted(cast, workspace):
    admin = membership_of(cast["admin"], workspace)
    acc.api_token_create(membership=admin, name="CI")
    acc.user_delete(user=cast["admin"])
    with workspace_scope(workspace.id):
        event = AuditEvent.objects.get(action="token.created")
    assert event.actor is None and event.actor_label == "adam@example.com"


def test_an_audit_event_is_rolled_back_with_its_change(cast, workspace):
    owner = membership_of(cast["owner"], workspace)
    with pytest.raises(Exception, match="owner"):
        acc.membership_remove(actor=owner, membership=owner)  # the last owner cannot leave
    with workspace_scope(workspace.id):
        assert not AuditEvent.objects.filter(action__startswith="member.").exists()
