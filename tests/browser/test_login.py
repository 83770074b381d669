"""A real browser logs in through the form and sees the dashboard's chart drawn."""

from datetime import date

import pytest

from accounts.models import Membership
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import PASSWORD, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAV_SETTINGS = {"en": "Settings", "de": "Einstellungen"}


@pytest.mark.parametrize("language", ["en", "de"])
def test_login_lands_on_the_dashboard_with_the_chart_drawn(live_server, page, language):
    user = make_user("browser@example.com", "Bea Browser")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="Alpha")
        Subscription.objects.create(
            external_id="S", account=account, amount_cents=500_000, currency="EUR",
            interval="month", started_at=date(2020, 1, 1),
        )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)
    editor = make_user("ed@example.com")
    Membership.all_workspaces.create(user=editor, workspace=workspace, role=Role.EDITOR)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/w/acme/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    page.wait_for_url(f"{live_server.url}/w/acme/")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    assert page.get_attribute("html", "lang") == language
    assert page.locator("nav.mainnav").inner_text().count(NAV_SETTINGS[language]) == 1
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('mrr-chart');
        const canvas = document.getElementById('mrr-chart');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return {values: chart.data.datasets[5].data, width: canvas.width, painted};
    }""")
    assert drawn["values"][-1] == 5000  # the MRR line: one customer paying 5,000 € a month
    assert drawn["width"] > 100
    assert drawn["painted"] > 1000
    assert errors == []
