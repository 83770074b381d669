import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

import pytest

from accounts.models import Invitation, Membership, User
from accounts.tokens import hash_secret
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invite form; the mail goes out on commit, which a test transaction never
    reaches, so the commit callbacks run here."""

    def send(client, workspace, email="new@example.com", role="editor"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/w/{workspace.slug}/settings/members/invite/", {"email": email, "role": role}
            )

    return send


def _link_from_mail() -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)


@pytest.mark.django_db
def test_an_admin_invites_by_email_and_only_a_hash_is_stored(invite, client_as, adam, workspace):
    response = invite(client_as(adam), workspace)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "Acme GmbH" in mail.outbox[0].subject
    link = _link_from_mail()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.all_workspaces.get()
    assert invitation.token_hash == hash_secret(token)
    assert token not in invitation.token_hash
    assert invitation.role == "editor"


@pytest.mark.django_db
def test_a_new_user_accepts_by_creating_a_login(invite, client_as, client, adam, workspace):
    invite(client_as(adam), workspace)
    link = _link_from_mail()
    page = client.get(link)
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()
    response = client.post(link, {"name": "Nina New", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}/"
    user = User.objects.get(email="new@example.com")
    assert Membership.all_workspaces.get(user=user, workspace=workspace).role == "editor"
    assert client.get(f"/w/{workspace.slug}/").status_code == 200  # logged in
    # The link is used up.
    assert client.get(link).status_code == 410


@pytest.mark.django_db
def test_signup_through_an_invitation_validates_the_password(
    invite, client_as, client, adam, workspace
):
    invite(client_as(adam), workspace)
    response = client.post(_link_from_mail(), {"password1": "short", "password2": "other"})
    assert response.status_code == 400
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_an_existing_user_logs_in_then_accepts(invite, client_as, client, adam, workspace):
    existing = make_user("known@example.com")
    invite(client_as(adam), workspace, email="Known@Example.com", role="viewer")
    link = _link_from_mail()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/invitations/")
    invitee = client_as(existing)
    assert "Accept" in invitee.get(link).content.decode()
    response = invitee.post(link)
    assert response.status_code == 302
    assert Membership.all_workspaces.get(user=existing, workspace=workspace).role == "viewer"


@pytest.mark.django_db
def test_someone_else_logged_in_cannot_accept(invite, client_as, adam, vera, workspace):
    invite(client_as(adam), workspace, email="someone@example.com")
    response = client_as(vera).post(_link_from_mail())
    assert response.status_code == 403
    assert Invitation.all_workspaces.get().accepted_at is None


@pytest.mark.django_db
def test_expired_and_revoked_invitations_cannot_be_used(invite, client_as, client, adam, workspace):
    invite(client_as(adam), workspace, email="late@example.com")
    late_link = _link_from_mail()
    Invitation.all_workspaces.filter(email="late@example.com").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(late_link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.content.decode()

    invite(client_as(adam), workspace, email="gone@example.com")
    gone_link = _link_from_mail()
    invitation = Invitation.all_workspaces.get(email="gone@example.com")
    response = client_as(adam).post(
        f"/w/{workspace.slug}/settings/invitations/{invitation.pk}/revoke/"
    )
    assert response.status_code == 302
    response = client.post(gone_link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    assert "revoked" in response.content.decode()
    assert not User.objects.filter(email__in=["late@example.com", "gone@example.com"]).exists()


@pytest.mark.django_db
def test_an_unknown_link_is_not_found(client):
    assert client.get("/invitations/inv_not-a-real-token/").status_code == 404


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_pending_one(invite, client_as, adam, workspace):
    invite(client_as(adam), workspace, role="viewer")
    first = _link_from_mail()
    invite(client_as(adam), workspace, role="editor")
    assert client_as(adam).get(first).status_code in (403, 410)
    assert Invitation.all_workspaces.filter(revoked_at=None).count() == 1


@pytest.mark.django_db
def test_members_cannot_be_invited_twice_and_bad_input_is_explained(
    invite, client_as, adam, vera, workspace
):
    response = invite(client_as(adam), workspace, email=vera.email)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    response = invite(client_as(adam), workspace, email="not-an-email")
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    assert Invitation.all_workspaces.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_only_owners_invite_owners_and_editors_cannot_invite(
    invite, client_as, adam, erik, alice, workspace
):
    assert invite(client_as(adam), workspace, role="owner").status_code == 400
    assert invite(client_as(erik), workspace).status_code == 403
    assert Invitation.all_workspaces.count() == 0
    assert invite(client_as(alice), workspace, role="owner").status_code == 302


@pytest.mark.django_db
def test_only_owners_revoke_an_invitation_to_become_an_owner(invite, client_as, cast, workspace):
    invite(client_as(cast["owner"]), workspace, email="co-owner@example.com", role="owner")
    invitation = Invitation.all_workspaces.get(email="co-owner@example.com")
    revoke = f"/w/{workspace.slug}/settings/invitations/{invitation.pk}/revoke/"
    page = client_as(cast["admin"]).post(revoke, follow=True)
    assert "Only an owner can revoke an invitation to become an owner." in page.content.decode()
    api = client_as(cast["admin"]).delete(
        f"/api/v1/workspaces/{workspace.slug}/invitations/{invitation.pk}/"
    )
    assert api.status_code == 400
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert client_as(cast["owner"]).post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
