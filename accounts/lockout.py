"""Login limits beyond django-axes' one, and the limit on the confirmation-code step.

django-axes locks an account *from one address* (AXES_LOCKOUT_PARAMETERS: the pair) after
LOGIN_FAILURE_LIMIT wrong passwords, so nobody can lock a person out from elsewhere. Two wider
ceilings, counted here, still stop guessing spread out the other way:
- one address trying many accounts (LOGIN_ADDRESS_FAILURE_LIMIT failures, any accounts);
- many addresses trying one account (LOGIN_ACCOUNT_FAILURE_LIMIT failures, any addresses).
The ceilings are higher than the pair's limit: an office behind one address, or a person at
home and at work, stays under them.

Each counter is a cache entry that lives for the cool-off time after its latest failure (like
axes' cache handler), so a lock lasts the whole cool-off, not the rest of a fixed window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger(__name__)


def normalise_email(value: object) -> str:
    """The spelling every count uses: emails are case-insensitive here (User.email is unique
    regardless of case and looked up with `iexact`), so "ALICE@x" and "alice@x" are one account."""
    return str(value or "").strip().lower()


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: count the normalised address, whatever case was typed."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field):
        return normalise_email(credentials[field])
    return normalise_email(request.POST.get(field, "") if request is not None else "")


def client_address(request: HttpRequest) -> str:
    """The address axes resolved (its proxy settings), or the socket's."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def cooloff_seconds() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 3600)


@dataclass(frozen=True)
class Counter:
    """Failures of one kind for one key; locked at `limit` until `cooloff_seconds()` after the
    latest failure."""

    name: str

    def _key(self, ident: str) -> str:
        return f"lock:{self.name}:{ident}"

    def limit(self) -> int:
        return int(getattr(settings, LIMIT_SETTINGS[self.name]))

    def failures(self, ident: str) -> int:
        return int(cache.get(self._key(ident), 0)) if ident else 0

    def locked(self, ident: str) -> bool:
        return bool(ident) and self.failures(ident) >= self.limit()

    def fail(self, ident: str) -> bool:
        """Count one failure; True when this one started the lock."""
        if not ident:
            return False
        key, timeout = self._key(ident), cooloff_seconds()
        if cache.add(key, 1, timeout=timeout):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=timeout)
                count = 1
            cache.touch(key, timeout)
        return count == self.limit()

    def clear(self, ident: str) -> None:
        cache.delete(self._key(ident))


LIMIT_SETTINGS = {
    "login-address": "LOGIN_ADDRESS_FAILURE_LIMIT",
    "login-account": "LOGIN_ACCOUNT_FAILURE_LIMIT",
    "code-user": "TWO_FACTOR_FAILURE_LIMIT",
    "code-address": "TWO_FACTOR_ADDRESS_FAILURE_LIMIT",
}
LOGIN_ADDRESS = Counter("login-address")
LOGIN_ACCOUNT = Counter("login-account")
CODE_USER = Counter("code-user")
CODE_ADDRESS = Counter("code-address")


# --- the password step (axes counts the account-and-address pair itself) -----------------------


def login_locked(request: HttpRequest, email: str) -> bool:
    return LOGIN_ADDRESS.locked(client_address(request)) or LOGIN_ACCOUNT.locked(
        normalise_email(email)
    )


def login_failed(request: HttpRequest, email: str) -> bool:
    """Count a wrong password; True when the account's ceiling was reached just now."""
    LOGIN_ADDRESS.fail(client_address(request))
    return LOGIN_ACCOUNT.fail(normalise_email(email))


def login_succeeded(email: str) -> None:
    # Only the account's count: clearing the address's would let someone reset it by logging
    # in to an account of their own between guesses.
    LOGIN_ACCOUNT.clear(normalise_email(email))


# --- the confirmation-code step ----------------------------------------------------------------


def code_locked(request: HttpRequest, user_id: int) -> bool:
    return CODE_USER.locked(str(user_id)) or CODE_ADDRESS.locked(client_address(request))


def code_failed(request: HttpRequest, user_id: int) -> bool:
    """Count a wrong code; True when the user's lock started just now."""
    CODE_ADDRESS.fail(client_address(request))
    return CODE_USER.fail(str(user_id))


def code_succeeded(user_id: int) -> None:
    CODE_USER.clear(str(user_id))
