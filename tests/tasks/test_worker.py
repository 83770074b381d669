"""The Celery wiring: eager by default, and a real worker on Redis when REDIS_URL is set."""

import os

from django.conf import settings
from django.db import connections

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from kpiapp.celery import app
from kpiapp.tasks import health_check


@pytest.mark.django_db
def test_the_health_task_runs_eagerly_in_the_embedded_default():
    result = health_check.delay()
    assert result.get(timeout=5)["status"] == "ok"


@pytest.fixture
def worker_on_redis():
    if not settings.REDIS_URL:
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail("KZ_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("needs REDIS_URL (a real Redis broker)")
    app.conf.task_always_eager = False

    def close_worker_connections(**kwargs):
        # The worker thread opens its own database connection; close it so the test
        # database can be dropped at the end of the run.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
        ):
            yield
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.task_always_eager = True


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_the_health_task(worker_on_redis):
    result = health_check.apply_async()
    payload = result.get(timeout=30)
    assert payload["status"] == "ok"
    assert result.successful()
    assert app.conf.broker_url.startswith("redis://")
