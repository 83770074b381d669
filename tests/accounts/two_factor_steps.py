"""Two-factor steps the account and page tests share: the authenticator app's current code,
and setting two-factor login up through the pages."""

from __future__ import annotations

import re

from django.test import Client

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

CODE_RE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>")


def app_code(user, step: int = 0) -> str:
    """What the authenticator app shows now (`step` periods later)."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=step):06d}"


def turn_on(client: Client, user) -> list[str]:
    """Set up two-factor login through the pages; returns the recovery codes shown."""
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    response = client.post("/accounts/two-factor/", {"code": app_code(user)})
    assert response.status_code == 200
    return CODE_RE.findall(response.content.decode())
