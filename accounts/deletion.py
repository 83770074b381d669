"""Deleting a workspace with set-based deletes: one DELETE per table, children first.

Django's `Model.delete()` collects every related row in memory before deleting (hours for half
a million leads). Here every table with a foreign key to the workspace is emptied for that
workspace with one `DELETE … WHERE workspace_id = %s`, in an order where no row is deleted
before the rows that point at it; the tables are found from the models, so a new one cannot be
forgotten (tests/accounts/test_workspace_deletion.py checks that too).
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from django.apps import apps
from django.db import models, router, transaction
from django.utils import timezone

from accounts.models import DeletedWorkspaceRecord, User, Workspace


def _points_at(field: object, target: type[models.Model]) -> bool:
    return bool(
        isinstance(field, models.Field)
        and field.concrete
        and field.is_relation
        and field.many_to_one
        and (field.related_model is target)
    )


def workspace_tables() -> list[type[models.Model]]:
    """Every model with a foreign key to `Workspace`, ordered so that a model comes before
    each model it points at (children first)."""
    owned = [
        model
        for model in apps.get_models()
        if any(_points_at(f, Workspace) for f in model._meta.get_fields())
    ]
    children: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in owned}
    for model in owned:
        for field in model._meta.get_fields():
            target = field.related_model if field.concrete and field.many_to_one else None
            if isinstance(target, type) and target in children and target is not model:
                children[target].add(model)  # `model` must go before `target`
    return list(TopologicalSorter(children).static_order())


def workspace_deletion_start(*, workspace: Workspace, actor: User) -> DeletedWorkspaceRecord | None:
    """Mark the workspace as being deleted (from now on nobody can open it) and keep a record
    of it; None when it was already being deleted. The caller enqueues the job on commit."""
    marked = Workspace.objects.filter(pk=workspace.pk, deleting_since__isnull=True).update(
        deleting_since=timezone.now()
    )
    if marked != 1:
        return None
    return DeletedWorkspaceRecord.objects.create(
        workspace_id=workspace.pk,
        name=workspace.name,
        slug=workspace.slug,
        deleted_by=actor,
        deleted_by_label=actor.email,
    )


def workspace_data_delete(workspace_id: int) -> dict[str, int]:
    """Delete every row of the workspace and the workspace itself, in one transaction with one
    query per table. Idempotent: a second run finds nothing and deletes nothing."""
    if Workspace.objects.filter(pk=workspace_id, deleting_since__isnull=True).exists():
        raise ValueError("Only a workspace marked as being deleted is deleted.")
    using = router.db_for_write(Workspace)
    counts: dict[str, int] = {}
    with transaction.atomic(using=using):
        for model in workspace_tables():
            # The plain base manager on purpose: this is the one place that deletes across the
            # fail-closed scope, by the workspace id given.
            rows = model._base_manager.filter(workspace_id=workspace_id)._raw_delete(using)
            if rows:
                counts[model._meta.db_table] = rows
        counts[Workspace._meta.db_table] = Workspace._base_manager.filter(
            pk=workspace_id
        )._raw_delete(using)
        DeletedWorkspaceRecord.objects.filter(workspace_id=workspace_id, finished_at=None).update(
            finished_at=timezone.now(), rows_deleted=counts
        )
    return counts
