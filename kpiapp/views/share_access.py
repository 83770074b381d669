"""The single entry point of `/share/<token>/` pages (STYLE.md section 3): token → link →
workspace → a read-only scope, for people without a login.

A link answers 404 when it is unknown, revoked or expired, or when its report is no longer
shared, the same for each, so a guess learns nothing. Failed guesses (unknown tokens, wrong
passwords) are counted per client address; wrong passwords lock the link for the address that
typed them, and for everyone only past a ceiling from several addresses. Past a limit the
answer is 429 with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret
from kpiapp.models import ShareLink
from kpiapp.services.share_links import share_link_password_ok
from kpiapp.views.ratelimit import blocked_for, count_failure

GUESS_LIMIT = 20  # failed tries per client address and window
# Wrong passwords lock a link for the address that typed them; only a guess from several
# addresses at once (the ceiling) locks it for every visitor, so one stranger cannot shut the
# people it was shared with out.
PASSWORD_LIMIT = 10  # per link and address, per window
PASSWORD_CEILING = 50  # per link from any addresses, per window
WINDOW = 600  # seconds
SESSION_KEY = "share_links_unlocked"
# The token is in the address and must never reach another site through the Referer header.
# "same-origin" keeps it: other sites get no Referer at all. "no-referrer" did too, but it also
# makes browsers send `Origin: null` with the page's own password form, which Django's CSRF
# check rightly refuses (403 for every password). Same-origin requests carry the real origin
# and go only to this site, which knows the token anyway. The meta tag in share_base.html says
# the same for browsers that read it.
REFERRER_POLICY = "same-origin"

ShareView = Callable[..., HttpResponseBase]  # a page, or a streamed CSV


def share_link_by_token(raw_token: str) -> ShareLink | None:
    """The live link for a raw token. The one unscoped read of share links: the token, with
    256 random bits, is the credential, and it names its workspace."""
    link = (
        ShareLink.all_workspaces.select_related("report", "workspace")
        .filter(token_hash=hash_secret(raw_token), workspace__deleting_since__isnull=True)
        .first()
    )
    if link is None or not link.is_active() or not link.report.is_shared:
        return None
    return link


def _client(request: HttpRequest) -> str:
    return "share-ip:" + request.META.get("REMOTE_ADDR", "?")


def _link_and_client(link: ShareLink, request: HttpRequest) -> str:
    return f"share-link:{link.pk}:{_client(request)}"


def _password_lock(request: HttpRequest, link: ShareLink) -> int | None:
    """Seconds until this visitor may try a password for the link again (None: now)."""
    return blocked_for(
        _link_and_client(link, request), limit=PASSWORD_LIMIT, window=WINDOW
    ) or blocked_for(f"share-link:{link.pk}", limit=PASSWORD_CEILING, window=WINDOW)


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    minutes = -(-seconds // 60)
    response = render(request, "kpiapp/share_locked.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    return link.pk in request.session.get(SESSION_KEY, [])


def _password_gate(request: HttpRequest, link: ShareLink) -> HttpResponse | None:
    """None when the link has no password or this browser gave it; else the password page."""
    if not link.has_password or _unlocked(request, link):
        return None
    error = ""
    if request.method == "POST" and "share_password" in request.POST:
        if share_link_password_ok(link, request.POST["share_password"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), link.pk]
            return None
        count_failure(_client(request), window=WINDOW)
        count_failure(_link_and_client(link, request), window=WINDOW)
        count_failure(f"share-link:{link.pk}", window=WINDOW)
        error = _("That password is not right.")
    status = 401 if error else 200
    return render(
        request, "kpiapp/share_password.html", {"link": link, "error": error}, status=status
    )


class ShareRequest(HttpRequest):
    """A request inside `@share_view`: the link and its workspace are set."""

    share_link: ShareLink
    share_token: str  # the token of the URL, for links to the link's other pages
    workspace: Workspace


def share_view(view: ShareView) -> ShareView:
    """Resolve the token, enforce the limits and the password, and run the view in the link's
    workspace scope and the report's language, with `request.share_link` set."""

    @never_cache
    @csrf_protect
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = _respond(request, token, *args, **kwargs)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _respond(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        seconds = blocked_for(_client(request), limit=GUESS_LIMIT, window=WINDOW)
        if seconds:
            return _too_many(request, seconds)
        link = share_link_by_token(token)
        if link is None:
            count_failure(_client(request), window=WINDOW)
            raise Http404("No such link")
        with workspace_scope(link.workspace_id), translation.override(link.report.language):
            request.LANGUAGE_CODE = link.report.language
            seconds = _password_lock(request, link)
            if seconds and not _unlocked(request, link):
                return _too_many(request, seconds)
            gate = _password_gate(request, link)
            if gate is not None:
                return gate
            shared = cast(ShareRequest, request)
            shared.share_link = link
            shared.share_token = token
            shared.workspace = link.workspace
            return view(shared, *args, **kwargs)

    return wrapper
