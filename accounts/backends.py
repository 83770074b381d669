"""An authentication backend that refuses a login while a wider ceiling is reached."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import lockout


class LoginLimitBackend:
    """Between axes' backend (the account-and-address pair) and ModelBackend: refuses a login
    while this address or this account is over its ceiling (`accounts.lockout`). Authenticates
    nobody itself.

    Refusing raises PermissionDenied: Django then stops trying backends and sends
    `user_login_failed`, and AxesMiddleware answers with the lockout page (429) because
    `axes_locked_out` is set, as for axes' own lock."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, **kwargs: Any
    ) -> None:
        if request is None or username is None:
            return None
        if lockout.login_locked(request, username):
            setattr(request, "axes_locked_out", True)  # noqa: B010 - axes' own flag
            raise PermissionDenied("login paused")
        # A failure from here on (a wrong password) counts; one refused by a lock does not.
        setattr(request, "login_attempt_counted", True)  # noqa: B010 - read by signals.py
        return None

    def get_user(self, user_id: int) -> None:
        return None
