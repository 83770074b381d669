from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from accounts import two_factor


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
