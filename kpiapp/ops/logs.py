"""Structured logs: one JSON object a line with the time, level, logger, message, the request
id and the workspace id (never a name, email or address: no personal data). A request keeps
the id a proxy gave it (`X-Request-ID`, if it looks like one) or gets a new one, and answers
with it, so a line in the log can be matched with what a user saw."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

from kpiapp.ops.context import request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("kennzahl.request")


def _scope_workspace() -> int | None:
    # Imported late: Django configures logging before the apps (and accounts.tenancy) load.
    from accounts.tenancy import _current_workspace_id

    return _current_workspace_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # The record's own (an access line), else the context's at the time of formatting.
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "workspace_id": getattr(record, "workspace_id", None) or _scope_workspace(),
        }
        for field in ("method", "view", "status", "duration_ms", "task"):
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestContextMiddleware:
    """First in the chain: sets the request id and, once a view has chosen its workspace,
    logs one line per request (method, page name, status, duration; no path or query, which
    may carry tokens or search terms)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            workspace = getattr(request, "workspace", None)
            match = getattr(request, "resolver_match", None)
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "view": (match.view_name if match else "") or "unmatched",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": rid,
                    "workspace_id": getattr(workspace, "id", None),
                },
            )
            response["X-Request-ID"] = rid
            return response
        finally:
            request_id.reset(token)
