"""Periods reach people in words in both languages ("Okt. 2026", "Q4 2026"), never as the
codes of addresses, CSV and the API ("2026-10", "2026-Q4"): every page's visible text and its
chart data (json_script) are checked for a code (issue 19)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Target

pytestmark = pytest.mark.django_db
# ISO codes ("2026-10", "2026-Q4") and numeric months ("10/2026")
CODE = re.compile(r"\b20\d\d-(0[1-9]|1[0-2]|Q[1-4])\b|(?<![/\d])(0[1-9]|1[0-2])/20\d\d\b")
PAGES = [
    "/w/acme/",
    "/w/acme/?grain=quarter&compare=last_year",
    "/w/acme/kpis/",
    "/w/acme/kpis/mrr/",
    "/w/acme/kpis/mrr/?grain=quarter",
    "/w/acme/kpis/customer_churn_rate/?grain=quarter",
    "/w/acme/mrr/",
    "/w/acme/mrr/?grain=quarter",
    "/w/acme/funnel/",
    "/w/acme/funnel/?grain=quarter",
    "/w/acme/cohorts/",
    "/w/acme/targets/",
    "/w/acme/plan/",
    "/w/acme/benchmarks/",
    "/w/acme/kpis/mrr/records/",
    "/w/acme/data/subscriptions/",
    "/w/acme/customers/",
    "/w/acme/customers/?movement=mrr_new&period=2025-03",
    "/w/acme/attribution/",
    "/w/acme/attribution/?grain=quarter",
    "/w/acme/aarrr/",
    "/w/acme/aarrr/?grain=quarter",
    "/w/acme/leads/scoring/",
    "/w/acme/dashboards/",
    "/w/acme/alerts/",
]


def visible(html: str) -> str:
    """The page's text and its charts' data, without tags, attributes, scripts' code and the
    addresses a chart links to."""
    scripts = r'<script[^>]*type="application/json"[^>]*>(.*?)</script>'
    data = " ".join(re.findall(scripts, html, re.S))
    data = re.sub(r'"/[^"\s]*"', " ", data)  # addresses in the data keep their codes
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html) + " " + data


@pytest.mark.parametrize("language", ["de", "en"])
@freeze_time("2025-05-20 12:00")
def test_no_page_shows_a_period_code(client_as, alice, company, language):
    with workspace_scope(company.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 4, 1), value=2000)
        account = Account.objects.get(external_id="A0")
    alice.language = language
    alice.save()
    client = client_as(alice)
    own = [f"/w/acme/data/accounts/{account.pk}/", f"/w/acme/customers/{account.pk}/"]
    own.append(f"/w/acme/attribution/journeys/{account.pk}/")
    for path in [*PAGES, *own]:
        response = client.get(path)
        assert response.status_code == 200, path
        found = sorted({m.group(0) for m in CODE.finditer(visible(response.content.decode()))})
        assert not found, f"{path} shows {found}"
