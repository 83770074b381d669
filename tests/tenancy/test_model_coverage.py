"""Structural checks that keep tenant scoping true as the code grows (STYLE.md section 3.7)."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

from accounts.models import Workspace
from accounts.tenancy import WorkspaceOwned

ROOT = Path(__file__).resolve().parents[2]

# Modules allowed to name the unscoped manager: the access layer finds a scope by user, token
# or invitation link; a share link finds it by its token.
ALL_WORKSPACES_ALLOWED = {
    "accounts/tenancy.py",
    "accounts/access.py",
    "kpiapp/views/share_access.py",
    "kpiapp/services/import_sweeper.py",  # lists stale jobs, fails each in its scope
    "kpiapp/services/recompute_sweeper.py",  # lists lapsed claims, releases each in scope
    "kpiapp/ops/metrics.py",  # per-workspace recompute figures, by id, for /metrics
}

# Modules allowed to run SQL of their own, each bound to a workspace by its own guard (the KPI
# engine's runner, the importer's bulk writes, the demo's COPY writer) or reading no workspace
# data (the health check, the membership check, whose query is by user).
RAW_SQL_ALLOWED = {
    "kpiapp/kpis/sql.py",
    "kpiapp/imports/bulk.py",
    "kpiapp/demo/writer.py",
    "kpiapp/tasks.py",
    "kpiapp/ops/health.py",  # SELECT 1 for /readyz
    "accounts/access.py",
}


def _points_at_workspace(field: models.Field) -> bool:
    return isinstance(field, models.ForeignKey) and field.related_model is Workspace


def test_every_model_with_a_workspace_is_workspace_owned():
    offenders = []
    for model in apps.get_models():
        label = model._meta.label
        if not model.__module__.startswith(("kpiapp", "accounts")):
            continue
        if any(_points_at_workspace(f) for f in model._meta.get_fields()) and not issubclass(
            model, WorkspaceOwned
        ):
            offenders.append(label)
    assert offenders == []


def test_workspace_owned_models_default_to_the_plain_manager_and_scope_objects():
    owned = [m for m in apps.get_models() if issubclass(m, WorkspaceOwned)]
    assert owned, "there is at least one workspace-owned model"
    for model in owned:
        assert model._default_manager.name == "all_workspaces", model
        assert type(model.objects).__name__ == "WorkspaceScopedManager", model


def test_the_unscoped_manager_is_named_only_where_allowed():
    pattern = re.compile(r"\ball_workspaces\b")
    offenders = []
    for package in ("kpiapp", "accounts"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALL_WORKSPACES_ALLOWED:
                continue
            if pattern.search(path.read_text()):
                offenders.append(relative)
    assert offenders == []


def test_every_workspace_owned_model_has_an_index_that_starts_with_the_workspace():
    # The workspace foreign key has no index of its own (accounts/tenancy.py).
    for model in apps.get_models():
        if not issubclass(model, WorkspaceOwned):
            continue
        leading = [
            (c.fields or c.expressions)[0]
            for c in [*model._meta.constraints, *model._meta.indexes]
            if getattr(c, "fields", None) or getattr(c, "expressions", None)
        ]
        names = {getattr(first, "name", first) for first in leading}
        assert "workspace" in names or model._meta.get_field("workspace").db_index, model


def _source_files():
    for package in ("kpiapp", "accounts"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, path.read_text()


def test_raw_sql_runs_only_in_modules_that_guard_it():
    pattern = re.compile(r"\.cursor\(|\.raw\(|\bRawSQL\b|\.extra\(")
    offenders = [
        relative
        for relative, text in _source_files()
        if relative not in RAW_SQL_ALLOWED and pattern.search(text)
    ]
    assert offenders == []


def test_every_model_is_in_the_admin():
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m.__module__.startswith(("kpiapp", "accounts"))]
    missing = [
        m._meta.label
        for m in ours
        if m not in admin.site._registry and m._meta.label != "kpiapp.DealStageChange"
    ]  # shown inline on its deal
    assert missing == []
