"""`WorkspaceViewSet`: the single entry of every API view under /api/v1/workspaces/<slug>/.

Like `@workspace_view` for pages: it resolves the slug to the caller's membership (404 for
outsiders and for a token of another workspace, 403 for a member below the role), sets
`self.workspace` / `self.membership` (and the same on the request), and runs
the handler inside the workspace scope.
Subclasses cannot bypass it: they implement `scoped_queryset()`, and defining `get_queryset`,
`get_object`, `get_permissions`, `initial`, `dispatch` or `finalize_response` is refused when
the class is made.

The scope is entered in `initial()` (once the membership is known) but left by the
`ExitStack` that `dispatch()` holds around the whole request, so an exception DRF does not
handle (which skips `finalize_response`) cannot leave this thread inside the workspace."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar, TypeVar, cast

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase

from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from accounts.access import access_workspace
from accounts.models import ApiToken, Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope

GUARDED = (
    "get_queryset",
    "get_object",
    "get_permissions",
    "initial",
    "dispatch",
    "finalize_response",
)

_M = TypeVar("_M", bound=Model)


class WorkspaceApiRequest(Request):
    """The request a `WorkspaceViewSet` handler gets, with the workspace and membership set."""

    membership: Membership
    workspace: Workspace


class WorkspaceViewSet(viewsets.GenericViewSet):
    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.EDITOR
    membership: Membership  # set in initial(), before any handler runs
    workspace: Workspace
    caller: User

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [name for name in GUARDED if name in cls.__dict__]
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: implement scoped_queryset()"
                " and leave access to WorkspaceViewSet"
            )

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no request
            with workspace_scope(0):
                return self.scoped_queryset().none()
        return self.scoped_queryset()

    def own_rows(self, rows: QuerySet[_M]) -> QuerySet[_M]:
        """The caller's own rows (by their `user`); none for the schema generator's request,
        which has nobody."""
        user = self.request.user
        return rows.filter(user=user) if isinstance(user, User) else rows.none()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # credentials, IsAuthenticated, throttles
        slug = kwargs["slug"]
        if isinstance(request.auth, ApiToken) and request.auth.workspace.slug != slug:
            raise Http404("No such workspace.")  # a token grants its own workspace only
        user = request.user
        if not isinstance(user, User):  # IsAuthenticated has refused anonymous callers already
            raise Http404("No such workspace.")
        needed = self.read_role if request.method in SAFE_METHODS else self.write_role
        membership = access_workspace(user, slug, min_role=needed)
        self.caller = user
        self.membership = membership
        self.workspace = membership.workspace
        # Serializers read them from the request in their context (e.g. the audit description).
        scoped = cast(WorkspaceApiRequest, request)
        scoped.membership = membership
        scoped.workspace = membership.workspace
        self._scopes.enter_context(workspace_scope(membership.workspace_id))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with ExitStack() as self._scopes:  # left on every way out, exceptions included
            return super().dispatch(request, *args, **kwargs)
