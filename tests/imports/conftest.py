from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def dataset(*parts: str) -> bytes:
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"missing shared data set {path}")
    return path.read_bytes()
