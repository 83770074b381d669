"""The `touchpoints` CSV kind (PRODUCT.md, CSV kinds): a lead's or an account's contacts."""

from datetime import date

import pytest

from kpiapp.exports.records import export_csv_lines, export_queryset
from kpiapp.models import Channel, Touchpoint

pytestmark = pytest.mark.django_db

JOURNEY = (
    "lead,account,occurred_at,channel,campaign,type\n"
    "L1,,2025-01-03,Paid Ads,Frühjahr,ad_click\n"
    "L1,,2025-01-10,Webinar,,Webinar\n"
    ",A1,2025-02-01,Sales,,demo\n"
)


@pytest.fixture
def people(run_import, scoped):
    assert run_import("accounts", "external_id,name\nA1,Alpha GmbH\n").ok
    assert run_import("leads", "external_id,created_at,account\nL1,2025-01-05,A1\n").ok
    return scoped


def test_a_journey_imports_with_its_lead_account_channels_and_types(run_import, people):
    result = run_import("touchpoints", JOURNEY)
    assert result.ok, result.errors
    assert result.created == 3
    rows = list(Touchpoint.objects.order_by("occurred_at"))
    assert [(t.lead and t.lead.external_id, t.account and t.account.external_id) for t in rows] == [
        ("L1", None),
        ("L1", None),
        (None, "A1"),
    ]
    assert [t.type for t in rows] == ["ad_click", "webinar", "demo"]
    assert rows[0].campaign.name == "Frühjahr" and rows[0].campaign.channel.name == "Paid Ads"
    assert Channel.objects.filter(name="Sales").exists()  # unknown channels are created
    # A contact before the lead signed up is valid (the ad click came first).
    assert rows[0].occurred_at == date(2025, 1, 3) < rows[0].lead.created_at


def test_a_re_import_without_external_ids_changes_nothing(run_import, people):
    assert run_import("touchpoints", JOURNEY).created == 3
    again = run_import("touchpoints", JOURNEY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Touchpoint.objects.count() == 3


def test_an_external_id_is_the_key_when_there_is_one(run_import, people):
    first = "external_id,lead,occurred_at,channel,type\nT1,L1,2025-01-03,Ads,visit\n"
    assert run_import("touchpoints", first).created == 1
    moved = "external_id,lead,occurred_at,channel,type\nT1,L1,2025-01-04,Ads,email\n"
    result = run_import("touchpoints", moved)
    assert (result.created, result.updated) == (0, 1)
    (touchpoint,) = Touchpoint.objects.all()
    assert (touchpoint.occurred_at, touchpoint.type) == (date(2025, 1, 4), "email")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("L404,,2025-01-03,Ads,visit", "lead", "No such lead"),
        (",A404,2025-01-03,Ads,visit", "account", "No such account"),
        (",,2025-01-03,Ads,visit", "lead", "Name the lead or the account"),
        ("L1,A1,2025-01-03,Ads,visit", "account", "not both"),
        ("L1,,2025-01-03,,visit", "channel", "Required."),
        ("L1,,2025-01-03,Ads,fax", "type", "Not one of"),
        ("L1,,2031-01-03,Ads,visit", "occurred_at", "future"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_imported(run_import, people, row, column, message):
    content = "lead,account,occurred_at,channel,type\nL1,,2025-01-02,Ads,visit\n" + row + "\n"
    result = run_import("touchpoints", content)
    problems = [(e.line, e.column, e.message) for e in result.errors]
    assert [(line, col) for line, col, _ in problems] == [(3, column)], problems
    assert message.lower() in problems[0][2].lower()
    assert Touchpoint.objects.count() == 0  # all or nothing: the good first row is not kept


def test_an_export_imports_back_unchanged(run_import, people, workspace):
    assert run_import("touchpoints", JOURNEY).ok
    text = "".join(export_csv_lines("touchpoints", export_queryset("touchpoints"), language="en"))
    assert text.splitlines()[0] == "external_id,lead,account,occurred_at,channel,campaign,type"
    again = run_import("touchpoints", text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), again.errors
