"""A new record's currency starts as the workspace's (it is required; an empty one could not
be saved without choosing it)."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["subscriptions", "deals", "spend"])
def test_a_new_records_currency_is_the_workspaces(client_as, erik, workspace, kind):
    workspace.currency = "CHF"
    workspace.save()
    page = client_as(erik).get(f"/w/{workspace.slug}/data/{kind}/new/").content.decode()
    field = re.search(r'<input[^>]*name="currency"[^>]*>', page)
    assert field is not None, page[:3000]
    assert 'value="CHF"' in field.group(0)


def test_an_edited_record_keeps_its_own_currency(client_as, erik, workspace):
    from accounts.tenancy import workspace_scope
    from kpiapp.models import Spend

    with workspace_scope(workspace.id):
        spend = Spend.objects.create(
            month="2025-01-01", category="marketing", amount_cents=100, currency="USD"
        )
    page = client_as(erik).get(f"/w/{workspace.slug}/data/spend/{spend.pk}/edit/").content.decode()
    assert 'value="USD"' in re.search(r'<input[^>]*name="currency"[^>]*>', page).group(0)
