"""Golden KPI tests run inside the cast's workspace ("acme", EUR, Europe/Berlin)."""

from __future__ import annotations

import pytest

from accounts.models import Workspace


@pytest.fixture
def ws(scoped: Workspace) -> Workspace:
    """The workspace, with its scope entered: `Model.objects.create()` fills it in."""
    assert scoped.currency == "EUR"
    assert scoped.time_zone == "Europe/Berlin"
    return scoped
