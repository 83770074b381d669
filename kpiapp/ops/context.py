"""The id that ties log lines together: a request's (kpiapp/ops/logs.py) or a task's. No
Django imports here: the Celery app (kpiapp/celery.py) connects it before Django is set up."""

from __future__ import annotations

from contextvars import ContextVar, Token

from celery.signals import task_postrun, task_prerun

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def task_context_connect() -> None:
    """Workers: each task's log lines carry its task id as the request id."""
    tokens: dict[str, Token[str | None]] = {}

    def started(task_id: str | None = None, **kwargs: object) -> None:
        if task_id:
            tokens[task_id] = request_id.set(task_id)

    def finished(task_id: str | None = None, **kwargs: object) -> None:
        token = tokens.pop(task_id or "", None)
        if token is not None:
            request_id.reset(token)

    task_prerun.connect(started, weak=False)
    task_postrun.connect(finished, weak=False)
