"""`/metrics` in Prometheus' text format: request counts and latencies of this process, and
Kennzahl's own figures read at scrape time from where every process writes them (the database
and Redis), so any web node reports the same:

- `kennzahl_recompute_duration_seconds{workspace}`: the last recompute's duration;
- `kennzahl_recompute_lag_seconds{workspace}`: how long its changes wait (0 when clean);
- `kennzahl_queue_length{queue}`: tasks waiting in each Celery queue;
- `kennzahl_import_rows_total`, `kennzahl_import_seconds_total`,
  `kennzahl_import_rows_per_second` (the latest import);
- `kennzahl_digest_emails_sent_total`, `kennzahl_alerts_sent_total{channel}`.

Workspaces are labelled by id only. Open from loopback (without a proxy's X-Forwarded-For) or
with `Authorization: Bearer $METRICS_TOKEN`; anyone else gets 404."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from kpiapp.ops.counters import read

log = logging.getLogger(__name__)

QUEUES = tuple(settings.CELERY_TASK_QUEUES)
LOOPBACK = {"127.0.0.1", "::1"}

REQUEST_SECONDS = Histogram(
    "kennzahl_http_request_duration_seconds",
    "Time to answer a request, by page (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUEST_SECONDS.labels(view, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def _queue_lengths() -> dict[str, int]:
    if not settings.REDIS_URL:
        return {}
    from redis import Redis

    client = Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        # kombu keeps a queue's priority levels in lists named queue, queue\x06\x163, …
        return {
            queue: sum(
                client.llen(name) for name in [queue] + [f"{queue}\x06\x16{p}" for p in (3, 6, 9)]
            )
            for queue in QUEUES
        }
    finally:
        client.close()


class KennzahlCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._recomputes()
        yield from self._queues()
        yield from self._counters()

    def _recomputes(self) -> Iterator[GaugeMetricFamily]:
        from kpiapp.models import RecomputeState

        duration = GaugeMetricFamily(
            "kennzahl_recompute_duration_seconds",
            "Duration of the workspace's last KPI recompute.",
            labels=["workspace"],
        )
        lag = GaugeMetricFamily(
            "kennzahl_recompute_lag_seconds",
            "How long the workspace's changes have waited for a recompute (0: up to date).",
            labels=["workspace"],
        )
        now = timezone.now()
        rows = RecomputeState.all_workspaces.values_list(
            "workspace_id", "duration_ms", "dirty_since"
        ).order_by(F("workspace_id"))
        for workspace_id, duration_ms, dirty_since in rows:
            label = [str(workspace_id)]
            if duration_ms is not None:
                duration.add_metric(label, duration_ms / 1000)
            lag.add_metric(label, (now - dirty_since).total_seconds() if dirty_since else 0.0)
        yield duration
        yield lag

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "kennzahl_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
        )
        try:
            lengths = _queue_lengths()
        except Exception:
            log.warning("queue lengths not read", exc_info=True)
            lengths = {}
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family

    def _counters(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        values = read(
            ["import_rows", "import_ms", "import_rows_per_second", "digest_emails_sent",
             "alerts_sent_email", "alerts_sent_webhook"]
        )  # fmt: skip
        yield CounterMetricFamily(
            "kennzahl_import_rows", "Rows written by imports.", value=values.get("import_rows", 0)
        )
        yield CounterMetricFamily(
            "kennzahl_import_seconds",
            "Time spent writing imports.",
            value=values.get("import_ms", 0) / 1000,
        )
        yield GaugeMetricFamily(
            "kennzahl_import_rows_per_second",
            "Rows per second of the latest import.",
            value=values.get("import_rows_per_second", 0),
        )
        yield CounterMetricFamily(
            "kennzahl_digest_emails_sent",
            "Digest emails sent.",
            value=values.get("digest_emails_sent", 0),
        )
        alerts = CounterMetricFamily(
            "kennzahl_alerts_sent", "Alerts delivered, by channel.", labels=["channel"]
        )
        for channel in ("email", "webhook"):
            alerts.add_metric([channel], values.get(f"alerts_sent_{channel}", 0))
        yield alerts


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KennzahlCollector())
    return registry


OURS = _registry()


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    forwarded = "X-Forwarded-For" in request.headers  # came through a proxy: not loopback
    return request.META.get("REMOTE_ADDR") in LOOPBACK and not forwarded


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    body = generate_latest(REGISTRY) + generate_latest(OURS)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
