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
    # The current month changes with the calendar: every workspace, every night (02:30 UTC,
    # after midnight in Europe).
    "recompute-all-workspaces": {
        "task": "kpiapp.tasks.recompute_all_workspaces",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expire_seconds": 6 * HOUR},
    },
}
