"""`@workspace_view`: the single entry point of every page under /w/<slug>/."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import two_factor
from accounts.access import access_workspace
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from accounts.tenancy import workspace_scope

View = Callable[..., HttpResponse]
R = TypeVar("R", bound=HttpResponseBase)  # a page, or e.g. a streamed download


def workspace_view(
    *, min_role: str = Role.VIEWER, post_role: str | None = None
) -> Callable[[Callable[..., R]], Callable[..., R | HttpResponse]]:
    """Resolve `slug` to the caller's membership (404 for outsiders, 403 below `min_role`, or
    below `post_role` for a POST when given),
    set `request.workspace` / `request.membership`, and run the view inside the workspace scope.

    Views must render inside the call (`render()`, not a lazy TemplateResponse), so that
    templates read data while the scope is still set.
    """

    def decorate(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> R | HttpResponse:
            request = cast(WorkspaceRequest, request)  # login_required let only a user through
            needed = post_role if post_role and request.method == "POST" else min_role
            membership = access_workspace(request.user, slug, min_role=needed)
            workspace = membership.workspace
            if two_factor.requirement_unmet(request.user, workspace):
                return _two_factor_first(request, workspace.name)
            request.membership = membership
            request.workspace = workspace
            # The user's own choice wins; without one the workspace's default applies.
            language = membership.user.language or workspace.language
            request.LANGUAGE_CODE = language
            # Times on its pages read in the workspace's time zone, not the server's (UTC).
            with (
                workspace_scope(workspace.id),
                translation.override(language),
                timezone.override(workspace.time_zone),
            ):
                return view(request, *args, **kwargs)

        wrapper.__dict__["workspace_roles"] = (min_role, post_role or min_role)
        return wrapper

    return decorate


def workspace_roles(view: View) -> tuple[str, str]:
    """The roles a `@workspace_view` asks for (to read, to POST); the page cache checks them
    before it answers from the cache (kpiapp/pagecache/decorator.py)."""
    roles: tuple[str, str] = view.__dict__["workspace_roles"]
    return roles


def _two_factor_first(request: HttpRequest, workspace_name: str) -> HttpResponse:
    """The workspace asks every member for two-factor login: explain, then set it up and come
    back. (A session that has it on but is unconfirmed never gets here: TwoFactorMiddleware.)"""
    messages.warning(
        request,
        _(
            "The workspace “%(name)s” requires two-factor login. Set it up now; afterwards "
            "you will be taken back."
        )
        % {"name": workspace_name},
    )
    setup = reverse("accounts:two_factor_setup")
    return HttpResponseRedirect(f"{setup}?next={quote(request.get_full_path())}")
