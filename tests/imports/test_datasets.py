"""The two public data sets import through the generic importer with their presets."""

import csv
import io
from collections import Counter
from datetime import date

import pytest

from kpiapp.models import Account, Channel, Deal, DealStageChange, Subscription
from tests.imports.conftest import dataset

pytestmark = pytest.mark.django_db


def test_maven_accounts_then_deals(run_import, scoped):
    scoped.currency = "USD"  # the source's amounts are US dollars
    scoped.save()
    accounts = run_import(
        "accounts", dataset("maven-crm-sales-opportunities", "accounts.csv"), preset="maven-crm"
    )
    assert accounts.ok, accounts.errors
    assert accounts.created == 85
    assert Account.objects.get(name="Acme Corporation").industry == "technolgy"  # as given
    assert Account.objects.get(external_id="Acme Corporation").country == "US"
    countries = Counter(Account.objects.values_list("country", flat=True))
    assert countries["US"] == 71
    assert countries["PH"] == 1  # "Philipines" in the source
    assert countries["KR"] == 1  # "Korea"

    raw = dataset("maven-crm-sales-opportunities", "sales_pipeline.csv")
    deals = run_import("deals", raw, preset="maven-crm")
    assert deals.ok, deals.errors[:5]
    assert deals.created == 8800

    source = list(csv.DictReader(io.StringIO(raw.decode())))
    stages = Counter(Deal.objects.values_list("stage", flat=True))
    expected = Counter(
        {"Won": "won", "Lost": "lost", "Engaging": "demo", "Prospecting": "lead"}[r["deal_stage"]]
        for r in source
    )
    assert stages == expected == Counter(won=4238, lost=2473, demo=1589, lead=500)
    won_total = sum(int(r["close_value"]) for r in source if r["deal_stage"] == "Won")
    assert (
        sum(Deal.objects.filter(stage="won").values_list("amount_cents", flat=True))
        == (won_total * 100)
        == 1_000_553_400
    )

    first = Deal.objects.select_related("account").get(external_id="1C1I7A6R")
    assert (first.owner, first.name, first.account.name) == (
        "Moses Frase",
        "GTX Plus Basic",
        "Cancity",
    )
    assert (first.created_at, first.closed_at, first.amount_cents) == (
        date(2016, 10, 20),
        date(2017, 3, 1),
        105_400,
    )
    assert first.currency == "USD"
    # Prospecting rows have no engage date and no account: a lead-stage deal without either.
    assert Deal.objects.filter(stage="lead", created_at=None).count() == 500
    assert Deal.objects.filter(account=None).count() == 1425
    assert DealStageChange.objects.count() == 0  # a history starts with the first change


def test_reimporting_maven_changes_nothing(run_import, scoped):
    run_import(
        "accounts", dataset("maven-crm-sales-opportunities", "accounts.csv"), preset="maven-crm"
    )
    raw = dataset("maven-crm-sales-opportunities", "sales_pipeline.csv")
    run_import("deals", raw, preset="maven-crm")
    again = run_import("deals", raw, preset="maven-crm")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8800)
    assert DealStageChange.objects.count() == 0


def test_ravenstack_accounts_and_subscriptions_as_line_items(run_import, scoped):
    accounts = run_import(
        "accounts", dataset("ravenstack-saas", "ravenstack_accounts.csv"), preset="ravenstack"
    )
    assert accounts.ok, accounts.errors[:5]
    assert accounts.created == 500
    assert set(Channel.objects.values_list("name", flat=True)) == {
        "organic",
        "ads",
        "event",
        "partner",
        "other",
    }
    assert Account.objects.filter(country="GB").count() == 58  # "UK" in the source

    raw = dataset("ravenstack-saas", "ravenstack_subscriptions.csv")
    subs = run_import("subscriptions", raw, preset="ravenstack")
    assert subs.ok, subs.errors[:5]
    assert subs.created == 5000
    source = list(csv.DictReader(io.StringIO(raw.decode())))
    assert Subscription.objects.filter(interval="month", quantity=1).count() == 5000
    assert sum(Subscription.objects.values_list("amount_cents", flat=True)) == 100 * sum(
        int(r["mrr_amount"]) for r in source
    )
    assert Subscription.objects.filter(ended_at__isnull=False).count() == 486
    zero_length = Subscription.objects.get(external_id="S-4f0027")
    assert zero_length.started_at == zero_length.ended_at == date(2024, 12, 31)
    again = run_import("subscriptions", raw, preset="ravenstack")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5000)
