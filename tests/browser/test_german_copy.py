"""In a real browser, in German and in English: an accounts file with German headers
("Kundennummer", "Firma", "Land", "Mitarbeiter", "Angelegt am") is mapped by itself, its
"Deutschland" and "Österreich" are accepted and stored as DE and AT; a deal marked won with a
close date next year is refused with the message beside the field, and nothing is stored."""

from datetime import timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Deal
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Kundennummer;Firma;Land;Mitarbeiter;Angelegt am\n"
    "K-1;Muster GmbH;Deutschland;120;15.03.2024\n"
    "K-2;Alpen AG;Österreich;40;01.02.2025\n"
).encode()

WORDS = {
    "de": {
        "upload": "Hochladen und weiter",
        "check": "Datei prüfen",
        "valid": "Alle 2 Zeilen sind gültig",
        "import": "Jetzt importieren",
        "done": "Importiert",
        "labels": ["Externe ID", "Name *", "Land", "Mitarbeitende", "Angelegt am"],
        "future": "Dieses Datum liegt in der Zukunft; geben Sie den Tag an, an dem es geschah.",
    },
    "en": {
        "upload": "Upload and continue",
        "check": "Check the file",
        "valid": "All 2 rows are valid",
        "import": "Import now",
        "done": "Imported",
        "labels": ["External ID", "Name *", "Country", "Employees", "Created on"],
        "future": "This date lies in the future; enter the day it happened.",
    },
}


@pytest.fixture(params=["de", "en"])
def editor(request):
    user = make_user("lea@example.com", "Lea Lead")
    user.language = request.param
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    return workspace, WORDS[request.param]


def _script_errors(errors: list[str]) -> list[str]:
    # A refused form answers 400, which Chromium logs as a failed load; nothing else may.
    return [e for e in errors if "status of 400" not in e]


def test_german_headers_and_country_names_are_mapped_and_imported(live_server, page, editor):
    workspace, words = editor
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/data/accounts/import/")
    page.wait_for_load_state("load")
    page.set_input_files(
        "input[name=file]", files=[{"name": "firmen.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.click(f"button:has-text('{words['upload']}')")

    page.locator("select[name=col_0]").wait_for()
    chosen = [
        page.locator(f"select[name=col_{i}] option:checked").inner_text().strip() for i in range(5)
    ]
    assert chosen == words["labels"]  # suggested from the German headers, labelled in words
    options = page.locator("select[name=col_0] option").all_inner_texts()
    assert not [label for label in options if "_" in label]
    page.click(f"button:has-text('{words['check']}')")

    status = page.locator("[role=status]")
    status.wait_for()
    assert words["valid"] in status.inner_text()
    page.click(f"button:has-text('{words['import']}')")
    page.locator("h2", has_text=words["done"]).wait_for()
    with workspace_scope(workspace.id):
        stored = dict(Account.objects.values_list("external_id", "country"))
    assert stored == {"K-1": "DE", "K-2": "AT"}
    assert _script_errors(errors) == []


def test_a_won_deal_closing_next_year_is_refused_beside_the_field(live_server, page, editor):
    workspace, words = editor
    closes = today_in(workspace.time_zone) + timedelta(days=400)
    errors = sign_in(page, live_server.url, "lea@example.com")
    page.goto(f"{live_server.url}/w/acme/data/deals/new/")
    page.wait_for_load_state("load")
    page.fill("input[name=external_id]", "D-1")
    page.select_option("select[name=stage]", "won")
    page.fill("input[name=created_at]", "2025-01-10")
    page.fill("input[name=closed_at]", closes.isoformat())
    page.click("main button[type=submit]")

    field = page.locator(".field.has-error", has=page.locator("input[name=closed_at]"))
    field.wait_for()
    assert field.locator(".field-errors").inner_text() == words["future"]
    assert page.locator("input[name=closed_at]").input_value() == closes.isoformat()
    assert page.locator(".field.has-error").count() == 1  # only the close date
    with workspace_scope(workspace.id):
        assert not Deal.objects.exists()
    assert _script_errors(errors) == []
