"""`@cached_page`: serve a workspace page's HTML from the cache until something it shows
changes (the workspace's or the user's page version, the language, the day, the address).

A cached page is the user's own (their header, their role's buttons), stored with the two
versions it was made under; one cache round trip fetches it with the current versions. Its
CSRF token is stored as a placeholder and filled with a fresh token for each request. Pages
with flash messages are neither served from nor put into the cache, and a view opts a response
out with `response.page_cache = False` (e.g. when it shows counts that no version tracks)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from kpiapp.kpis.periods import today_in
from kpiapp.selectors.page_cache import page_versions

PAGE_CACHE_SECONDS = 3600
CSRF_PLACEHOLDER = "kz-csrf-token-placeholder-3f9a"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')

View = Callable[..., HttpResponse]


def _key(request: HttpRequest, view_name: str) -> str:
    workspace = request.workspace  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return ":".join(
        [
            "kz:page", view_name, str(workspace.id), str(membership.user_id), membership.role,
            translation.get_language() or "", today_in(workspace.time_zone).isoformat(), address,
        ]
    )  # fmt: skip


def cached_page(view: View) -> View:
    """Wrap a view inside `@workspace_view` (it needs the workspace and membership)."""
    name = f"{view.__module__}.{view.__name__}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or len(get_messages(request)):
            return view(request, *args, **kwargs)
        key = _key(request, name)
        membership = request.membership  # type: ignore[attr-defined]
        versions = page_versions(membership.workspace_id, membership.user_id, also=[key])
        entry = versions[2].get(key)
        if entry is not None and entry[0] == versions[:2]:
            return HttpResponse(entry[1].replace(CSRF_PLACEHOLDER, get_token(request)))
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and getattr(response, "page_cache", True):
            content = response.content.decode()
            token = CSRF_INPUT.search(content)
            if token:
                content = content.replace(token.group(1), CSRF_PLACEHOLDER)
            cache.set(key, (versions[:2], content), PAGE_CACHE_SECONDS)
        return response

    return wrapper
