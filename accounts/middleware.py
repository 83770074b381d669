import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

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
