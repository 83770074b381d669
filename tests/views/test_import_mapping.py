"""The import's mapping step speaks the reader's language: target fields by their labels (the
option's value keeps the technical column name), a value-mapping example that fits the kind,
empty example cells shown as empty."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from kpiapp.data_kinds import DATA_KINDS

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')


@pytest.fixture
def german(erik):
    erik.language = "de"
    erik.save()
    return erik


def _mapping_page(client, workspace, kind: str, data: bytes) -> str:
    response = client.post(
        f"/w/{workspace.slug}/data/{kind}/import/", {"file": SimpleUploadedFile("f.csv", data)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def _options(page: str) -> dict[str, str]:
    return dict(OPTION.findall(page))


def test_the_target_fields_read_as_labels_in_german(client_as, german, workspace):
    page = _mapping_page(
        client_as(german),
        workspace,
        "accounts",
        b"external_id,name,employees,created_at\nA1,Alpha,,01.02.2025\n",
    )
    options = _options(page)
    assert options["external_id"] == "Externe ID"
    assert options["name"] == "Name *"
    assert options["employees"] == "Mitarbeitende"
    assert options["created_at"] == "Angelegt am"
    assert options["-"] == "Spalte ignorieren"
    assert not [label for value, label in options.items() if value and value in label]
    # Accounts have no field with fixed values: no example from another kind.
    assert "stage:" not in page
    assert 'placeholder="' not in page.split('name="values"')[1].split(">")[0]


def test_the_value_mapping_example_fits_the_kind(client_as, german, workspace):
    client = client_as(german)
    page = _mapping_page(client, workspace, "subscriptions", b"external_id\nS1\n")
    assert 'placeholder="interval:Monatlich=month"' in page
    assert "stage:" not in page
    assert _options(page)["started_at"] == "Beginn *"
    page = _mapping_page(client, workspace, "deals", b"external_id\nD1\n")
    assert 'placeholder="stage:Closed Won=won"' in page


def test_english_labels(client_as, erik, workspace):
    page = _mapping_page(client_as(erik), workspace, "subscriptions", b"external_id\nS1\n")
    options = _options(page)
    assert options["external_id"] == "External ID *"
    assert options["started_at"] == "Start date *"
    assert options["amount"] == "Net unit price per interval *"
    assert 'placeholder="interval:Monthly=month"' in page


def test_an_empty_example_cell_is_shown_as_empty(client_as, german, workspace):
    page = _mapping_page(
        client_as(german),
        workspace,
        "accounts",
        b"name,industry,created_at\nAlpha,,01.02.2025\nBeta, ,\n",
    )
    row = page.split('for="id_col_1"')[1].split("</tr>")[0]
    assert "<code></code>" not in row
    assert row.count('<span aria-hidden="true">–</span>') == 2
    assert row.count('<span class="visually-hidden">leer</span>') == 2


@pytest.mark.parametrize("kind", sorted(DATA_KINDS))
def test_every_column_has_a_label_and_choice_fields_an_example(kind):
    from django.utils import translation

    spec = DATA_KINDS[kind].csv
    with translation.override("de"):
        labels = {f.name: str(spec.label(f.name)) for f in spec.fields}
    assert all(label and label != name for name, label in labels.items()), labels
    choices = {f.name: f.parse.choices for f in spec.fields if hasattr(f.parse, "choices")}
    example = str(spec.value_example)
    if not choices:
        assert example == ""
    else:
        field, _sep, rest = example.partition(":")
        assert field in choices and rest.rpartition("=")[2] in choices[field]


def test_a_required_field_left_unmapped_is_named_by_its_label(
    client_as, german, workspace, django_capture_on_commit_callbacks
):
    client = client_as(german)
    response = client.post(
        f"/w/{workspace.slug}/data/subscriptions/import/",
        {"file": SimpleUploadedFile("f.csv", b"Vertrag,Kunde\nS1,A1\n")},
    )
    job_url = response["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url, {"col_0": "external_id", "col_1": "account", "values": ""})
    page = client.get(job_url).content.decode()
    assert (
        "Es fehlen Pflichtspalten: Netto-Stückpreis je Intervall (amount), Intervall (interval), "
        "Beginn (started_at)." in page
    ), page[page.find("<h1>") : page.find("<h1>") + 3000]
