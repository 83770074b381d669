"""The sweeper: a check or import whose worker died (or whose task was lost) would stay
"checking" or "importing" for ever. A beat task fails every job without a heartbeat for
`STALE_AFTER`, with a message; the user can try it again."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _lazy

from accounts.tenancy import workspace_scope
from kpiapp.models import ImportJob, ImportStatus
from kpiapp.services.imports import import_heartbeat, import_job_fail, import_job_language

log = logging.getLogger(__name__)

# Progress beats every 5,000 rows; comparing a large file with the stored records is the
# longest stretch without one (about a minute for 500,000 rows).
STALE_AFTER = timedelta(seconds=settings.IMPORT_STALE_SECONDS)  # 15 minutes by default

STALLED = _lazy(
    "The import stopped responding (the background service was probably restarted). Nothing "
    "was imported; try again."
)


def stale_imports_fail(*, now: float | None = None) -> int:
    """Fail every running job whose last heartbeat is older than `STALE_AFTER`; returns how
    many. The one query across workspaces lists candidates; each is failed in its scope."""
    now = time.time() if now is None else now
    cutoff = datetime.fromtimestamp(now - STALE_AFTER.total_seconds(), tz=UTC)
    candidates = ImportJob.all_workspaces.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff),
        status__in=(ImportStatus.CHECKING, ImportStatus.IMPORTING),
    ).values_list("workspace_id", "pk")
    failed = 0
    for workspace_id, job_id in candidates:
        with workspace_scope(workspace_id):
            job = ImportJob.objects.filter(pk=job_id).defer("data").first()
            if job is None:
                continue
            beat = import_heartbeat(job) or job.created_at.timestamp()
            if beat >= now - STALE_AFTER.total_seconds():
                continue  # its progress (in the cache) is recent: still running
            with translation.override(import_job_language(job_id)):
                message = str(STALLED)  # in the uploader's language, as the check's messages
            if import_job_fail(job_id=job_id, message=message, statuses=(job.status,)):
                log.warning("import %s: no heartbeat since %s, marked failed", job_id, beat)
                failed += 1
    return failed
