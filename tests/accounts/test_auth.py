import re

from django.core import mail

import pytest

from accounts.models import User
from tests.conftest import PASSWORD, make_user


@pytest.mark.django_db
def test_signup_creates_a_user_logs_in_and_asks_for_a_workspace(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/workspaces/new/"
    user = User.objects.get()
    assert user.email == "new.person@example.com"
    assert client.get("/").status_code == 200  # logged in: the (empty) workspace list


@pytest.mark.django_db
def test_signup_refuses_a_taken_email_in_any_spelling_and_weak_passwords(client):
    make_user("taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "TAKEN@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "weak@example.com",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert 'id="id_password2_error"' in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_login_with_email_in_any_case_and_logout(client, alice, workspace):
    response = client.post(
        "/accounts/login/", {"username": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    # One workspace: straight to its dashboard.
    assert client.get("/").url == f"/w/{workspace.slug}/"
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(f"/w/{workspace.slug}/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_gives_a_clear_error_next_to_the_form(client, alice):
    response = client.post("/accounts/login/", {"username": alice.email, "password": "nope"})
    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_change(client_as, alice):
    client = client_as(alice)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret-42",
            "new_password2": "a-new-long-secret-42",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-new-long-secret-42")


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice):
    response = client.post("/accounts/password_reset/", {"email": alice.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "fresh-password-2026",
            "new_password2": "fresh-password-2026",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("fresh-password-2026")


@pytest.mark.django_db
def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_deleting_ones_login_takes_sole_workspaces_along(
    client_as, alice, workspace, django_capture_on_commit_callbacks
):
    client = client_as(alice)
    response = client.post("/accounts/delete/", {"password": "wrong"})
    assert response.status_code == 400
    assert User.objects.filter(pk=alice.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):  # the workspace's deletion job
        response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not type(workspace).objects.filter(pk=workspace.pk).exists()


@pytest.mark.django_db
def test_the_only_owner_of_a_shared_workspace_cannot_delete_their_login(
    client_as, alice, vera, workspace
):
    response = client_as(alice).post("/accounts/delete/", {"password": PASSWORD}, follow=True)
    assert "only owner" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
