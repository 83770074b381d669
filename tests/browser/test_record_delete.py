"""Deleting a record in a real browser: a German editor deletes a customer account from its
page, confirms, and the cohort table no longer counts it, in its size and in its shares (its
subscriptions went with it)."""

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.registry import DEFINITION_VERSION
from kpiapp.models import Account, RecomputeState, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _may_2024_cohort(page) -> tuple[str, str]:
    """The cohort's size and its share still active six months on."""
    row = page.locator("table.heatmap tbody tr").filter(has_text="Mai 2024")
    return row.locator("td").nth(0).inner_text().strip(), row.locator("td").nth(7).inner_text()


def test_an_account_deleted_from_its_page_leaves_its_cohort(live_server, page):
    user = make_user("lea@example.com", "Lea Lead")
    user.language = "de"
    user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        for name, ended in (("Alpha", None), ("Beta", date(2024, 9, 1))):
            account = Account.objects.create(external_id=name, name=name)
            Subscription.objects.create(
                external_id=f"S-{name}", account=account, amount_cents=50_000, currency="EUR",
                interval="month", started_at=date(2024, 5, 1), ended_at=ended,
            )  # fmt: skip
        snapshot_rebuild(workspace_id=workspace.id)
        # Computed with today's definitions: the next change is patched, not recomputed whole.
        RecomputeState.objects.update_or_create(defaults={"definition_version": DEFINITION_VERSION})
        beta = Account.objects.get(name="Beta")
    errors = sign_in(page, live_server.url, "lea@example.com", lands_on="/w/acme/cohorts/")
    size, after_six_months = _may_2024_cohort(page)
    assert (size, after_six_months) == ("2", "50,0\xa0%")  # Beta left in September

    page.goto(f"{live_server.url}/w/acme/data/accounts/{beta.pk}/")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.get_by_role("button", name="Löschen").click()
    assert asked == ["Diesen Datensatz endgültig löschen?"]
    assert "„Beta“ wurde gelöscht." in page.locator(".messages").inner_text()

    page.goto(f"{live_server.url}/w/acme/cohorts/")
    assert _may_2024_cohort(page) == ("1", "100,0\xa0%")  # Alpha alone, still a customer
    assert errors == []
    with workspace_scope(workspace.id):
        assert not Subscription.objects.filter(external_id="S-Beta").exists()
