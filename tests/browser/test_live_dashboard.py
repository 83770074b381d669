"""Two people, two browsers: one moves a deal to "won" (or raises a subscription's amount)
through its edit form, and the other's open dashboard shows the new win rate (or MRR) without
a reload, with when it was computed."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Deal, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in, workspace_with_a_german_viewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sales_workspace():
    workspace = workspace_with_a_german_viewer()
    with workspace_scope(workspace.id):
        # The dashboard shows the last complete month: one deal won and two lost in it.
        closed = today_in(workspace.time_zone).replace(day=1) - timedelta(days=10)
        account = Account.objects.create(external_id="A", name="Alpha")
        for n, stage in enumerate(["won", "lost", "lost"]):
            Deal.objects.create(
                external_id=f"D{n}", name=f"Deal {n}", account=account, stage=stage,
                amount_cents=1_200_000, currency="EUR", created_at=closed - timedelta(days=30),
                closed_at=closed,
            )  # fmt: skip
        # A subscription, so that the dashboard's MRR chart has months to draw.
        Subscription.objects.create(
            external_id="S", account=account, amount_cents=100_000, currency="EUR",
            interval="month", started_at=closed - timedelta(days=60),
        )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)
        deal = Deal.objects.get(external_id="D2")
    return workspace, deal


def _win_rate(page):
    tile = page.locator("article.tile[data-kpi=win_rate]")
    return tile.locator(".tile-value")


def test_a_deal_won_in_one_browser_shows_on_the_dashboard_open_in_another(
    live_server, browser, sales_workspace
):
    workspace, deal = sales_workspace
    watcher_context, editor_context = browser.new_context(), browser.new_context()
    watcher, editor = watcher_context.new_page(), editor_context.new_page()
    watcher_errors = sign_in(watcher, live_server.url, "vera@example.com", lands_on="/w/acme/")
    editor_errors = sign_in(editor, live_server.url, "lea@example.com", lands_on="/w/acme/")

    assert _win_rate(watcher).inner_text().startswith("33,3")
    status = watcher.get_by_test_id("live-status")
    status.filter(has_text="Stand: vor").wait_for()  # "Stand: vor 2 s", counting
    watcher.evaluate("window.notReloaded = true")
    loaded_version = watcher.get_attribute("[data-live-url]", "data-version")

    editor.goto(f"{live_server.url}/w/acme/data/deals/{deal.pk}/edit/")
    editor.select_option("select[name=stage]", "won")
    editor.fill("input[name=lost_reason]", "")
    editor.click("main button[type=submit]")
    editor.wait_for_url(f"{live_server.url}/w/acme/data/deals/{deal.pk}/")

    # 2 of 3 won, on the other person's page, which was never reloaded.
    watcher.wait_for_function(
        "() => document.querySelector('article.tile[data-kpi=win_rate]')"
        ".querySelector('.tile-value').textContent.trim().startsWith('66,7')",
        timeout=5000,
    )
    assert watcher.evaluate("window.notReloaded") is True
    assert watcher.get_attribute("body", "data-live-version") != loaded_version
    assert watcher.locator("body[data-charts-ready='1'] canvas#mrr-chart").count() == 1
    assert watcher.evaluate("Chart.getChart('mrr-chart').data.datasets.length") == 6
    status.filter(has_text="Stand: vor").wait_for()
    assert watcher_errors == [] and editor_errors == []
    with workspace_scope(workspace.id):
        assert Deal.objects.get(pk=deal.pk).stage == "won"
    watcher_context.close()
    editor_context.close()


def test_a_subscription_raised_in_one_browser_shows_its_mrr_on_the_dashboard_of_another(
    live_server, browser, sales_workspace
):
    """A subscription's change is recomputed for its account's values only (and the totals):
    the dashboard's total MRR still moves."""
    workspace, _deal = sales_workspace
    with workspace_scope(workspace.id):
        subscription = Subscription.objects.get(external_id="S")
    watcher_context, editor_context = browser.new_context(), browser.new_context()
    watcher, editor = watcher_context.new_page(), editor_context.new_page()
    watcher_errors = sign_in(watcher, live_server.url, "vera@example.com", lands_on="/w/acme/")
    editor_errors = sign_in(editor, live_server.url, "lea@example.com", lands_on="/w/acme/")
    mrr = watcher.locator("article.tile[data-kpi=mrr] .tile-value")
    assert mrr.inner_text().startswith("1.000")
    watcher.evaluate("window.notReloaded = true")

    editor.goto(f"{live_server.url}/w/acme/data/subscriptions/{subscription.pk}/edit/")
    editor.fill("input[name=amount]", "1500")
    editor.click("main button[type=submit]")
    editor.wait_for_url(f"{live_server.url}/w/acme/data/subscriptions/{subscription.pk}/")

    watcher.wait_for_function(
        "() => document.querySelector('article.tile[data-kpi=mrr] .tile-value')"
        ".textContent.trim().startsWith('1.500')",
        timeout=5000,
    )
    assert watcher.evaluate("window.notReloaded") is True
    assert watcher_errors == [] and editor_errors == []
    with workspace_scope(workspace.id):
        assert Subscription.objects.get(pk=subscription.pk).amount_cents == 150_000
    watcher_context.close()
    editor_context.close()


def test_a_page_says_it_is_updating_while_a_recompute_is_pending(
    live_server, page, sales_workspace
):
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/targets/")
    status = page.get_by_test_id("live-status")
    status.filter(has_text="As of").wait_for()  # "As of 2s ago", in English for Lea
    version = page.get_attribute("[data-live-url]", "data-version")

    # The worker has the change but has not finished: the state says so.
    pending = f'{{"version": "{version}", "computed_at": null, "pending": true}}'
    page.route("**/w/acme/live/", lambda route: route.fulfill(
        status=200, content_type="application/json", body=pending))  # fmt: skip
    status.filter(has_text="updating …").wait_for()
    assert status.get_attribute("data-pending") == "1"

    page.unroute("**/w/acme/live/")
    status.filter(has_text="As of").wait_for()
    assert errors == []
