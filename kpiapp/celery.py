"""The Celery application, configured from Django's settings (`CELERY_*`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")

app = Celery("kpiapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs: object) -> None:
    # Imported late: the schedule names tasks, which need the app finalised first.
    from kpiapp.schedules import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
