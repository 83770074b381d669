"""API benchmark: the series endpoint and a paginated deals list of the large workspace, in
process (median and p95) and under gunicorn (requests per second), with an API token.

    python bench/api.py                      # PostgreSQL kennzahl_bench on 127.0.0.1
    REDIS_URL=redis://127.0.0.1:6379/5 python bench/api.py   # production's cache
    python bench/api.py --requests 200 --duration 10

Needs the workspace of bench/recompute.py; shares bench/pages.py's setup, timing, gunicorn and
load generator (see there). Every request sends `Authorization: Token <key>` of the bench
member; the trivial view (no credentials needed) is the reference. No target: the figures go
into the issue note.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from base64 import b64encode
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The budget per token (1,200/min by default) would answer 429 within seconds of load; the
# throttle still runs, with its cache round trips, under a budget that is never reached.
os.environ.setdefault("API_RATE", "100000000/min")
# As production (bench/pages.py does the same when run itself): DEBUG off; gunicorn inherits it.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

# isort: off
from bench import pages as base
from django.test import Client

from accounts.models import ApiToken, Membership
from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, today_in
from kpiapp.models import Deal

# isort: on

LABEL = "bench/api.py"  # the name of the bench member's API token


def token_for(user, workspace) -> str:
    """A fresh token each run (the key is shown once); the earlier ones are removed."""
    ApiToken.all_workspaces.filter(user=user, workspace=workspace, name=LABEL).delete()
    membership = Membership.all_workspaces.get(user=user, workspace=workspace)
    with workspace_scope(workspace.id):
        return api_token_create(membership=membership, name=LABEL).key


RESULTS = b'"results"'


def endpoints(slug: str, today_month: int, deep: str) -> list[base.Page]:
    api = f"/api/v1/workspaces/{slug}"
    end = Period("month", today_month).label
    start = Period("month", today_month - 35).label
    series = f"{api}/kpis/mrr/series/?start={start}&end={end}"
    return [
        base.Page("trivial view", base.TRIVIAL, b"ok"),
        base.Page("series mrr, 36 months", series, b'"points"'),
        base.Page(
            "series, quarters × chan",
            f"{api}/kpis/customer_churn_rate/series/?start={start}&end={end}&grain=quarter"
            "&dimension=channel",
            b'"points"',
        ),
        base.Page("deals, page 1 (100)", f"{api}/deals/?page_size=100", b'"results"'),
        base.Page("deals, page 1000", f"{api}/deals/?page_size=100&page=1000", b'"results"'),
        base.Page("deals, cursor, first", f"{api}/deals/?page_size=100&cursor=", b'"results"'),
        base.Page("deals, cursor, 1000th", f"{api}/deals/?page_size=100&cursor={deep}", RESULTS),
        base.Page("deals won", f"{api}/deals/?stage=won&ordering=-closed_at", b'"results"'),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    print(f"database: {base.connection.vendor} {base.connection.settings_dict['NAME']}")
    base.migrate()
    workspace = base.bench_workspace()
    user = base.bench_member(workspace)
    key = token_for(user, workspace)
    with workspace_scope(workspace.id):  # the cursor of the 1000th page of 100, newest first
        position = Deal.objects.order_by("-pk").values_list("pk", flat=True)[99_900]
    deep = quote(b64encode(urlencode({"p": position}).encode()).decode())
    todo = endpoints(workspace.slug, month_index(today_in(workspace.time_zone)), deep)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    times = base.in_process(user, todo, args.requests, args.warmup, client=client)
    for label, t in times.items():
        print(f"  {label}: median {t.median_ms:.1f} ms, p95 {t.p95_ms:.1f} ms, {t.size_kb:.1f} kB")
    loads = base.throughput(args, user, todo, header=f"Authorization: Token {key}")
    base.report(todo, times, loads, args)


if __name__ == "__main__":
    main()
