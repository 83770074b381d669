"""The Celery application, configured from Django's settings (`CELERY_*`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")

app = Celery("kpiapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from kpiapp.ops.context import task_context_connect  # noqa: E402
from kpiapp.ops.memory import worker_memory_connect  # noqa: E402

task_context_connect()
worker_memory_connect()
