"""The simulated users of bench/load.py (run by it; see its docstring). Each user logs in to
its workspace once, then opens dashboards, KPI pages, the MRR movements, reports, drill-through
lists and API series. Every MRR movements answer is checked: in each period the signed
movements add up to the net new MRR (a half-written snapshot set would not)."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal

from locust import HttpUser, between, task

USERS = json.loads(os.environ["LOAD_USERS"])  # [[slug, email, password], ...]
PASSWORD_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MOVEMENTS = re.compile(r'<script id="movements-data" type="application/json">(.*?)</script>', re.S)
_next = iter(range(10**9))


class KennzahlUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.slug, email, password = USERS[next(_next) % len(USERS)]
        # Behind TLS, as in production: the app sees https (X-Forwarded-Proto).
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "en"})
        page = self.client.get("/accounts/login/", name="login page", allow_redirects=False)
        self._unsecure_cookies()
        found = PASSWORD_FIELD.search(page.text or "")
        if found is None:
            raise RuntimeError(f"no login form: status {page.status_code}")
        token = found.group(1)
        origin = f"https://{self.host.split('://', 1)[1]}"
        self.client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": email, "password": password},
            headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
            allow_redirects=False,
            name="login",
        )
        self._unsecure_cookies()

    def _unsecure_cookies(self) -> None:
        # The cookies are Secure (DEBUG=0); the load runs on plain loopback, so hand them over
        # as a browser behind the TLS-terminating proxy would.
        for cookie in list(self.client.cookies):
            if cookie.secure:
                self.client.cookies.set(cookie.name, cookie.value)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    @task(4)
    def dashboard(self) -> None:
        self._get(f"/w/{self.slug}/", "dashboard")

    @task(3)
    def kpi_page(self) -> None:
        self._get(f"/w/{self.slug}/kpis/mrr/", "kpi page")

    @task(2)
    def movements(self) -> None:
        url = f"/w/{self.slug}/mrr/"
        with self.client.get(url, name="mrr movements", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                return
            problem = movement_identity_problem(r.text)
            if problem:
                r.failure(problem)

    @task(1)
    def reports(self) -> None:
        self._get(f"/w/{self.slug}/reports/", "reports")

    @task(2)
    def drill_through(self) -> None:
        self._get(f"/w/{self.slug}/kpis/customers_active/records/", "drill-through list")

    @task(1)
    def data_list(self) -> None:
        self._get(f"/w/{self.slug}/data/subscriptions/?page=2", "data list")

    @task(3)
    def api_series(self) -> None:
        path = f"/api/v1/workspaces/{self.slug}/kpis/mrr/series/?start=2025-01&end=2026-12"
        self._get(path, "api series")


def movement_identity_problem(html: str) -> str | None:
    found = MOVEMENTS.search(html)
    if not found:
        return "no movements data"
    chart = json.loads(found.group(1))
    for index, net in enumerate(chart["net"]):
        parts = [s["values"][index] for s in chart["series"]]
        if net is None or any(p is None for p in parts):
            continue
        total = sum((Decimal(str(p)) for p in parts), Decimal(0))
        if abs(total - Decimal(str(net))) > Decimal("0.011"):
            return f"{chart['labels'][index]}: movements add up to {total}, net new is {net}"
    return None
