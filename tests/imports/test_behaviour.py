"""What an import does with good files: formats, keys, upserts, histories, presets, options."""

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest

from kpiapp.models import (
    Account,
    Campaign,
    Channel,
    CustomKpi,
    CustomKpiValue,
    Deal,
    DealStageChange,
    ExchangeRate,
    Lead,
    NpsResponse,
    Spend,
    Subscription,
    Traffic,
    Usage,
)

pytestmark = pytest.mark.django_db


def test_a_german_excel_file_bom_semicolons_decimal_comma_and_dates(run_import, scoped):
    content = (
        "\ufeffexternal_id;account;amount;interval;started_at;discount_percent\r\n"
        "S1;A1;1.234,50;Jahr;01.03.2025;12,5\r\n"
    )
    run_import("accounts", "external_id,name\nA1,Alpha\n")
    result = run_import("subscriptions", content.encode("utf-8"), values=["interval:Jahr=year"])
    assert result.ok, result.errors
    sub = Subscription.objects.get()
    assert (sub.amount_cents, sub.interval, sub.started_at, sub.discount_percent) == (
        123450,
        "year",
        date(2025, 3, 1),
        Decimal("12.50"),
    )
    assert sub.currency == "EUR"  # the workspace's
    assert sub.quantity == 1


def test_reimport_replaces_changed_records_and_keeps_the_rest(run_import, scoped):
    run_import("accounts", "external_id,name,country\nA1,Alpha,DE\nA2,Beta,AT\n")
    result = run_import(
        "accounts", "external_id,name,country\nA1,Alpha,CH\nA2,Beta,AT\nA3,Gamma,UK\n"
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert dict(Account.objects.values_list("external_id", "country")) == {
        "A1": "CH",
        "A2": "AT",
        "A3": "GB",
    }


def test_accounts_default_their_external_id_to_the_name(run_import, scoped):
    run_import("accounts", "name\nAlpha GmbH\n")
    assert Account.objects.get().external_id == "Alpha GmbH"


def test_a_stage_change_is_recorded_with_who_and_from_to(run_import, scoped, alice):
    from kpiapp.services.imports import data_import

    run_import("deals", "external_id,stage,created_at\nD1,demo,2025-01-01\nD2,lead,\n")
    result = data_import(
        workspace=scoped,
        kind="deals",
        user=alice,
        data=b"external_id,stage,created_at\nD1,won,2025-01-01\nD2,lead,\n",
    )
    assert (result.updated, result.unchanged) == (1, 1)
    change = DealStageChange.objects.get()
    assert (change.deal.external_id, change.from_stage, change.to_stage, change.changed_by) == (
        "D1",
        "demo",
        "won",
        alice,
    )


def test_a_later_subscription_row_ends_the_previous_one(run_import, scoped):
    run_import("accounts", "external_id,name\nA1,Alpha\n")
    head = "external_id,account,plan,amount,interval,started_at,ended_at\n"
    run_import("subscriptions", head + "S1,A1,Basic,100,month,2025-01-01,\n")
    result = run_import("subscriptions", head + "S1,A1,Pro,250,month,2025-03-15,\n")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)  # the new row, and the old one's end
    rows = list(Subscription.objects.order_by("started_at").values_list("plan", "ended_at"))
    assert rows == [("Basic", date(2025, 3, 15)), ("Pro", None)]
    # Importing both rows again changes nothing.
    again = run_import(
        "subscriptions",
        head + "S1,A1,Basic,100,month,2025-01-01,\nS1,A1,Pro,250,month,2025-03-15,\n",
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_channels_and_campaigns_match_loosely_and_are_created_once(run_import, scoped):
    result = run_import(
        "leads",
        "external_id,created_at,channel,campaign\n"
        "L1,2025-01-01,Paid  Ads,Spring Sale\n"
        "L2,2025-01-02,paid ads,spring sale\n"
        "L3,2025-01-03,,SPRING SALE\n",
    )
    assert result.ok, result.errors
    assert list(Channel.objects.values_list("name", flat=True)) == ["Paid  Ads"]
    campaign = Campaign.objects.get()
    assert campaign.channel.key == "paid ads"
    assert set(Lead.objects.values_list("campaign", "channel")) == {
        (campaign.id, campaign.channel_id)
    }


def test_every_other_kind_imports(run_import, scoped):
    CustomKpi.objects.create(
        key="custom_audit_pass_rate",
        name="Audit pass rate",
        unit="percent",
        direction="up",
        aggregation="mean",
    )
    run_import("accounts", "external_id,name\nA1,Alpha\n")
    files = {
        "traffic": "date,channel,visits\n2025-01-01,Organic,120\n2025-01-02,Organic,80\n",
        "spend": "month,channel,category,amount,currency\n2025-01,Organic,marketing,500,EUR\n"
        "2025-01,,sales,9000,EUR\n",
        "nps": "account,responded_at,score,comment\nA1,2025-01-10,9,Great\nA1,2025-02-10,6,\n",
        "usage": "account,month,active_users,seats,key_actions,first_value_at\n"
        "A1,2025-01,8,10,300,2025-01-05\n",
        "exchange_rates": "month,currency,rate\n2025-01,USD,0.92\n",
        "custom_kpi_values": "kpi,month,value\ncustom_audit_pass_rate,2025-01,0.97\n"
        "Audit pass rate,2025-02-01,0.99\n",
    }
    for kind, content in files.items():
        first = run_import(kind, content)
        assert first.ok, (kind, first.errors)
        again = run_import(kind, content)
        assert again.created == again.updated == 0, kind
    assert Traffic.objects.filter(month=date(2025, 1, 1)).count() == 2
    assert Spend.objects.filter(channel=None).get().amount_cents == 900_000
    assert NpsResponse.objects.count() == 2
    assert Usage.objects.get().first_value_at == date(2025, 1, 5)
    assert ExchangeRate.objects.get().rate == Decimal("0.92")
    assert CustomKpiValue.objects.count() == 2


def test_a_dry_run_counts_and_writes_nothing(run_import, scoped):
    result = run_import(
        "leads", "external_id,created_at,channel\nL1,2025-01-01,Events\n", dry_run=True
    )
    assert (result.ok, result.created) == (True, 1)
    assert Lead.objects.count() == Channel.objects.count() == 0


def test_hubspot_and_stripe_presets(run_import, scoped):
    hubspot = (
        "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Deal owner,"
        "Pipeline,Deal Type\n"
        "901,Acme renewal,closedwon,1200.00,2025-01-03 10:15,2025-02-01 09:00,Jana,"
        "default,newbusiness\n"
        "902,Beta,presentationscheduled,,2025-02-10 08:00,,Jana,default,"
        "existingbusiness\n"
    )
    result = run_import("deals", hubspot, preset="hubspot-deals")
    assert result.ok, result.errors
    assert dict(Deal.objects.values_list("external_id", "stage")) == {"901": "won", "902": "demo"}
    assert Deal.objects.get(external_id="902").kind == "expansion"
    run_import("accounts", "external_id,name\ncus_123,Acme\n")
    stripe = (
        "id,Customer ID,Customer Email,Plan,Quantity,Interval,Amount,Currency,Status,"
        "Start Date (UTC),Trial End (UTC),Canceled At (UTC),Ended At (UTC)\n"
        "sub_1,cus_123,a@acme.example,Pro,3,month,49.00,usd,active,"
        "2025-01-05 12:00,,,\n"
    )
    result = run_import("subscriptions", stripe, preset="stripe-subscriptions")
    assert result.ok, result.errors
    sub = Subscription.objects.get()
    assert (sub.quantity, sub.amount_cents, sub.currency) == (3, 4900, "USD")


def test_import_csv_command(tmp_path: Path, workspace, scoped):
    path = tmp_path / "deals.csv"
    command = [
        "import_csv",
        str(path),
        "--workspace",
        workspace.slug,
        "--kind",
        "deals",
        "--map",
        "Opportunity=external_id",
        "--map",
        "Phase=stage",
        "--map",
        "Start=created_at",
    ]
    path.write_text("Opportunity,Phase,Start\nO1,Engaging,2025-01-01\nO2,Won,2025-01-02\n")
    out = StringIO()
    call_command(*command, "--value", "stage:Engaging=demo", "--value", "stage:Won=won", stdout=out)
    assert "2 new" in out.getvalue()
    assert dict(Deal.objects.values_list("external_id", "stage")) == {"O1": "demo", "O2": "won"}
    path.write_text("Opportunity,Phase,Start\nO3,Maybe,2025-01-01\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(*command, stdout=StringIO(), stderr=err)
    assert "line 2" in err.getvalue()
    assert "“Maybe”" in err.getvalue()
    assert Deal.objects.count() == 2


@pytest.mark.parametrize(
    ("raw", "decimal_comma", "expected"),
    [
        ("12", False, 1200),
        ("12.5", False, 1250),
        ("12.05", False, 1205),
        ("0.99", False, 99),
        (" 7 ", False, 700),
        ("1.234,56", True, 123456),
        ("1234,5", True, 123450),
        ("1e3", False, 100000),
        ("１２", False, 1200),
        ("12.345", False, None),
        ("-1", False, None),
        ("1,5", False, None),
        ("", False, None),
    ],
)
def test_money_cells_become_exact_cents(raw, decimal_comma, expected):
    from zoneinfo import ZoneInfo

    from kpiapp.imports.values import CellContext, CellError, cents

    ctx = CellContext(decimal_comma=decimal_comma, time_zone=ZoneInfo("UTC"), currency="EUR")
    if expected is None:
        with pytest.raises(CellError):
            cents(raw, ctx)
    else:
        assert cents(raw, ctx) == expected
