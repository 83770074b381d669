from pathlib import Path

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.imports.mapping import parse_options
from kpiapp.services.imports import data_import

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture
def run_import(workspace):
    """Import bytes (or text) into the cast's workspace; returns the ImportResult."""

    def run(kind, content, *, preset=None, maps=(), values=(), dry_run=False):
        data = content.encode() if isinstance(content, str) else content
        return data_import(
            workspace=workspace,
            kind=kind,
            data=data,
            preset=preset,
            mapping=parse_options(list(maps), list(values)),
            dry_run=dry_run,
        )

    return run


@pytest.fixture
def scoped(workspace):
    with workspace_scope(workspace.id):
        yield workspace


def dataset(*parts: str) -> bytes:
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"missing shared data set {path}")
    return path.read_bytes()
