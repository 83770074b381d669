"""A real browser sets up two-factor login (the test reads the key from the page and computes
the app's code itself), logs out, logs in with password and code, then with a recovery code."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.conftest import PASSWORD, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret_text: str, step: int = 0) -> str:
    """What an authenticator app shows for the key printed on the page (`step` periods on)."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, drift=step):06d}"


def log_out(page) -> None:
    page.locator("details summary").last.click()
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")


def log_in_with_password(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", "Bea@Example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/accounts/login/code/")
    assert page.locator("h1").inner_text() == "Bestätigungscode eingeben"


def test_set_up_two_factor_login_and_log_in_with_a_code_and_a_recovery_code(live_server, page):
    user = make_user("bea@example.com", "Bea Browser")
    user.language = "de"
    user.save()
    make_workspace("acme", user, "Acme GmbH")
    base = live_server.url
    # A German browser: the login steps before anyone is logged in follow the language cookie.
    page.context.add_cookies([{"name": "kennzahl_language", "value": "de", "url": base}])
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "bea@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/w/acme/")

    # Set up on the profile page: the QR code is drawn, the key is printed.
    page.goto(f"{base}/accounts/profile/")
    page.click("text=Zwei-Faktor-Anmeldung einrichten")
    page.wait_for_url(f"{base}/accounts/two-factor/")
    qr = page.locator(".qr svg").bounding_box()
    assert qr is not None and qr["width"] > 100 and qr["height"] > 100
    secret = page.locator("[data-totp-secret]").inner_text()
    page.fill("input[name=code]", "000000")
    page.click("main button[type=submit]")
    assert "Dieser Code stimmt nicht" in page.locator(".field-errors").inner_text()
    assert errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    errors.clear()  # the form with an error answers 400, which Chromium logs
    page.fill("input[name=code]", app_code(secret))
    page.click("main button[type=submit]")

    # The recovery codes, shown once (all_inner_texts does not wait for the answer to load).
    page.locator("[data-recovery-codes] code").first.wait_for()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    assert "Die Zwei-Faktor-Anmeldung ist eingeschaltet." in page.content()
    page.click("text=Ich habe meine Wiederherstellungscodes gesichert")
    page.wait_for_url(f"{base}/accounts/profile/")
    assert "Noch 10 Wiederherstellungscodes übrig." in page.locator("#two-factor").inner_text()

    # Password, then the app's code (the next period: the setup used this one).
    log_out(page)
    log_in_with_password(page, base)
    page.fill("input[name=code]", app_code(secret, step=1))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/w/acme/")

    # Password, then a recovery code instead of the phone.
    log_out(page)
    log_in_with_password(page, base)
    page.fill("input[name=code]", codes[0])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/w/acme/")
    assert "Verbleibende Wiederherstellungscodes: 9" in page.locator(".messages").inner_text()
    assert errors == []
