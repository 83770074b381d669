"""The whole stack, started and driven as a user would (issue 21, item 1; README,
"Production"): log in on node A and keep the session on node B; import a CSV through B and
watch its progress on A; the KPI page shows the new numbers once a worker recomputed; a
failed-login lockout counted on A holds on B; a share link created on A opens on B."""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.stack.browser import Browser
from tests.stack.conftest import OWNER, PASSWORD, Stack, wait_for

# One xdist process runs them all, in order, on one stack (later tests use what earlier made).
pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

ACCOUNTS = "external_id,name\nA1,Alpha GmbH\nA2,Beta AG\nA3,Gamma KG\n"
SUBSCRIPTIONS = (
    "external_id,account,amount,interval,started_at\n"
    "S1,A1,100,month,2026-01-01\n"
    "S2,A2,250,month,2026-02-01\n"
    "S3,A3,1200,year,2026-03-01\n"
)
MRR = "450.00"  # 100 + 250 + 1200 / 12, every month from March 2026


def _login(browser: Browser, port: int, password: str = PASSWORD) -> int:
    answer = browser.submit(
        port, "/accounts/login/", {"username": OWNER, "password": password}, follow=False
    )
    return answer.status_code


def _mrr_api(browser: Browser, port: int) -> str | None:
    series = browser.get(port, "/api/v1/workspaces/acme/kpis/mrr/series/?start=2026-06&end=2026-06")
    assert series.status_code == 200, series.text[:300]
    points = series.json()["points"]
    return points[0]["value"] if points else None


def test_the_stack_serves_one_site_from_two_nodes_with_workers_and_beat(stack: Stack):
    a, b = stack.web["node_a"], stack.web["node_b"]
    began = time.monotonic()
    stack.manage("create_workspace", "acme", "--name", "Acme GmbH", "--owner", OWNER,
                 "--password", PASSWORD, "--language", "en")  # fmt: skip
    (stack.tmp / "accounts.csv").write_text(ACCOUNTS)
    stack.manage("import_csv", "--workspace", "acme", "--kind", "accounts",
                 str(stack.tmp / "accounts.csv"))  # fmt: skip

    # Static files are served hashed and compressed with DEBUG=0 (WhiteNoise).
    browser = Browser()
    login_page = browser.get(a, "/accounts/login/")
    css = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', login_page.text)
    assert css, "the login page links the hashed stylesheet"
    assert browser.get(b, css.group(1)).status_code == 200

    # Log in on A, keep the session on B.
    assert _login(browser, a) == 302
    dashboard = browser.get(b, "/w/acme/")
    assert dashboard.status_code == 200 and "Acme GmbH" in dashboard.text

    # Import through B, watch the progress on A.
    upload = browser.submit(
        b, "/w/acme/data/subscriptions/import/", {"preset": ""},
        files={"file": ("subs.csv", SUBSCRIPTIONS.encode(), "text/csv")},
    )  # fmt: skip
    assert upload.status_code == 200, upload.text[:500]
    job_path = re.search(r"/w/acme/data/subscriptions/import/(\d+)/", upload.url or "")
    job_id = int(job_path.group(1)) if job_path else _latest_job(stack)
    job_page = f"/w/acme/data/subscriptions/import/{job_id}/"
    header = SUBSCRIPTIONS.splitlines()[0].split(",")
    mapped = browser.submit(b, job_page, {f"col_{i}": c for i, c in enumerate(header)})
    assert mapped.status_code == 200
    status = f"{job_page}status/"
    wait_for(lambda: browser.get(a, status).json()["status"] == "checked", 60, "the check")
    started = browser.submit(b, job_page, {}, action_contains="/start/")
    assert started.status_code == 200
    seen = []

    def done() -> bool:
        answer = browser.get(a, status).json()
        seen.append(answer["status"])
        return answer["status"] in ("done", "failed")

    wait_for(done, 60, "the import")
    stack.timings["import done"] = time.monotonic() - began
    assert seen[-1] == "done", seen

    # The KPI page shows the new numbers once a worker recomputed.
    wait_for(lambda: _mrr_api(browser, a) == MRR, 60, "the recompute")
    stack.timings["recomputed"] = time.monotonic() - began
    kpi_page = browser.get(b, "/w/acme/kpis/mrr/")
    assert kpi_page.status_code == 200
    assert "450" in kpi_page.text

    # A share link created on A opens on B, without the session.
    report = browser.submit(a, "/w/acme/reports/new/", {"title": "Board update",
                            "section-0-kpi": "mrr"}, action_contains="")  # fmt: skip
    assert report.status_code == 200, report.text[:300]
    report_id = int(re.search(r"/w/acme/reports/(\d+)/", report.text).group(1))
    links = browser.submit(a, f"/w/acme/reports/{report_id}/share-links/", {"label": "Investor"})
    share_url = re.search(r"https://kpi\.example\.test(/share/[^\"<\s]+/)", links.text)
    assert share_url, links.text[:500]
    anonymous = Browser()
    shared = anonymous.get(b, share_url.group(1))
    assert shared.status_code == 200 and "Board update" in shared.text

    # A lockout counted on A holds on B: five wrong passwords on A, then the right one on B.
    intruder = Browser()
    for _ in range(5):
        assert _login(intruder, a, "wrong-password") in (200, 403, 429)
    locked = Browser()
    refused = _login(locked, b)
    assert refused != 302, "the right password on node B got in during the lockout"
    assert locked.get(b, "/w/acme/", follow=False).status_code == 302  # not logged in

    # Operations: liveness, readiness, and metrics from loopback only (not through a proxy).
    workspace_id = stack.sql("SELECT id FROM accounts_workspace WHERE slug = 'acme'")[0][0]
    for port in (a, b):
        assert browser.get(port, "/healthz").json() == {"status": "ok"}
        assert browser.get(port, "/readyz").json() == {"status": "ok"}
    metrics = requests.get(f"http://127.0.0.1:{b}/metrics", timeout=30)
    assert metrics.status_code == 200
    assert 'kennzahl_queue_length{queue="recompute"}' in metrics.text
    assert f'kennzahl_recompute_duration_seconds{{workspace="{workspace_id}"}}' in metrics.text
    imported = re.search(r"^kennzahl_import_rows_total (\S+)$", metrics.text, re.M)
    assert float(imported.group(1)) >= 3  # at least the browser's import, done by a worker
    proxied = requests.get(f"http://127.0.0.1:{b}/metrics", timeout=30,
                           headers={"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
    assert proxied.status_code == 404

    # The logs are JSON lines with request ids and no email address.
    log_a = stack.log("node_a")
    assert '"request_id"' in log_a and OWNER not in log_a
    stack.timings["journey"] = time.monotonic() - began


def _latest_job(stack: Stack) -> int:
    return stack.sql("SELECT max(id) FROM kpiapp_importjob")[0][0]
