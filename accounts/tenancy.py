"""Tenant scoping as structure: a query on workspace-owned data without a scope raises.

Every model owned by a workspace inherits `WorkspaceOwned`. Its `objects` manager reads the
workspace from a ContextVar and filters by it; with no scope set it raises
`WorkspaceScopeMissing` instead of returning every workspace's rows. Scopes are entered in one
place per surface: `@workspace_view` for pages, the API base view, and `workspace_scope()` in
tasks and commands.

`Model.all_workspaces` is the one unscoped manager (and the default manager, so the admin,
related managers and migrations work). Its name is deliberately conspicuous: grep for it in
review; `tests/tenancy/test_model_coverage.py` keeps a list of the modules allowed to use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import models

from accounts import constraint_errors

_current_workspace_id: ContextVar[int | None] = ContextVar("current_workspace_id", default=None)

M = TypeVar("M", bound=models.Model)


class WorkspaceScopeMissing(RuntimeError):
    """Workspace-owned data was queried outside `workspace_scope()`."""


class WorkspaceMismatch(ValueError):
    """A row was written for another workspace than the one in scope."""


@contextmanager
def workspace_scope(workspace_id: int) -> Iterator[int]:
    """Run the block with `workspace_id` as the current tenant; always restored on exit."""
    if not isinstance(workspace_id, int) or isinstance(workspace_id, bool):
        raise TypeError(f"workspace_scope() takes a workspace id, got {workspace_id!r}")
    token = _current_workspace_id.set(workspace_id)
    try:
        yield workspace_id
    finally:
        _current_workspace_id.reset(token)


def check_scope(workspace_id: int, *, required: bool) -> None:
    """Refuse raw work for `workspace_id` inside another workspace's scope, and outside any
    scope when `required` (writes): for the code that takes an id instead of a manager."""
    scope = _current_workspace_id.get()
    if scope is None:
        if required:
            current_workspace_id()  # raises WorkspaceScopeMissing
        return
    if scope != workspace_id:
        raise WorkspaceMismatch(f"work for workspace {workspace_id} inside the scope of {scope}")


def leaked_scope_clear() -> int | None:
    """Clear a scope that outlived its block and return its workspace id (None if none was
    set). Only the request guard calls it: a scope set here is a bug, not a state to keep."""
    leaked = _current_workspace_id.get()
    if leaked is not None:
        _current_workspace_id.set(None)
    return leaked


def current_workspace_id() -> int:
    workspace_id = _current_workspace_id.get()
    if workspace_id is None:
        raise WorkspaceScopeMissing(
            "Workspace-owned data was queried without a workspace scope. Enter one with "
            "workspace_scope(workspace_id), or use Model.all_workspaces deliberately."
        )
    return workspace_id


def _claim_for_scope(obj: models.Model, workspace_id: int) -> None:
    own = getattr(obj, "workspace_id", None)
    if own is None:
        setattr(obj, "workspace_id", workspace_id)  # noqa: B010 - any WorkspaceOwned model
    elif own != workspace_id:
        raise WorkspaceMismatch(f"{obj!r} belongs to workspace {own}, the scope is {workspace_id}")


class WorkspaceScopedQuerySet(models.QuerySet[M]):
    def create(self, **kwargs: Any) -> M:
        obj = self.model(**kwargs)
        _claim_for_scope(obj, current_workspace_id())
        obj.save(force_insert=True, using=self.db)
        return obj

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        workspace_id = current_workspace_id()
        objs = list(objs)
        for obj in objs:
            _claim_for_scope(obj, workspace_id)
        return super().bulk_create(objs, *args, **kwargs)


class WorkspaceScopedManager(models.Manager[M]):
    """Fail-closed: every queryset is filtered to the workspace in scope, or raises."""

    def get_queryset(self) -> WorkspaceScopedQuerySet[M]:
        return WorkspaceScopedQuerySet(self.model, using=self._db).filter(
            workspace_id=current_workspace_id()
        )

    def none(self) -> WorkspaceScopedQuerySet[M]:
        """Empty without a scope too: it holds no rows to leak (schema tools ask for one)."""
        return WorkspaceScopedQuerySet(self.model, using=self._db).none()


class WorkspaceOwned(models.Model):
    """Base for every model whose rows belong to exactly one workspace."""

    # No index of its own: every subclass declares a unique constraint or index that starts
    # with the workspace (checked in tests/tenancy/test_model_coverage.py), which serves too.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, db_index=False)

    # Declared first, so Django takes it as the default manager (admin, related managers,
    # migrations, deletion cascades). Domain code uses `objects`.
    all_workspaces = models.Manager()
    objects = WorkspaceScopedManager()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        # A broken constraint is said on the field it is about (accounts/constraint_errors.py).
        constraint_errors.validate_constraints(self, set(exclude) if exclude else None)
