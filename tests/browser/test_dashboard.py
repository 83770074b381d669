"""A real browser shows the dashboard's KPI tiles with their sparklines, in both languages."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPARE_LABEL = {"en": "Compare with", "de": "Vergleichen mit"}


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_dashboard_draws_a_tile_per_pinned_kpi(live_server, page, language):
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        start = today_in(workspace.time_zone).replace(day=1) - timedelta(days=400)
        for n in range(6):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}")
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                amount_cents=10_000 * (n + 1),
                currency="EUR",
                interval="month",
                started_at=start + timedelta(days=50 * n),
            )
        snapshot_rebuild(workspace_id=workspace.id)
    errors = sign_in(page, live_server.url, "chef@example.com", lands_on="/w/acme/")

    tiles = page.locator("article.tile")
    assert tiles.count() == 10  # the default pinned KPIs
    assert "MRR" in tiles.first.inner_text()
    assert COMPARE_LABEL[language] in page.locator("form.period-picker").inner_text()
    line = page.locator("article.tile svg.sparkline polyline").first
    assert len(line.get_attribute("points").split()) >= 10  # a point per month with data
    box = page.locator("article.tile svg.sparkline").first.bounding_box()
    assert box["width"] > 150  # stretched across the tile
    page.select_option("#grain", "quarter")
    page.click("form.period-picker button[type=submit]")
    page.wait_for_url("**grain=quarter**")
    assert page.locator("#period option").count() >= 4
    assert errors == []
