"""Plan page benchmark: server time of /w/<slug>/plan/ with a what-if (the request the page's
script sends on every change), and of the plans API answer, on the demo workspace.

    DATABASE_URL=postgres://... python bench/plan.py [--workspace demo] [--requests 50]

Needs a seeded workspace (`python manage.py seed_demo`). In-process (Django's test client,
logged in as the workspace's owner): 5 warm-up requests, then the median and p95 of N, and the
query count of one request. The what-if is answered from the snapshots (one query for the
trailing figures), so it should stay well under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Membership, Workspace  # noqa: E402
from accounts.roles import Role  # noqa: E402


def _check(status: int, url: str) -> None:
    if status != 200:
        raise SystemExit(f"{url} answered {status}")


def _measure(client: Client, url: str, count: int) -> tuple[float, float, int]:
    for _ in range(5):
        _check(client.get(url).status_code, url)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        _check(response.status_code, url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    return statistics.median(times), p95, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    workspace = Workspace.objects.get(slug=args.workspace)
    owner = Membership.all_workspaces.filter(workspace=workspace, role=Role.OWNER).first().user
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    slug = workspace.slug
    urls = {
        "plan page (saved plan)": f"/w/{slug}/plan/",
        "plan page, what-if": f"/w/{slug}/plan/?goal_kind=mrr_new&goal_value=40000"
        "&share.Partner=30&o.win_rate.Paid+Ads=35",
        "plans API list": f"/api/v1/workspaces/{slug}/plans/",
    }
    for name, url in urls.items():
        median, p95, queries = _measure(client, url, args.requests)
        print(f"{name:28s} median {median:6.1f} ms   p95 {p95:6.1f} ms   {queries} queries")


if __name__ == "__main__":
    main()
