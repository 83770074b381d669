"""`@cached_page`: serve a workspace page's HTML from the cache until something it shows
changes (the workspace's or the user's page version, the language, the day, the address and
the query parameters the page reads).

It wraps a `@workspace_view` view from outside. A GET first checks the caller's membership
with one plain query (`membership_facts`); a member with the view's role gets the cached page,
made for them (their header, their role's buttons) under the two versions fetched with it in
one cache round trip. Anything else goes to the view, which checks access itself and answers
404, 403 or the page. The CSRF token is stored as a placeholder and filled with a fresh token
for each request. A view declares the query parameters it reads (`@cached_page(reads=…)`):
they alone make the key, and on a miss the view sees only them, so `?junk=N` neither makes a
new entry nor can change what a stored page shows. Pages with flash messages are neither
served from nor put into the cache, and a view opts a response out with
`response.page_cache = False` (e.g. when it shows counts that no version tracks)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils import translation

from accounts import two_factor
from accounts.access import MembershipFacts, membership_facts
from accounts.decorators import workspace_roles
from accounts.roles import role_at_least
from kpiapp.kpis.periods import today_in
from kpiapp.pagecache.versions import VersionedRequest, page_versions

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict  # the stubs' read-only QueryDict

PAGE_CACHE_SECONDS = 3600
CSRF_PLACEHOLDER = "kz-csrf-token-placeholder-3f9a"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')

View = Callable[..., HttpResponse]


class CacheableResponse(HttpResponse):
    """A page's response with `page_cache = False` when it must not be cached (it shows
    something no version tracks); without the attribute it may be."""

    page_cache: bool


def _read_params(request: HttpRequest, reads: tuple[str, ...]) -> QueryDict:
    """The declared parameters of the address, first value each, in a fixed order."""
    params = QueryDict(mutable=True)
    for name in reads:
        value = request.GET.get(name)
        if value is not None:
            params[name] = value
    params._mutable = False
    return params


def _key(
    request: HttpRequest, view_name: str, facts: MembershipFacts, language: str, query: str
) -> str:
    address = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
    return ":".join(
        [
            "kz:page",
            view_name,
            str(facts.workspace_id),
            str(request.user.pk),
            facts.role,
            language,
            today_in(facts.time_zone).isoformat(),
            address,
        ]
    )


def cached_page(*, reads: tuple[str, ...] = ()) -> Callable[[View], View]:
    """Apply above `@workspace_view(...)` (it reads the role that view requires), naming the
    query parameters the page reads."""

    def decorate(view: View) -> View:
        return _cached(view, reads)

    return decorate


def _cached(view: View, reads: tuple[str, ...]) -> View:
    min_role = workspace_roles(view)[0]
    name = f"{view.__module__}.{view.__name__}"

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if request.method != "GET" or not user.is_authenticated or len(get_messages(request)):
            return view(request, slug, *args, **kwargs)
        facts = membership_facts(user.pk, slug)
        if facts is None or not role_at_least(facts.role, min_role):
            return view(request, slug, *args, **kwargs)  # it answers 404 or 403
        if facts.require_two_factor and not two_factor.enabled(user):
            return view(request, slug, *args, **kwargs)  # it sends them to set it up
        language = user.language or facts.language
        params = _read_params(request, reads)
        key = _key(request, name, facts, language, params.urlencode())
        workspace_version, user_version, entries = page_versions(
            facts.workspace_id, user.pk, also=[key]
        )
        versions = (workspace_version, user_version)
        entry = entries.get(key)
        if entry is not None and entry[0] == versions:
            with translation.override(language):
                return HttpResponse(entry[1].replace(CSRF_PLACEHOLDER, get_token(request)))
        request.GET = cast("_ImmutableQueryDict", params)  # what its key holds, nothing more
        cast(VersionedRequest, request).page_version = workspace_version  # what it claims
        response = view(request, slug, *args, **kwargs)
        if response.status_code == 200 and getattr(response, "page_cache", True):
            content = response.content.decode()
            token = CSRF_INPUT.search(content)
            if token:
                content = content.replace(token.group(1), CSRF_PLACEHOLDER)
            cache.set(key, (versions, content), PAGE_CACHE_SECONDS)
        return response

    return wrapper
