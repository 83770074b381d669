"""Every malformed file gets a clear message and changes nothing (PRODUCT.md: all or nothing)."""

import pytest

from kpiapp.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    Lead,
    Subscription,
    Touchpoint,
    Traffic,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = "external_id,name,country\nA1,Alpha GmbH,DE\nA2,Beta AG,AT\n"


def counts():
    return (
        Account.objects.count(),
        Deal.objects.count(),
        Subscription.objects.count(),
        Lead.objects.count(),
        Channel.objects.count(),
        Campaign.objects.count(),
        Traffic.objects.count(),
        Touchpoint.objects.count(),
    )


@pytest.fixture
def with_accounts(run_import, scoped):
    assert run_import("accounts", ACCOUNTS).ok
    return scoped


def assert_refused(result, *fragments, line=None):
    assert not result.ok
    text = "\n".join(str(e) for e in result.errors)
    for fragment in fragments:
        assert fragment in text, text
    if line is not None:
        assert any(e.line == line for e in result.errors), text


@pytest.mark.parametrize(
    ("kind", "content", "fragments"),
    [
        ("accounts", "name\nMüller GmbH\n".encode("latin-1"), ["not UTF-8", "line 2"]),
        ("accounts", b"", ["empty"]),
        ("accounts", b"\n\n", ["empty"]),
        ("accounts", "name,country\n", ["no rows"]),
        ("accounts", "A1,Alpha GmbH,DE\nA2,Beta AG,AT\n", ["Unknown columns", "“A1”", "--map"]),
        ("accounts", "name,colour\nAlpha,blue\n", ["Unknown columns: “colour”"]),
        ("accounts", "name,name\nA,B\n", ["column twice"]),
        ("accounts", "country\nDE\n", ["Required columns are missing: Name (name)"]),
        (
            "deals",
            "external_id,stage,created_at\nD1,won,2025-02-30\n",
            ["line 2", "created_at", "Not a real date"],
        ),
        ("deals", "external_id,stage,created_at\nD1,won,03/15/2025\n", ["YYYY-MM-DD"]),
        (
            "deals",
            "external_id,stage,created_at,amount\nD1,won,2025-03-01,-100\n",
            ["amount", "Must not be negative"],
        ),
        (
            "deals",
            'external_id,stage,created_at,amount\nD1,won,2025-03-01,"1,5"\n',
            ["decimal comma only in semicolon"],
        ),
        (
            "deals",
            "external_id,stage,created_at,amount\nD1,won,2025-03-01,10.005\n",
            ["at most two decimals"],
        ),
        ("deals", "external_id,stage\nD1,Engaging\n", ["Not one of", "negotiation"]),
        (
            "deals",
            "external_id,stage,created_at,account\nD1,won,2025-01-01,Nobody Inc\n",
            ["No such account", "Nobody Inc"],
        ),
        (
            "deals",
            "external_id,stage,created_at\nD1,won,2025-01-01\nD1,lost,2025-01-02\n",
            ["line 3", "same record as on line 2"],
        ),
        ("deals", "external_id,stage\nD1,won\n", ["created_at", "Required unless"]),
        (
            "deals",
            "external_id,stage,created_at,closed_at\nD1,won,2025-03-01,2025-02-01\n",
            ["closed_at", "The deal was closed before it was created."],
        ),
        ("accounts", "name\n=cmd|' /C calc'!A0\n", ["formula", "“=”"]),
        ("accounts", "name\n@SUM(1+1)\n", ["formula"]),
        ("accounts", "name,country\nAlpha,Atlantis\n", ["country", "Not a country"]),
        ("accounts", 'name,industry\nAlpha,"unterminated\n', ["not valid CSV"]),
        ("accounts", "name,industry\nAlpha,IT,extra\n", ["3 cells", "2 columns"]),
        (
            "leads",
            "external_id,created_at,qualified_at\nL1,2025-03-10,2025-03-01\n",
            ["qualified_at", "Is before the day the lead was created."],
        ),
        (
            "subscriptions",
            "external_id,account,amount,interval,started_at,ended_at\n"
            "S1,A1,10,month,2025-03-01,2025-02-01\n",
            ["ended_at", "The end lies before the start."],
        ),
        (
            "subscriptions",
            "external_id,account,amount,interval,started_at\nS1,A1,10,fortnight,2025-03-01\n",
            ["interval", "Not one of"],
        ),
        ("nps", "account,responded_at,score\nA1,2025-01-01,11\n", ["0 to 10"]),
        ("traffic", "date,month,channel,visits\n2025-01-01,2025-01,Ads,3\n", ["exactly one"]),
        ("traffic", "month,channel,visits\n2025-01-15,Ads,3\n", ["first day of the month"]),
        ("exchange_rates", "month,currency,rate\n2025-01,USD,0\n", ["greater than 0"]),
        ("exchange_rates", "month,currency,rate\n2025-01,XYZ,1.1\n", ["ISO 4217"]),
        ("custom_kpi_values", "kpi,month,value\ncustom_x,2025-01,3\n", ["No such custom KPI"]),
        # More touchpoint files in test_touchpoint_bad_input.py (they need a lead).
        (
            "touchpoints",
            "lead,occurred_at,channel,type\nL404,2025-01-03,Ads,visit\n",
            ["No such lead", "L404"],
        ),
        (
            "touchpoints",
            "account,occurred_at,channel,type\nA404,2025-01-03,New Channel,visit\n",
            ["No such account", "A404"],
        ),
        (
            "touchpoints",
            "account,occurred_at,channel,type\nA1,2025-01-03,Ads,fax\n",
            ["Not one of"],
        ),
        (
            "touchpoints",
            "occurred_at,channel,type\n2025-01-03,Ads,visit\n",
            ["the lead or the account"],
        ),
        # Implausible values (kpiapp/plausibility.py), each on its line and column.
        (
            "deals",
            "external_id,stage,created_at,closed_at\nD1,won,2025-03-01,2098-01-01\n",
            ["line 2", "closed_at", "This date lies in the future"],
        ),
        (
            "accounts",
            "external_id,name,created_at\nA9,Zukunft GmbH,2098-01-01\n",
            ["line 2", "created_at", "This date lies in the future"],
        ),
        (
            "subscriptions",
            "external_id,account,amount,interval,started_at\nS1,A1,10,month,2098-01-01\n",
            ["started_at", "at most one year from today"],
        ),
        (
            "subscriptions",
            "external_id,account,amount,interval,quantity,started_at\n"
            "S1,A1,10,month,2000000,2025-03-01\n",
            ["quantity", "Must be at most 1,000,000."],
        ),
        (
            "deals",
            "external_id,stage,created_at,amount\nD1,won,2025-03-01,2000000000\n",
            ["amount", "Must be at most 1,000,000,000."],
        ),
        (
            "accounts",
            "external_id,name,employees\nA9,Riesig AG,20000000\n",
            ["employees", "Must be at most 10,000,000."],
        ),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_nothing_changes(
    run_import, with_accounts, kind, content, fragments
):
    before = counts()
    result = run_import(kind, content)
    assert_refused(result, *fragments)
    assert counts() == before


def test_one_bad_row_among_good_ones_imports_nothing_and_lists_every_error(run_import, scoped):
    content = "external_id,name,employees\nA1,Alpha,10\nA2,Beta,many\nA3,Gamma,-1\nA4,Delta,20\n"
    result = run_import("accounts", content)
    assert_refused(result, "line 3", "employees", "“many”", "line 4", "“-1”")
    assert len(result.errors) == 2
    assert Account.objects.count() == 0


def test_a_file_over_20_mb_is_refused_before_reading(run_import, scoped):
    big = b"name\n" + b"x" * (20 * 1024 * 1024)
    assert_refused(run_import("accounts", big), "at most 20 MB")
    assert Account.objects.count() == 0


def test_an_ambiguous_account_name_is_an_error(run_import, scoped):
    run_import("accounts", "external_id,name\nA1,Twin\nA2,Twin\n")
    result = run_import("deals", "external_id,stage,created_at,account\nD1,won,2025-01-01,Twin\n")
    assert_refused(result, "Several accounts", "external ID")
    assert Deal.objects.count() == 0


def test_a_campaign_belongs_to_one_channel(run_import, scoped):
    assert run_import(
        "leads", "external_id,created_at,channel,campaign\nL1,2025-01-01,Paid Ads,Spring\n"
    ).ok
    result = run_import(
        "leads", "external_id,created_at,channel,campaign\nL2,2025-01-02,Events,spring\n"
    )
    assert_refused(result, "belongs to the channel", "paid ads")
    new_campaign = run_import("leads", "external_id,created_at,campaign\nL3,2025-01-03,Autumn\n")
    assert_refused(new_campaign, "new campaign needs a channel")
    assert Lead.objects.count() == 1


def test_a_month_of_traffic_is_counted_one_way_only(run_import, scoped):
    assert run_import("traffic", "month,channel,visits\n2025-01,Ads,300\n").ok
    result = run_import("traffic", "date,channel,visits\n2025-01-05,Ads,10\n")
    assert_refused(result, "other grain")
    assert Traffic.objects.count() == 1


def test_bad_options_are_explained(run_import, scoped):
    result = run_import("accounts", "Firma\nAlpha\n", maps=["Firma=colour"])
    assert_refused(result, "“Firma” is mapped to “colour”")
