import inspect

import pytest

from kpiapp.celery import app

# Tasks that do not work on one workspace: health checks and fan-outs that only enqueue.
NOT_PER_WORKSPACE = {
    "kpiapp.tasks.health_check",
    "kpiapp.tasks.recompute_all_workspaces",
    "kpiapp.tasks.send_due_digests",
    "kpiapp.tasks.fail_stale_imports",
    "kpiapp.tasks.recover_recomputes",
    # Retention: walks every workspace, entering each one's scope in turn (services/retention.py).
    "kpiapp.tasks.purge_expired_data",
}


def test_every_task_takes_workspace_id_first_or_is_listed():
    app.loader.import_default_modules()
    ours = {
        name: task for name, task in app.tasks.items() if name.startswith(("kpiapp.", "accounts."))
    }
    assert "kpiapp.tasks.health_check" in ours
    offenders = []
    for name, task in ours.items():
        if name in NOT_PER_WORKSPACE:
            continue
        params = list(inspect.signature(task.run).parameters)
        if not params or params[0] != "workspace_id":
            offenders.append(name)
    assert offenders == []


@pytest.mark.django_db
def test_every_periodic_task_expires_in_the_database_scheduler(monkeypatch):
    from django_celery_beat import schedulers
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    # Beat closes "old" connections between runs, which on PostgreSQL would close the test's
    # own transaction; the schedule itself is what this test is about.
    monkeypatch.setattr(schedulers, "close_old_connections", lambda: None)

    from kpiapp.schedules import BEAT_SCHEDULE

    DatabaseScheduler(app=app, lazy=False)  # installs the schedule as beat does at start-up
    for name in BEAT_SCHEDULE:
        assert PeriodicTask.objects.get(name=name).expire_seconds, name
