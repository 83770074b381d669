"""The whole beat schedule in one place.

django-celery-beat's DatabaseScheduler copies these entries into its tables at start-up, where
admins can see them. Every periodic task expires (`expire_seconds`, the DatabaseScheduler's name
for Celery's `expires`), so a beat or worker that was down does not release a pile of stale
runs when it comes back.
"""

from typing import Any

from celery.schedules import crontab

HOUR = 3600

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
