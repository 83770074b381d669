"""Steps the browser tests share."""

from tests.conftest import PASSWORD


def log_in(page, base_url: str, email: str, password: str = PASSWORD, lands_on: str = "") -> list:
    """Log in through the form; returns the list that collects console errors from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    if lands_on:
        page.wait_for_url(f"{base_url}{lands_on}")
    return errors
