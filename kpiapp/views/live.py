"""Pages that update themselves: a small JSON answer that such a page polls, and the
decorator that stamps a page with the version its numbers were read under.

Why a poll and not server-sent events: the app runs under gunicorn's sync workers (README)
and `runserver` in development; an open event stream holds one worker per open tab, so three
tabs would stall the whole site. This answer costs a cache read and one indexed row; asked
once a second by a visible tab, it is cheaper than any page. A changed version makes the page
fetch itself again, which the page cache (`@cached_page`) answers under the new version."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.pagecache.versions import VersionedRequest, page_version
from kpiapp.selectors.live import live_state

View = Callable[..., HttpResponse]


@workspace_view(min_role=Role.VIEWER)  # first: an outsider learns nothing, whatever the method
@require_GET
def live(request: WorkspaceRequest) -> HttpResponse:
    state = live_state(request.workspace.id)
    response = JsonResponse(state.as_json())
    response["Cache-Control"] = "no-store"
    return response


def versioned_page(view: View) -> View:
    """Innermost on a workspace page that shows KPI values: notes the workspace's page
    version before the view reads anything (`@cached_page` notes the one its entry is kept
    under), so the page never claims a newer version than its numbers."""

    @wraps(view)
    def wrapper(request: WorkspaceRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "page_version", None) is None:
            versioned = cast(VersionedRequest, request)
            versioned.page_version = page_version(request.workspace.id)
        return view(request, *args, **kwargs)

    return wrapper
