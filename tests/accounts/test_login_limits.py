"""Wrong passwords: the account-and-address lock, the wider ceilings, case variants of the
email, and the notice mail (README, "Login limits")."""

from __future__ import annotations

from django.core import mail

import pytest

from tests.conftest import PASSWORD


def _try(client, email: str, password: str, address: str):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def _variants(email: str, count: int) -> list[str]:
    """`count` different spellings of `email` (ALICE@…, Alice@…, aLiCe@…)."""
    local, domain = email.split("@")
    out = []
    for n in range(count):
        spelled = "".join(
            ch.upper() if (n >> (i % 8)) & 1 else ch for i, ch in enumerate(local + "@" + domain)
        )
        out.append(spelled if spelled != email else email.upper())
    return out


@pytest.mark.django_db
def test_wrong_passwords_lock_the_account_from_that_address_only(
    client, settings, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            _try(client, alice.email, f"wrong{attempt}", "10.0.0.1")
    # Locked from that address, even with the right password …
    response = _try(client, alice.email, PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # … but the owner, elsewhere, is not locked out by whoever guessed.
    assert _try(client, alice.email, PASSWORD, "10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_case_variants_of_the_email_count_toward_one_lock(client, settings, alice):
    spellings = _variants(alice.email, settings.AXES_FAILURE_LIMIT)
    assert len(set(spellings)) == settings.AXES_FAILURE_LIMIT
    codes = [
        _try(client, spelled, f"wrong{n}", "10.0.0.1").status_code
        for n, spelled in enumerate(spellings)
    ]
    # Each spelling counted toward the same lock: the last failure started it.
    assert codes == [200] * (len(spellings) - 1) + [429]
    # Yet another spelling with the right password: still locked.
    response = _try(client, "Alice@Example.COM", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_guessing_one_account_from_many_addresses_hits_the_account_ceiling(client, settings, alice):
    # The probe: 20 wrong passwords, each a different case, from 5 addresses.
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert limit == 20
    for attempt, spelled in enumerate(_variants(alice.email, limit)):
        _try(client, spelled, f"wrong{attempt}", f"10.0.1.{attempt % 5}")
    response = _try(client, "ALICE@EXAMPLE.COM", PASSWORD, "10.0.2.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_hits_the_address_ceiling(client, settings, alice):
    for attempt in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        _try(client, f"guess{attempt}@example.com", "x", "10.9.9.9")
    assert _try(client, alice.email, PASSWORD, "10.9.9.9").status_code == 429
    # The same account from another address still works.
    assert _try(client, alice.email, PASSWORD, "10.1.1.1").status_code == 302


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_and_a_success_start_the_count_again(client, settings, alice):
    for _round in range(2):
        for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            _try(client, alice.email.upper(), f"wrong{attempt}", "10.0.0.1")
        assert _try(client, alice.email.upper(), PASSWORD, "10.0.0.1").status_code == 302
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_the_owner_gets_one_notice_mail_per_lock(
    client, settings, alice, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(settings.AXES_FAILURE_LIMIT + 3):
            _try(client, alice.email, f"wrong{attempt}", "10.0.0.7")
        # Another address reaches the pair's lock as well: the same lock period, no second mail.
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            _try(client, alice.email, f"wrong{attempt}", "10.0.0.8")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert message.subject == "Unusual login attempts on your Kennzahl account"
    assert "10.0.0.7" in message.body
    assert "/accounts/password_reset/" in message.body


@pytest.mark.django_db
def test_the_notice_mail_is_german_for_a_german_user_and_none_for_unknown_accounts(
    client, settings, alice, django_capture_on_commit_callbacks
):
    alice.language = "de"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            _try(client, "nobody@example.com", f"wrong{attempt}", "10.0.0.9")
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            _try(client, alice.email, f"wrong{attempt}", "10.0.0.9")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Ungewöhnliche Anmeldeversuche")
    assert "Zwei-Faktor-Anmeldung" in mail.outbox[0].body
