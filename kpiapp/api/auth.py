"""API credentials: a workspace API token (`Authorization: Token <key>`) or the browser session
(with CSRF), and a request budget per token or user."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts import two_factor
from accounts.access import live_api_token
from accounts.models import ApiToken
from accounts.tenancy import workspace_scope

LAST_USED_EVERY = timedelta(minutes=1)  # write the last-used time at most this often


class ApiTokenAuthentication(BaseAuthentication):
    """A token is stored as its SHA-256 only; it belongs to one member of one workspace and
    stops working when revoked or when its owner leaves the workspace."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Token <key>”."))
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        # One query: the token, its owner, and that the owner is still a member.
        token = live_api_token(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        if not token.is_member:
            raise exceptions.AuthenticationFailed(_("This token's owner left the workspace."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            with workspace_scope(token.workspace_id):
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword  # 401 (not 403) without credentials


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, once it is fully logged in: a person with two-factor login on
    whose session no code confirmed gets 403 (the pages send such a session to the code step)."""

    def authenticate(self, request: Request) -> tuple | None:
        result = super().authenticate(request)
        if result is not None and two_factor.needs_code(request._request.user):
            raise exceptions.PermissionDenied(
                _("Confirm your login with a code from your authenticator app first.")
            )
        return result


class WorkspaceTwoFactorRequirement(BasePermission):
    """A workspace that asks every member for two-factor login refuses the session of a member
    without it (403 with the reason). API tokens are not affected: an owner or admin made each
    one for a purpose, and it grants only its workspace."""

    message = _(
        "This workspace requires two-factor login. Turn it on on your profile page "
        "(/accounts/profile/), or use an API token."
    )

    def has_permission(self, request: Request, view: object) -> bool:
        slug = getattr(view, "kwargs", {}).get("slug")
        if not slug or isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return True
        return not two_factor.required_by_membership(request.user, slug)


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per API token, or per user for the browser session."""

    scope = "api"

    def timer(self) -> float:  # a method, not DRF's `timer = time.time` (freezegun binds that)
        return time.time()

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a workspace API token (Settings → API tokens).",
        }


class VerifiedSessionScheme(SessionScheme):
    """The session in the OpenAPI schema (as `cookieAuth`, like Django REST framework's)."""

    target_class = "kpiapp.api.auth.VerifiedSessionAuthentication"  # a dotted path, like its base
