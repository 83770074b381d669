"""The Celery wiring: eager by default, and a real worker on Redis when REDIS_URL is set."""

import pytest

from kpiapp.celery import app
from kpiapp.tasks import health_check

# Uses the shared Redis: with xdist, on one worker only (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("redis")


@pytest.mark.django_db
def test_the_health_task_runs_eagerly_in_the_embedded_default():
    result = health_check.delay()
    assert result.get(timeout=5)["status"] == "ok"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_the_health_task(worker_on_redis):
    result = health_check.apply_async()
    payload = result.get(timeout=30)
    assert payload["status"] == "ok"
    assert result.successful()
    assert app.conf.broker_url.startswith("redis://")
