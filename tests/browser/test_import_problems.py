"""A real browser, in German: a subscriptions file with two problems in one row is mapped with
German column labels, checked once, and every problem is listed in line order; a new
subscription typed by hand starts with the workspace's currency."""

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Line 2 starts too late (found by the plausibility rules, late in the check), line 3 has a
# negative amount (found while parsing) and a start in year 1, line 4 an unknown interval.
CSV = (
    b"Vertrag;Kunde;Betrag;Intervall;Beginn;Notiz\n"
    b"S1;A1;10;month;01.01.2099;\n"
    b"S2;A1;-50;month;01.01.0001;Altvertrag\n"
    b"S3;A1;20;fortnight;01.02.2025;\n"
)


@pytest.fixture
def german_editor():
    user = make_user("lea@example.com", "Lea Lead")
    user.language = "de"
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        Account.objects.create(external_id="A1", name="Kunde Eins")
    return workspace


def test_every_problem_of_a_row_is_listed_in_line_order(live_server, page, german_editor):
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/data/subscriptions/import/")
    page.set_input_files(
        "input[name=file]", files=[{"name": "abos.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.click("button:has-text('Hochladen und weiter')")

    # The mapping step names the fields as a German reader knows them.
    page.locator("select[name=col_0]").wait_for()
    labels = page.locator("select[name=col_0] option").all_inner_texts()
    assert {"Externe ID *", "Kunde *", "Beginn *", "Intervall *", "Menge"} <= set(labels)
    assert not [label for label in labels if "_" in label]
    assert page.locator("select[name=col_1]").input_value() == "account"  # suggested
    page.select_option("select[name=col_0]", label="Externe ID *")
    page.select_option("select[name=col_3]", label="Intervall *")
    page.select_option("select[name=col_4]", label="Beginn *")
    page.select_option("select[name=col_5]", label="Spalte ignorieren")
    placeholder = page.locator("textarea[name=values]").get_attribute("placeholder")
    assert placeholder == "interval:Monatlich=month"
    page.click("button:has-text('Datei prüfen')")

    status = page.locator("[role=status]")
    status.locator("table").wait_for()
    assert "4 Probleme gefunden: Es wurde nichts importiert" in status.inner_text()
    rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in status.locator("tbody tr").all()
    ]
    assert rows == [
        [
            "2",
            "Beginn",
            "01.01.2099",
            "Ein Abonnement kann höchstens ein Jahr nach dem heutigen Tag beginnen.",
        ],
        ["3", "Betrag", "-50", "Darf nicht negativ sein."],
        ["3", "Beginn", "01.01.0001", "Das Datum muss zwischen 1970 und 2100 liegen."],
        [
            "4",
            "Intervall",
            "fortnight",
            "Kein zulässiger Wert; erlaubt sind: month, quarter, year.",
        ],
    ]
    with workspace_scope(german_editor.id):
        assert not Subscription.objects.exists()
    assert errors == []


def test_a_new_subscription_is_saved_in_the_workspaces_currency(live_server, page, german_editor):
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/data/subscriptions/new/")
    assert page.locator("input[name=currency]").input_value() == "EUR"
    page.fill("input[name=external_id]", "S-1")
    page.select_option("select[name=account]", label="Kunde Eins")
    page.fill("input[name=amount]", "100")
    page.select_option("select[name=interval]", "month")
    page.fill("input[name=started_at]", "2025-01-01")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/new/" not in url)
    assert "zwingend erforderlich" not in page.content()
    with workspace_scope(german_editor.id):
        assert Subscription.objects.get().currency == "EUR"
    assert errors == []
