"""Typed requests: what the login and workspace decorators guarantee a view, so that
`request.workspace`, `request.membership` and a logged-in `request.user` type-check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts.models import Membership, User, Workspace


class AuthenticatedRequest(HttpRequest):
    """A request behind `@login_required`: the user is a real, logged-in account."""

    user: User  # narrower than HttpRequest's `User | AnonymousUser`


class WorkspaceRequest(AuthenticatedRequest):
    """A request inside `@workspace_view` (or the API's `WorkspaceViewSet`): the workspace of
    the URL and the caller's membership in it are set."""

    workspace: Workspace
    membership: Membership
