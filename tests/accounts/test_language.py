from datetime import UTC, datetime

import pytest

from tests.conftest import membership_of


@pytest.mark.django_db
def test_the_workspace_language_applies_when_the_user_has_none(client_as, alice, workspace):
    workspace.language = "de"
    workspace.save()
    body = client_as(alice).get(f"/w/{workspace.slug}/").content.decode()
    assert '<html lang="de">' in body
    assert "Einstellungen" in body


@pytest.mark.django_db
def test_the_users_choice_wins_over_the_workspace_and_the_browser(client_as, alice, workspace):
    client = client_as(alice)
    response = client.post("/accounts/language/", {"language": "de", "next": "/w/acme/"})
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/"
    alice.refresh_from_db()
    assert alice.language == "de"
    body = client.get("/w/acme/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in body  # the workspace is English, the browser too


@pytest.mark.django_db
def test_anonymous_visitors_follow_their_browser_and_the_switcher(client):
    assert (
        '<html lang="de">'
        in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    )
    client.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})
    assert (
        '<html lang="en">'
        in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    )


@pytest.mark.django_db
def test_the_switcher_ignores_foreign_redirects_and_unknown_languages(client_as, alice):
    response = client_as(alice).post(
        "/accounts/language/", {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    alice.refresh_from_db()
    assert alice.language == ""


@pytest.mark.django_db
def test_german_pages_use_german_date_formats(client_as, alice, adam, workspace):
    alice.language = "de"
    alice.save()
    # Midday UTC is the same day in every European time zone: the test does not depend on
    # the hour it runs (just after midnight in Berlin, UTC's date was the day before).
    membership = membership_of(alice, workspace)
    membership.created_at = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    membership.save(update_fields=["created_at"])
    body = client_as(alice).get(f"/w/{workspace.slug}/settings/members/").content.decode()
    assert "04.03.2025" in body
    assert "Mitglieder" in body
