"""A person who types an implausible value sees the clear message on the field, in German,
and nothing is stored."""

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription, Target
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _script_errors(errors: list[str]) -> list[str]:
    # The refused form answers 400, which Chromium logs as a failed load; nothing else may.
    return [e for e in errors if "status of 400" not in e]


@pytest.fixture
def german_owner():
    user = make_user("lea@example.com", "Lea Lead")
    user.language = "de"
    user.save()
    return make_workspace("acme", user, "Acme GmbH")


def test_a_negative_mrr_target_is_refused_on_the_field(live_server, page, german_owner):
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/targets/")
    page.select_option("select[name=kpi_key]", "mrr")
    page.fill("input[name=value]", "-5.000")
    page.click("button:has-text('Ziel speichern')")

    field = page.locator(".field.has-error", has=page.locator("input[name=value]"))
    field.wait_for()
    assert field.locator(".field-errors").inner_text() == "Ein Ziel kann nicht negativ sein."
    assert page.locator("input[name=value]").input_value() == "-5.000"  # kept to correct
    with workspace_scope(german_owner.id):
        assert not Target.objects.exists()
    assert _script_errors(errors) == []


def test_a_subscription_starting_in_year_1_is_refused_on_the_field(live_server, page, german_owner):
    with workspace_scope(german_owner.id):
        Account.objects.create(external_id="K-1", name="Kunde")
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/data/subscriptions/new/")
    page.fill("input[name=external_id]", "S-1")
    page.select_option("select[name=account]", label="Kunde")
    page.fill("input[name=amount]", "100")
    page.select_option("select[name=interval]", "month")
    page.fill("input[name=started_at]", "0001-01-01")
    page.click("main button[type=submit]")

    field = page.locator(".field.has-error", has=page.locator("input[name=started_at]"))
    field.wait_for()
    message = field.locator(".field-errors").inner_text()
    assert message == "Das Datum muss zwischen 1970 und 2100 liegen."
    assert "Bedingung" not in page.content()
    with workspace_scope(german_owner.id):
        assert not Subscription.objects.exists()
    assert _script_errors(errors) == []
