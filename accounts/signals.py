"""Receivers for login events: the wider login ceilings and the notice mail on a lock."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from axes.signals import user_locked_out

from accounts import lockout, notices


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def count_login_failure(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None or not getattr(request, "login_attempt_counted", False):
        return  # refused by a lock, or not a login through a backend (nothing to count)
    email = credentials.get("username", "")
    if lockout.login_failed(request, email):
        notices.notify_login_lock(email, lockout.client_address(request))


@receiver(user_locked_out, dispatch_uid="accounts.axes_locked_out")
def notify_axes_lock(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    if username:
        notices.notify_login_lock(username, ip_address)


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def clear_login_failures(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    lockout.login_succeeded(user.email)
