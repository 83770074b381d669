from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


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


class AuditContextMiddleware:
    """Hands the client address to `accounts.audit.audit_record` for the request's duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.audit import audit_client_ip

        with audit_client_ip(request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
