"""Two-factor login: setting it up, the login's code step, recovery codes, turning it off, the
code lock, a workspace that requires it, and the API's answers."""

from __future__ import annotations

import re

from django.test import Client

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import two_factor
from accounts.models import AuditEvent
from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from tests.accounts.two_factor_steps import CODE_RE, app_code, turn_on
from tests.conftest import PASSWORD, membership_of


def log_in_with_password(client: Client, user, address: str = "10.0.0.1", **extra):
    return client.post(
        "/accounts/login/",
        {"username": user.email, "password": PASSWORD, **extra},
        REMOTE_ADDR=address,
    )


def enter_code(client: Client, code: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/code/", {"code": code}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_setup_shows_a_qr_code_and_the_key_and_needs_a_current_code(client_as, alice):
    client = client_as(alice)
    page = client.get("/accounts/two-factor/").content.decode()
    assert '<svg viewBox="0 0' in page and 'class="qr-code"' in page
    assert "data:" not in page  # drawn inline, no data: URI needed by the CSP
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page).group(1)
    assert two_factor.secret_text(device) == secret
    # A second visit shows the same key (one device being set up).
    assert secret in client.get("/accounts/two-factor/").content.decode()

    wrong = client.post("/accounts/two-factor/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "This code is not correct" in wrong.content.decode()
    assert not two_factor.enabled(alice)

    response = client.post("/accounts/two-factor/", {"code": app_code(alice)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = CODE_RE.findall(response.content.decode())
    assert len(codes) == 10 == len(set(codes))
    assert two_factor.enabled(alice)
    assert two_factor.recovery_codes_left(alice) == 10
    # This session is confirmed: the profile says "on" and is not sent to the code step.
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200
    assert "10 recovery codes left" in profile.content.decode()


@pytest.mark.django_db
def test_login_asks_for_the_code_before_anyone_is_logged_in(client_as, alice, workspace):
    turn_on(client_as(alice), alice)
    client = Client()
    response = log_in_with_password(client, alice, next=f"/w/{workspace.slug}/targets/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # not logged in yet
    assert client.get(f"/w/{workspace.slug}/").status_code == 302
    assert client.get(f"/w/{workspace.slug}/").url.startswith("/accounts/login/")
    assert client.get("/api/v1/workspaces/").status_code in (401, 403)

    page = client.get("/accounts/login/code/")
    assert "Enter your confirmation code" in page.content.decode()
    wrong = enter_code(client, "123456")
    assert wrong.status_code == 400
    assert "This code is not correct" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    # The code of the setup was used once; the app's next one logs in and goes on to `next`.
    response = enter_code(client, app_code(alice, step=1))
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}/targets/"
    assert client.get(f"/w/{workspace.slug}/").status_code == 200
    assert client.get("/api/v1/workspaces/").status_code == 200


@pytest.mark.django_db
def test_an_app_code_works_once(client_as, alice, workspace):
    turn_on(client_as(alice), alice)
    first = Client()
    log_in_with_password(first, alice)
    code = app_code(alice, step=1)
    assert enter_code(first, code).status_code == 302
    second = Client()
    log_in_with_password(second, alice)
    assert enter_code(second, code).status_code == 400


@pytest.mark.django_db
def test_a_recovery_code_logs_in_once(client_as, alice, workspace):
    codes = turn_on(client_as(alice), alice)
    client = Client()
    log_in_with_password(client, alice)
    # Typed in capitals with a space instead of the hyphen: still the same code.
    response = enter_code(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    assert two_factor.recovery_codes_left(alice) == 9
    assert (
        "Recovery codes left: 9" in client.get(response["Location"], follow=True).content.decode()
    )

    again = Client()
    log_in_with_password(again, alice)
    assert enter_code(again, codes[0]).status_code == 400
    assert "_auth_user_id" not in again.session


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_code_step_for_that_user(client_as, settings, alice):
    turn_on(client_as(alice), alice)
    client = Client()
    log_in_with_password(client, alice)
    limit = settings.TWO_FACTOR_FAILURE_LIMIT
    answers = [enter_code(client, f"{n:06d}").status_code for n in range(limit)]
    assert answers == [400] * (limit - 1) + [429]
    # Locked: even the right code, from another address after the password again, is refused.
    other = Client()
    log_in_with_password(other, alice, address="10.0.0.2")
    response = enter_code(other, app_code(alice, step=1), address="10.0.0.2")
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert "_auth_user_id" not in other.session


@pytest.mark.django_db
def test_wrong_codes_from_one_address_lock_it_across_users(client_as, settings, alice, vera):
    settings.TWO_FACTOR_ADDRESS_FAILURE_LIMIT = 6  # above the per-user limit of 5
    turn_on(client_as(alice), alice)
    turn_on(client_as(vera), vera)
    for user, wrong in ((alice, 4), (vera, 2)):  # each under the per-user limit
        client = Client()
        log_in_with_password(client, user, address="10.7.7.7")
        for n in range(wrong):
            enter_code(client, f"{n:06d}", address="10.7.7.7")
    client = Client()
    log_in_with_password(client, alice, address="10.7.7.7")
    assert enter_code(client, app_code(alice, step=1), address="10.7.7.7").status_code == 429
    client = Client()
    log_in_with_password(client, alice, address="10.7.7.8")
    assert enter_code(client, app_code(alice, step=1), address="10.7.7.8").status_code == 302


@pytest.mark.django_db
def test_new_recovery_codes_need_the_password_or_a_code_and_replace_the_old(client_as, alice):
    client = client_as(alice)
    old = turn_on(client, alice)
    refused = client.post("/accounts/two-factor/recovery-codes/", {"codes-secret": "nope"})
    assert refused.status_code == 400
    assert "neither your password nor a current code" in refused.content.decode()
    response = client.post("/accounts/two-factor/recovery-codes/", {"codes-secret": PASSWORD})
    new = CODE_RE.findall(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    stored = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in new}


@pytest.mark.django_db
def test_turning_it_off_needs_the_password_or_a_code(client_as, alice, workspace):
    client = client_as(alice)
    turn_on(client, alice)
    refused = client.post("/accounts/two-factor/off/", {"off-secret": "wrong-password"})
    assert refused.status_code == 400
    assert two_factor.enabled(alice)
    response = client.post("/accounts/two-factor/off/", {"off-secret": app_code(alice, step=1)})
    assert response.status_code == 302
    assert not two_factor.enabled(alice)
    assert not StaticToken.objects.filter(device__user=alice).exists()
    # Logging in is one step again.
    fresh = Client()
    assert log_in_with_password(fresh, alice)["Location"] == "/"
    assert "_auth_user_id" in fresh.session


@pytest.mark.django_db
def test_a_session_from_before_setup_must_confirm_with_a_code(client_as, alice, workspace):
    earlier = client_as(alice)  # e.g. the laptop, logged in yesterday
    turn_on(client_as(alice), alice)
    response = earlier.get(f"/w/{workspace.slug}/kpis/")
    assert response.status_code == 302
    assert response.url == f"/accounts/login/code/?next=/w/{workspace.slug}/kpis/"
    assert earlier.get("/accounts/profile/").status_code == 302
    api = earlier.get(f"/api/v1/workspaces/{workspace.slug}/accounts/")
    assert api.status_code == 403
    assert "authenticator app" in api.json()["detail"]
    confirmed = earlier.post(response.url, {"code": app_code(alice, step=1)})
    assert confirmed["Location"] == f"/w/{workspace.slug}/kpis/"
    assert earlier.get(f"/w/{workspace.slug}/kpis/").status_code == 200


@pytest.mark.django_db
def test_an_owner_requires_it_and_members_without_it_are_sent_to_set_it_up(
    client_as, alice, adam, vera, workspace
):
    owner = client_as(alice)
    url = f"/w/{workspace.slug}/settings/two-factor/"
    # Not before the owner has it on: they would be the first one shut out.
    response = owner.post(url, {"require_two_factor": "on"}, follow=True)
    assert "Turn on two-factor login for yourself first" in response.content.decode()
    workspace.refresh_from_db()
    assert not workspace.require_two_factor
    assert client_as(adam).post(url, {"require_two_factor": "on"}).status_code == 403

    turn_on(owner, alice)
    owner.post(url, {"require_two_factor": "on"})
    workspace.refresh_from_db()
    assert workspace.require_two_factor
    with workspace_scope(workspace.id):
        event = AuditEvent.objects.get(data__has_key="require_two_factor")
    assert event.actor == alice and event.data["require_two_factor"] == [False, True]
    assert event.action == "workspace.require_2fa"

    member = client_as(vera)
    response = member.get(f"/w/{workspace.slug}/targets/")
    assert response.status_code == 302
    assert response.url == f"/accounts/two-factor/?next=/w/{workspace.slug}/targets/"
    page = member.get(response.url).content.decode()
    assert "The workspace “Acme GmbH” requires two-factor login" in page
    setup = member.post(response.url, {"code": app_code(vera), "next": "/w/acme/targets/"})
    assert f'href="/w/{workspace.slug}/targets/"' in setup.content.decode()
    assert member.get(f"/w/{workspace.slug}/targets/").status_code == 200


@pytest.mark.django_db
def test_the_api_refuses_a_session_without_it_but_not_a_token(client_as, alice, vera, workspace):
    turn_on(client_as(alice), alice)
    two_factor.set_workspace_requirement(actor=membership_of(alice, workspace), required=True)
    session = APIClient()
    session.force_login(vera, backend="django.contrib.auth.backends.ModelBackend")
    response = session.get(f"/api/v1/workspaces/{workspace.slug}/accounts/")
    assert response.status_code == 403
    assert "requires two-factor login" in response.json()["detail"]
    with workspace_scope(workspace.id):
        key = api_token_create(membership=membership_of(vera, workspace), name="BI").key
    token = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert token.get(f"/api/v1/workspaces/{workspace.slug}/accounts/").status_code == 200


@pytest.mark.django_db
def test_an_outsider_still_gets_404_from_a_workspace_that_requires_it(
    client_as, alice, charlie, workspace
):
    turn_on(client_as(alice), alice)
    two_factor.set_workspace_requirement(actor=membership_of(alice, workspace), required=True)
    api = APIClient()
    api.force_login(charlie, backend="django.contrib.auth.backends.ModelBackend")
    assert api.get(f"/api/v1/workspaces/{workspace.slug}/accounts/").status_code == 404
    assert client_as(charlie).get(f"/w/{workspace.slug}/").status_code == 404


@pytest.mark.django_db
def test_the_settings_page_offers_the_requirement_to_owners_only(client_as, alice, vera, workspace):
    page = client_as(alice).get(f"/w/{workspace.slug}/settings/").content.decode()
    assert 'name="require_two_factor"' in page
    page = client_as(vera).get(f"/w/{workspace.slug}/settings/").content.decode()
    assert 'name="require_two_factor"' not in page
    assert "Only owners can require it." in page
    assert client_as(vera).post(f"/w/{workspace.slug}/settings/two-factor/").status_code == 403


@pytest.mark.django_db
def test_the_pages_read_in_german(client_as, alice, workspace):
    alice.language = "de"
    alice.save()
    client = client_as(alice)
    profile = client.get("/accounts/profile/").content.decode()
    assert "Zwei-Faktor-Anmeldung einrichten" in profile
    setup = client.get("/accounts/two-factor/").content.decode()
    assert "Bestätigungscode" in setup and "QR-Code für Ihre Authenticator-App" in setup
    codes = client.post("/accounts/two-factor/", {"code": app_code(alice)}).content.decode()
    assert "Ihre Wiederherstellungscodes" in codes
    assert (
        "Noch 10 Wiederherstellungscodes übrig."
        in client.get("/accounts/profile/").content.decode()
    )


@pytest.mark.django_db
def test_wrong_passwords_or_codes_when_turning_it_off_lock_that_form_too(
    client_as, settings, alice
):
    client = client_as(alice)
    turn_on(client, alice)
    for n in range(settings.TWO_FACTOR_FAILURE_LIMIT):
        client.post("/accounts/two-factor/off/", {"off-secret": f"guess-{n}"})
    # Locked: now even the right password is not tried.
    response = client.post("/accounts/two-factor/off/", {"off-secret": PASSWORD})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert two_factor.enabled(alice)


@pytest.mark.django_db
def test_a_cached_page_does_not_skip_the_workspaces_requirement(client_as, alice, vera, workspace):
    """A page in the page cache is served only to members who meet the requirement, also when
    a member turns two-factor login off after the page was stored (which changes no page)."""
    turn_on(client_as(alice), alice)
    two_factor.set_workspace_requirement(actor=membership_of(alice, workspace), required=True)
    member = client_as(vera)
    turn_on(member, vera)
    pages = (f"/w/{workspace.slug}/kpis/", f"/w/{workspace.slug}/mrr/")
    for page in pages:
        assert member.get(page).status_code == 200
        assert member.get(page).context is None  # served from the cache
    TOTPDevice.objects.filter(user=vera).delete()  # two-factor login off
    for page in pages:
        response = member.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith("/accounts/two-factor/")
