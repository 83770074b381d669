"""Importing a CSV file into a workspace: the one entry point for command, pages and API."""

from __future__ import annotations

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.imports.engine import ImportResult, Progress, RowError, import_csv
from kpiapp.imports.kinds import KINDS
from kpiapp.imports.mapping import Mapping
from kpiapp.imports.presets import PRESETS, preset_for


class ImportRequestError(ValueError):
    """The import was asked for wrongly (unknown kind or preset); nothing was read."""


def mapping_for(*, kind: str, preset: str | None, explicit: Mapping) -> Mapping:
    if kind not in KINDS:
        raise ImportRequestError(f"Unknown kind '{kind}'. Kinds: {', '.join(KINDS)}.")
    if not preset:
        return explicit
    try:
        return preset_for(preset, kind).merged(explicit)
    except KeyError:
        raise ImportRequestError(
            f"Unknown preset '{preset}'. Presets: {', '.join(PRESETS)}."
        ) from None
    except LookupError:
        raise ImportRequestError(
            f"The preset '{preset}' has no mapping for {kind}; it knows "
            f"{', '.join(PRESETS[preset])}."
        ) from None


def data_import(
    *,
    workspace: Workspace,
    kind: str,
    data: bytes,
    preset: str | None = None,
    mapping: Mapping | None = None,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import a file: all rows or none (see `kpiapp.imports.engine`)."""
    full = mapping_for(kind=kind, preset=preset, explicit=mapping or Mapping())
    with workspace_scope(workspace.id):
        return import_csv(
            workspace=workspace,
            kind=kind,
            data=data,
            mapping=full,
            user=user,
            dry_run=dry_run,
            progress=progress,
        )


__all__ = ["ImportRequestError", "ImportResult", "RowError", "data_import", "mapping_for"]
