import pytest

from accounts.models import ApiToken, AuditEvent, Membership
from accounts.services import api_token_create
from tests.conftest import membership_of


def _role(client, workspace, member, role):
    m = membership_of(member, workspace)
    return client.post(
        f"/w/{workspace.slug}/settings/members/{m.pk}/role/", {"role": role}, follow=True
    )


def _remove(client, workspace, member):
    m = membership_of(member, workspace)
    return client.post(f"/w/{workspace.slug}/settings/members/{m.pk}/remove/", follow=True)


@pytest.mark.django_db
def test_everyone_sees_the_team_but_only_admins_get_the_controls(client_as, cast, workspace):
    viewer_page = client_as(cast["viewer"]).get(f"/w/{workspace.slug}/settings/members/")
    assert viewer_page.status_code == 200
    body = viewer_page.content.decode()
    assert cast["admin"].email in body
    assert "Invite a colleague" not in body
    assert "/role/" not in body
    admin_body = (
        client_as(cast["admin"]).get(f"/w/{workspace.slug}/settings/members/").content.decode()
    )
    assert "Invite a colleague" in admin_body
    assert "/role/" in admin_body


@pytest.mark.django_db
def test_an_admin_changes_roles_and_it_is_audited(client_as, cast, workspace, in_workspace):
    response = _role(client_as(cast["admin"]), workspace, cast["editor"], "viewer")
    assert "is now Viewer" in response.content.decode()
    assert membership_of(cast["editor"], workspace).role == "viewer"
    with in_workspace(workspace):
        event = AuditEvent.objects.get(action="member.role_changed")
    assert event.actor == cast["admin"]
    assert event.data == {"old": "editor", "new": "viewer"}


@pytest.mark.django_db
def test_editors_and_viewers_cannot_change_roles(client_as, cast, workspace):
    for who in ("editor", "viewer"):
        m = membership_of(cast["admin"], workspace)
        response = client_as(cast[who]).post(
            f"/w/{workspace.slug}/settings/members/{m.pk}/role/", {"role": "viewer"}
        )
        assert response.status_code == 403
    assert membership_of(cast["admin"], workspace).role == "admin"


@pytest.mark.django_db
def test_admins_cannot_touch_owners_or_appoint_them(client_as, cast, workspace):
    admin = client_as(cast["admin"])
    _role(admin, workspace, cast["owner"], "viewer")
    _remove(admin, workspace, cast["owner"])
    _role(admin, workspace, cast["editor"], "owner")
    assert membership_of(cast["owner"], workspace).role == "owner"
    assert membership_of(cast["editor"], workspace).role == "editor"


@pytest.mark.django_db
def test_the_last_owner_can_be_neither_demoted_nor_removed_nor_leave(client_as, cast, workspace):
    owner = client_as(cast["owner"])
    response = _role(owner, workspace, cast["owner"], "admin")
    assert "at least one owner" in response.content.decode()
    owner_membership = membership_of(cast["owner"], workspace)
    response = owner.post(f"/w/{workspace.slug}/settings/members/leave/", follow=True)
    assert "at least one owner" in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"


@pytest.mark.django_db
def test_with_two_owners_one_may_step_down(client_as, cast, workspace):
    owner = client_as(cast["owner"])
    _role(owner, workspace, cast["admin"], "owner")
    assert membership_of(cast["admin"], workspace).role == "owner"
    _role(client_as(cast["admin"]), workspace, cast["owner"], "editor")
    assert membership_of(cast["owner"], workspace).role == "editor"


@pytest.mark.django_db
def test_removing_a_member_revokes_their_tokens(client_as, cast, workspace):
    api_token_create(membership=membership_of(cast["editor"], workspace), name="sync")
    response = _remove(client_as(cast["admin"]), workspace, cast["editor"])
    assert "was removed" in response.content.decode()
    assert not Membership.all_workspaces.filter(user=cast["editor"], workspace=workspace).exists()
    assert ApiToken.all_workspaces.get(user=cast["editor"]).revoked_at is not None
    assert client_as(cast["editor"]).get(f"/w/{workspace.slug}/").status_code == 404


@pytest.mark.django_db
def test_a_member_may_leave(client_as, cast, workspace):
    response = client_as(cast["viewer"]).post(f"/w/{workspace.slug}/settings/members/leave/")
    assert response.status_code == 302
    assert not Membership.all_workspaces.filter(user=cast["viewer"], workspace=workspace).exists()


@pytest.mark.slow
def test_two_owners_demoting_each_other_at_once_on_sqlite_get_a_clear_answer(tmp_path):
    """The embedded default queues writers (IMMEDIATE transactions) instead of failing one
    with "database is locked"; the last-owner rule holds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "SQLITE_PATH": str(tmp_path / "duo.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "kpiapp.settings",
        "PYTHONPATH": str(root),
    }
    result = subprocess.run(
        [sys.executable, str(root / "tests/accounts/scripts/demote_each_other.py")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['demoted', 'refused'] owners: 1"
