"""A logged-out visitor opens a password-protected share link in a real browser: the form
posts with the Origin Chromium sends under the page's referrer policy, wrong passwords are
told and then rate limited, and the right one shows the charts."""

from django.core.cache import cache

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Report
from kpiapp.services.reports import report_create
from kpiapp.services.share_links import share_link_create
from kpiapp.views import share_access
from tests.browser.helpers import workspace_with_one_customer
from tests.conftest import membership_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shared_report_link(live_server, settings, password: str = "") -> str:
    """A workspace with one subscription, a shared report of MRR, and a link to it."""
    settings.SITE_URL = live_server.url
    user, workspace = workspace_with_one_customer()
    with workspace_scope(workspace.id):
        membership = membership_of(user, workspace)
        report: Report = report_create(
            membership=membership,
            data={
                "title": "Investor update",
                "visibility": "shared",
                "grain": "month",
                "range_kind": "last_n_months",
                "range_months": 6,
                "comparison": "previous",
                "sections": [{"kpi": "mrr", "note": "Up again"}, {"kpi": "customers_active"}],
            },
        )
        return share_link_create(membership=membership, report=report, password=password).url


def test_a_password_link_opens_after_the_right_password_and_guesses_are_limited(
    live_server, page, settings, monkeypatch
):
    monkeypatch.setattr(share_access, "PASSWORD_LIMIT", 3)
    url = shared_report_link(live_server, settings, password="open sesame")
    errors: list[str] = []
    # The 401 and 429 answers show up as "Failed to load resource"; anything else is an error.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url == url else None)

    page.goto(url)
    assert page.locator("h1").inner_text() == "This report is protected"
    for _attempt in range(3):
        page.fill("#share_password", "a wrong guess")
        page.click("button:has-text('Open report')")
        page.wait_for_load_state()
        assert "That password is not right." in page.locator("[role=alert]").inner_text()
    assert 403 not in statuses  # the CSRF check accepted the browser's own posts
    assert statuses[-1] == 401
    page.fill("#share_password", "open sesame")
    page.click("button:has-text('Open report')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Too many attempts"  # even the right one waits
    assert statuses[-1] == 429

    cache.clear()  # the rate limit's window ends
    page.goto(url)
    page.fill("#share_password", "open sesame")
    page.click("button:has-text('Open report')")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("h1").inner_text() == "Investor update"
    assert page.locator("canvas[id^=report-chart-]").count() == 2
    painted = page.evaluate(
        """() => { const c = document.getElementById('report-chart-0');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 500
    page.reload()  # this browser stays unlocked
    page.wait_for_selector("body[data-charts-ready='1']")
    assert 403 not in statuses and errors == []
