import logging
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from accounts import two_factor
from accounts.tenancy import leaked_scope_clear

logger = logging.getLogger(__name__)


class WorkspaceScopeLeaked(AssertionError):
    """A request began or ended inside a workspace scope that nothing had left."""


class UnscopedRequestMiddleware:
    """Every request starts and ends outside any workspace scope.

    Scopes are entered and left in one `with` block per surface, so a scope seen here is a
    bug that would let the next request on this thread read another workspace's rows. With
    `TENANCY_STRICT` (DEBUG and the tests) it raises; in production it logs and clears the
    scope, so the fail-closed managers fail closed again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._check(request, "began")
        response = self.get_response(request)
        self._check(request, "ended")
        return response

    def _check(self, request: HttpRequest, moment: str) -> None:
        leaked = leaked_scope_clear()
        if leaked is None:
            return
        message = f"request {request.path} {moment} inside the scope of workspace {leaked}"
        logger.error("workspace scope leaked: %s", message)
        if settings.TENANCY_STRICT:
            raise WorkspaceScopeLeaked(message)


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the cookie and Accept-Language that
    LocaleMiddleware looked at. (Without one, `@workspace_view` applies the workspace's.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if not language:
            return self.get_response(request)
        request.LANGUAGE_CODE = language
        # override(), not activate(): the thread's language is restored after the response.
        with translation.override(language):
            return self.get_response(request)


class TwoFactorMiddleware:
    """A session whose person has two-factor login on, but that no code confirmed (one opened
    before they turned it on, or a login through another form such as the admin's), is not
    fully logged in: every page sends it to the code step. The login, logout and static files
    stay reachable; the API answers for itself (kpiapp/api/auth.py, 403 in JSON)."""

    OPEN = ("/accounts/login/", "/accounts/logout/", "/static/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.OPEN) and two_factor.needs_code(request.user):
            code_step = reverse("accounts:login_code")
            return HttpResponseRedirect(f"{code_step}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class AuditContextMiddleware:
    """Hands the client address to `accounts.audit.audit_record` for the request's duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.audit import audit_client_ip

        with audit_client_ip(request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
