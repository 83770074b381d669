"""Analysis pages, reports and the customer pages update themselves too: a viewer keeps "All
KPIs", the attribution page, a saved report, the customer list and the customer open in five
tabs while a colleague raises a subscription's amount in another browser; every tab shows the
new MRR without a reload, and says when it was computed."""

from datetime import timedelta

import pytest

from accounts.models import User
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in, workspace_with_a_german_viewer
from tests.report_data import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATALOGUE_MRR = "() => document.querySelector('a[href$=\"/kpis/mrr/\"]').closest('tr')"
ATTRIBUTED_MRR = "() => document.querySelector('#attribution-table tfoot td:last-child')"
REPORT_BODY = "() => document.querySelector('[data-live=report]')"
CUSTOMERS = "() => document.querySelector('[data-live=customers]')"
CUSTOMER = "() => document.querySelector('[data-live=customer] dl')"


@pytest.fixture
def one_new_customer():
    """A customer won in the last complete month (the period both pages show first)."""
    workspace = workspace_with_a_german_viewer()
    with workspace_scope(workspace.id):
        last_month = today_in(workspace.time_zone).replace(day=1) - timedelta(days=1)
        account = Account.objects.create(external_id="A", name="Alpha")
        subscription = Subscription.objects.create(
            external_id="S", account=account, amount_cents=100_000, currency="EUR",
            interval="month", started_at=last_month.replace(day=3),
        )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)
    owner = User.objects.get(email="lea@example.com")
    report = make_report(owner, workspace, sections=[{"kpi": "mrr"}])
    return workspace, subscription, report


def _text_starts(expression: str, prefix: str) -> str:
    return f"() => ({expression})().textContent.replace(/\\s+/g, ' ').includes('{prefix}')"


def test_all_kpis_and_attribution_follow_a_colleagues_change(
    live_server, browser, one_new_customer
):
    workspace, subscription, report = one_new_customer
    watcher_context, editor_context = browser.new_context(), browser.new_context()
    catalogue, attribution = watcher_context.new_page(), watcher_context.new_page()
    report_page, customers = watcher_context.new_page(), watcher_context.new_page()
    customer = watcher_context.new_page()
    editor = editor_context.new_page()
    errors = sign_in(catalogue, live_server.url, "vera@example.com", lands_on="/w/acme/kpis/")
    errors += sign_in(attribution, live_server.url, "vera@example.com")
    attribution.goto(f"{live_server.url}/w/acme/attribution/")
    report_page.goto(f"{live_server.url}/w/acme/reports/{report.pk}/")
    customers.goto(f"{live_server.url}/w/acme/customers/")
    customer.goto(f"{live_server.url}/w/acme/customers/{subscription.account_id}/")
    editor_errors = sign_in(editor, live_server.url, "lea@example.com")

    tabs = (
        (catalogue, CATALOGUE_MRR),
        (attribution, ATTRIBUTED_MRR),
        (report_page, REPORT_BODY),
        (customers, CUSTOMERS),
        (customer, CUSTOMER),
    )
    for page, value in tabs:
        assert "1.000,00" in page.evaluate(f"({value})().textContent")
        page.get_by_test_id("live-status").filter(has_text="Stand: vor").wait_for()
        page.evaluate("window.notReloaded = true")
    assert attribution.locator("body[data-charts-ready='1'] canvas#attribution-chart").count()

    editor.goto(f"{live_server.url}/w/acme/data/subscriptions/{subscription.pk}/edit/")
    editor.fill("input[name=amount]", "1500")
    editor.click("main button[type=submit]")
    editor.wait_for_url(f"{live_server.url}/w/acme/data/subscriptions/{subscription.pk}/")

    for page, value in tabs:
        page.wait_for_function(_text_starts(value, "1.500,00"), timeout=5000)
        assert page.evaluate("window.notReloaded") is True
        page.get_by_test_id("live-status").filter(has_text="Stand: vor").wait_for()
    # The charts were drawn again from the new data, on the canvases that replaced the old.
    attribution.wait_for_function("() => Chart.getChart('attribution-chart') !== undefined")
    report_page.wait_for_function(
        "() => Chart.getChart('report-chart-0').data.datasets[0].data.includes(1500)"
    )
    assert errors == [] and editor_errors == []
    with workspace_scope(workspace.id):
        assert Subscription.objects.get(pk=subscription.pk).amount_cents == 150_000
    watcher_context.close()
    editor_context.close()
