"""A real browser composes a report, shares it by link, and a logged-out visitor in a fresh
browser context opens the link and sees the charts drawn."""

import pytest

from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_is_built_shared_and_opened_logged_out(live_server, page, browser, settings):
    settings.SITE_URL = live_server.url  # links are written with the site's address
    workspace_with_one_customer()
    errors = sign_in(page, live_server.url, "lead@example.com")

    page.goto(f"{live_server.url}/w/acme/reports/")
    page.click("a:has-text('Monthly review')")
    page.fill("input[name=title]", "Investor update")
    page.fill("textarea[name=section-0-note]", "MRR keeps growing")
    page.click("button:has-text('Save report')")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("h1").inner_text() == "Investor update"
    # A KPI without any value in the range shows an empty state where its chart would be.
    charts = page.locator("canvas[id^=report-chart-]").count()
    empty = page.locator(".report-section .chart-empty").count()
    assert page.locator(".report-section").count() == 8 and charts + empty == 8 and charts >= 4
    assert "€5,000.00" in page.locator(".report-section").first.inner_text()

    page.click("a:has-text('Share by link')")
    page.fill("input[name=label]", "Our investors")
    page.click("button:has-text('Create link')")
    url = page.locator("#created-link").input_value()
    assert "/share/" in url

    visitor = browser.new_context()  # no cookies: logged out
    shared = visitor.new_page()
    visitor_errors: list[str] = []
    shared.on("console", lambda m: visitor_errors.append(m.text) if m.type == "error" else None)
    shared.goto(url)
    shared.wait_for_selector("body[data-charts-ready='1']")
    assert shared.locator("h1").inner_text() == "Investor update"
    assert "MRR keeps growing" in shared.content()
    canvas = shared.locator("#report-chart-0")
    box = canvas.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    # Chart.js drew something: the canvas is not blank.
    painted = shared.evaluate(
        """() => { const c = document.getElementById('report-chart-0');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 500
    assert shared.locator("nav.mainnav").count() == 0  # no way into the workspace
    visitor.close()
    assert errors == [] and visitor_errors == []
