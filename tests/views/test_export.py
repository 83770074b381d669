"""A list exported as CSV imports back unchanged, and spreadsheets never run its cells."""

import pytest

from kpiapp.exports.csv_dialect import neutralise

pytestmark = pytest.mark.django_db


def _export(client, workspace, kind):
    response = client.get(f"/w/{workspace.slug}/data/{kind}/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_export_imports_back_unchanged(client_as, vera, workspace, run_import, language):
    vera.language = language
    vera.save()
    run_import("accounts", "external_id,name,channel\nA1,Alpha,Ads\nA2,Beta,\n")
    run_import(
        "deals",
        "external_id,stage,created_at,account,amount,channel,campaign\n"
        "D1,won,2025-01-01,A1,1234.5,Ads,Spring\nD2,lead,,,,,\n",
    )
    run_import(
        "subscriptions",
        "external_id,account,amount,interval,started_at,discount_percent\n"
        "S1,A1,99.99,month,2025-01-01,12.5\n",
    )
    client = client_as(vera)
    for kind in ("accounts", "deals", "subscriptions"):
        data = _export(client, workspace, kind)
        if language == "de":
            assert data.startswith("\ufeff".encode())
            assert b";" in data.splitlines()[0]
        again = run_import(kind, data)
        assert again.ok, (kind, again.errors, data)
        assert (again.created, again.updated) == (0, 0), (kind, data)
    deals = _export(client, workspace, "deals").decode("utf-8-sig")
    assert ("1234,5" if language == "de" else "1234.5") in deals


def test_formula_cells_are_neutralised(client_as, vera, workspace, scoped):
    from kpiapp.models import Account

    Account.objects.create(external_id="A1", name='=HYPERLINK("http://evil")')
    text = _export(client_as(vera), workspace, "accounts").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("Alpha") == "Alpha"


def test_an_export_holds_only_the_workspaces_own_rows(
    client_as, vera, workspace, other_workspace, run_import
):
    from kpiapp.services.imports import data_import

    run_import("accounts", "external_id,name\nMINE,Mine\n")
    data_import(
        workspace=other_workspace, kind="accounts", data=b"external_id,name\nTHEIRS,Theirs\n"
    )
    text = _export(client_as(vera), workspace, "accounts").decode()
    assert "MINE" in text
    assert "THEIRS" not in text
