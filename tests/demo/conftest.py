"""The demo company, generated once for the tests of this package, which only read it: the
generator's checks, the demo's plan and its targets (`seed_demo` takes seconds of CPU).

Its tests carry `xdist_group("demo")`, so that one test process builds it, and the
`slow` mark (README: a whole company built). Tests that change a demo company build their own
(tests/accounts/test_commands.py, the browser tours).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.test import override_settings
from django.utils import timezone

import pytest
from freezegun import freeze_time

from accounts.deletion import workspace_data_delete
from accounts.models import User, Workspace
from kpiapp.demo.seed import DEMO_OWNER, DEMO_TEAM, DemoResult, demo_seed
from tests.conftest import TEST_SETTINGS, eager_celery

DEMO_SEED = 42
DEMO_AS_OF = date(2026, 10, 31)  # seeded on that day: its snapshots end there


@pytest.fixture(scope="package")
def demo_company(django_db_setup: None, django_db_blocker) -> Iterator[DemoResult]:
    with (
        django_db_blocker.unblock(),
        override_settings(**TEST_SETTINGS),
        eager_celery(),
        freeze_time(f"{DEMO_AS_OF} 12:00"),
    ):
        result = demo_seed(slug="demo", seed=DEMO_SEED, as_of=DEMO_AS_OF, reset=False)
    yield result
    with django_db_blocker.unblock():
        Workspace.objects.filter(pk=result.workspace.pk).update(deleting_since=timezone.now())
        workspace_data_delete(result.workspace.pk)
        User.objects.filter(email__in=[DEMO_OWNER, *(email for email, _, _ in DEMO_TEAM)]).delete()
