"""Queues per kind of work: routes in settings, and a worker without `-Q` takes them all."""

from __future__ import annotations

import pytest

from kpiapp.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("kpiapp.tasks.recompute_workspace", "recompute"),
        ("kpiapp.tasks.run_import", "import"),
        ("kpiapp.tasks.export_workspace", "import"),
        ("accounts.tasks.delete_workspace", "import"),
        ("kpiapp.tasks.send_report_digest", "mail"),
        ("kpiapp.tasks.recompute_all_workspaces", "celery"),
        ("kpiapp.tasks.send_due_digests", "celery"),
        ("kpiapp.tasks.recover_recomputes", "celery"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    route = app.amqp.router.route({}, task, args=(), kwargs={})
    assert route["queue"].name == queue


def test_every_task_goes_to_a_queue_that_a_default_worker_consumes():
    app.loader.import_default_modules()
    consumed = set(app.amqp.queues)  # what `celery worker` without -Q listens on
    assert consumed == {"celery", "recompute", "import", "mail"}
    for name in app.tasks:
        if name.startswith(("kpiapp.", "accounts.")):
            route = app.amqp.router.route({}, name, args=(), kwargs={})
            assert route["queue"].name in consumed, name
