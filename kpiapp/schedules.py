"""The whole beat schedule in one place.

django-celery-beat's DatabaseScheduler copies these entries into its tables at start-up, where
admins can see them. Every periodic task expires (`expire_seconds`, the DatabaseScheduler's name
for Celery's `expires`), so a beat or worker that was down does not release a pile of stale
runs when it comes back.
"""

from datetime import timedelta
from typing import Any

from celery.schedules import crontab

HOUR = 3600


def beat_schedule(*, sweep_seconds: int = 20) -> dict[str, dict[str, Any]]:
    """The schedule; `sweep_seconds` (settings.RECOMPUTE_SWEEP_SECONDS) is how often beat
    looks for recomputes whose worker died."""
    return {
        **BEAT_SCHEDULE,
        # A recompute whose worker died (its claim lapsed) is queued again: numbers are stale
        # for the lease plus at most one sweep, under a minute (services/snapshots.py).
        "recover-recomputes": {
            "task": "kpiapp.tasks.recover_recomputes",
            "schedule": timedelta(seconds=sweep_seconds),
            "options": {"expire_seconds": max(sweep_seconds, 5)},
        },
    }


BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "health-check": {
        "task": "kpiapp.tasks.health_check",
        "schedule": crontab(minute="*/15"),
        "options": {"expire_seconds": 15 * 60},
    },
    # A check or import whose worker died fails visibly instead of running for ever.
    "fail-stale-imports": {
        "task": "kpiapp.tasks.fail_stale_imports",
        "schedule": crontab(minute="*/5"),
        "options": {"expire_seconds": 5 * 60},
    },
    # The current month changes with the calendar: every workspace, every night (02:30 UTC,
    # after midnight in Europe).
    "recompute-all-workspaces": {
        "task": "kpiapp.tasks.recompute_all_workspaces",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expire_seconds": 6 * HOUR},
    },
    # Data protection: old import files, workspace exports and audit events (03:15 UTC).
    "purge-expired-data": {
        "task": "kpiapp.tasks.purge_expired_data",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expire_seconds": 6 * HOUR},
    },
    # Email digests (06:00 UTC, before the working day in Europe). Each run names its period
    # (`2026-W47`, `2026-10`, `2026-Q3`), so a late or repeated run sends nothing twice.
    "digests-weekly": {
        "task": "kpiapp.tasks.send_due_digests",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
        "args": ("weekly",),
        "options": {"expire_seconds": 12 * HOUR},
    },
    "digests-monthly": {
        "task": "kpiapp.tasks.send_due_digests",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
        "args": ("monthly",),
        "options": {"expire_seconds": 12 * HOUR},
    },
    "digests-quarterly": {
        "task": "kpiapp.tasks.send_due_digests",
        "schedule": crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
        "args": ("quarterly",),
        "options": {"expire_seconds": 12 * HOUR},
    },
}
