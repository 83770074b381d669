"""The embedded default's recompute worker: with eager Celery tasks (no broker), a recompute
runs on one in-process thread right after the request that asked for it has committed, so a
form save or an API call answers without waiting for it.

The thread runs the Celery task's own body (`recompute_run`): the work is claimed and leased in
`RecomputeState` as on a worker, so two processes (or a management command) never compute the
same workspace at once. One thread serialises the runs of this process; a workspace already
waiting in its queue is not queued twice (the waiting run picks up every change made before it
starts). A passing database error (SQLite busy) is retried with a short backoff, as the task's
autoretry does. Tests wait for the thread with `flush()` (fixture `background_recompute`).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from kpiapp.ops.memory import keep_freed_memory

log = logging.getLogger(__name__)

RETRIES = 5
RETRY_SECONDS = 0.5

_lock = threading.Condition()
_executor: ThreadPoolExecutor | None = None
_pending = 0  # submitted (waiting on a timer, queued or running) and not yet finished
_queued: set[int] = set()  # workspaces queued and not yet started


def enabled() -> bool:
    """Whether recomputes go to this thread: tasks are eager and the setting is on."""
    from kpiapp.celery import app

    return bool(app.conf.task_always_eager and settings.RECOMPUTE_IN_THREAD)


def submit(workspace_id: int, countdown: float = 0) -> None:
    """Run the workspace's pending recompute on the worker thread, after `countdown` seconds."""
    global _pending
    with _lock:
        _pending += 1
    if countdown > 0:
        timer = threading.Timer(countdown, _queue, (workspace_id,))
        timer.daemon = True
        timer.start()
    else:
        _queue(workspace_id)


def _queue(workspace_id: int) -> None:
    global _executor, _pending
    with _lock:
        if workspace_id in _queued:  # the queued run will see this change too
            _pending -= 1
            _lock.notify_all()
            return
        _queued.add(workspace_id)
        if _executor is None:
            keep_freed_memory()  # as a Celery worker does (kpiapp/ops/memory.py)
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recompute")
        executor = _executor
    executor.submit(_run, workspace_id)


def _run(workspace_id: int) -> None:
    global _pending
    from accounts.tenancy import workspace_scope
    from kpiapp.services.snapshots import recompute_run

    with _lock:
        _queued.discard(workspace_id)
    try:
        for attempt in range(RETRIES + 1):
            try:
                with workspace_scope(workspace_id):
                    recompute_run()
                return
            except (OperationalError, InterfaceError):
                if attempt == RETRIES:
                    raise
                connection.close()
                time.sleep(RETRY_SECONDS * 2**attempt)
    except Exception:  # recompute_run has marked the failure for admins already
        log.exception("background recompute of workspace %s failed", workspace_id)
    finally:
        connection.close()  # this thread's own connection
        with _lock:
            _pending -= 1
            _lock.notify_all()


def flush(timeout: float = 60) -> bool:
    """Wait until every submitted recompute (and any it submitted in turn) has finished;
    False if some still run after `timeout` seconds."""
    with _lock:
        return _lock.wait_for(lambda: _pending == 0, timeout)
