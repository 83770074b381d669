"""KPIS.md, Currencies: a missing exchange rate makes only the values that need it undefined,
and the reason names the currency and the month. Golden values, hand-computed to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import account, fx, rebuild, sub, undefined, val

pytestmark = pytest.mark.django_db

NO_CHF_MARCH = "no exchange rate for CHF 2025-03"


@pytest.fixture
def franken(ws, run_import):
    """The issue's smallest case: a euro customer who moves down a plan in March, and a Swiss
    customer on a yearly plan whose rate for March is missing."""
    assert run_import(
        "accounts",
        "external_id,name,country,channel\nE1,Euro GmbH,DE,inbound\nC1,Franken AG,CH,partner\n",
    ).ok
    assert run_import(
        "subscriptions",
        "external_id,account,plan,amount,currency,interval,started_at,ended_at\n"
        "S1,E1,Team,180.00,EUR,month,2025-01-01,\n"
        "S1,E1,Starter,90.00,EUR,month,2025-03-15,\n"
        "S2,C1,Business,1200.00,CHF,year,2025-01-10,\n",
    ).ok
    assert run_import(
        "exchange_rates",
        "month,currency,rate\n2025-01,CHF,1.04\n2025-02,CHF,1.05\n2025-04,CHF,1.06\n",
    ).ok
    rebuild(ws)
    return ws


def test_a_total_state_needs_every_rate_it_converts(franken):
    assert undefined("mrr", "2025-03") == NO_CHF_MARCH
    assert undefined("arr", "2025-03") == NO_CHF_MARCH
    assert undefined("arpa", "2025-03") == NO_CHF_MARCH
    assert undefined("mrr", "2025-Q1") == NO_CHF_MARCH  # a quarter's state: its last month
    # C1: 1,200 CHF a year = 100 CHF a month; E1 pays 90 € since 15 March
    assert val("mrr", "2025-02") == Decimal("285.00")  # 180 + 100 × 1.05
    assert val("mrr", "2025-04") == Decimal("196.00")  # 90 + 100 × 1.06
    assert val("customers_active", "2025-03") == 2  # counts never need a rate


def test_a_breakdown_value_needs_only_its_own_rows_rates(franken):
    assert val("mrr", "2025-03", "country", "DE") == Decimal("90.00")
    assert val("mrr", "2025-03", "channel", "inbound") == Decimal("90.00")
    assert val("mrr", "2025-03", "plan", "Starter") == Decimal("90.00")
    assert val("mrr", "2025-Q1", "country", "DE") == Decimal("90.00")
    assert undefined("mrr", "2025-03", "country", "CH") == NO_CHF_MARCH
    assert undefined("mrr", "2025-03", "plan", "Business") == NO_CHF_MARCH


def test_each_movement_needs_the_rates_of_the_accounts_that_moved(franken):
    # Only E1 moved in March, in euros: C1's MRR in francs did not change.
    assert val("mrr_contraction", "2025-03") == Decimal("90.00")
    assert val("mrr_net_new", "2025-03") == Decimal("-90.00")
    for flow in ("mrr_new", "mrr_reactivation", "mrr_expansion", "mrr_churn"):
        assert val(flow, "2025-03") == Decimal("0"), flow
    assert val("quick_ratio", "2025-03") == Decimal("0")  # no gains over 90 of losses
    # By plan a plan change is churn in one and new in the other.
    assert val("mrr_churn", "2025-03", "plan", "Team") == Decimal("180.00")
    assert val("mrr_new", "2025-03", "plan", "Starter") == Decimal("90.00")
    # The quarter sums its months: January 180 + 104 (100 CHF × 1.04) new, March −90.
    assert val("mrr_net_new", "2025-Q1") == Decimal("194.00")
    assert val("mrr_contraction", "2025-Q1") == Decimal("90.00")


def test_a_movement_of_an_account_in_the_missing_currency_is_undefined(ws):
    c1 = account(country="CH")
    sub(c1, "2025-01-10", amount="100.00", currency="CHF", ended="2025-03-20")
    sub(account(country="DE"), "2025-01-01", amount="50.00")
    fx("2025-01-01", "CHF", "1.04")
    fx("2025-02-01", "CHF", "1.05")
    rebuild(ws)
    # March: C1 leaves; its churn is its MRR at March's rate, which is missing.
    assert undefined("mrr_churn", "2025-03") == NO_CHF_MARCH
    assert undefined("mrr_net_new", "2025-03") == NO_CHF_MARCH
    assert undefined("mrr_net_new", "2025-Q1") == NO_CHF_MARCH
    assert undefined("quick_ratio", "2025-03") == NO_CHF_MARCH
    assert val("mrr_net_new", "2025-03", "country", "DE") == Decimal("0")
    # At its end C1 holds no MRR: the month's total needs no franc rate.
    assert val("mrr", "2025-03") == Decimal("50.00")
    assert val("customers_churned", "2025-03") == 1


def test_rates_of_kpis_are_undefined_only_where_their_parts_are(franken):
    # April to June: two ends at June's rates, and June has no CHF rate.
    assert val("nrr", "2025-Q2", "channel", "inbound") == Decimal("1")
    assert val("mrr_churn_rate", "2025-Q2", "country", "DE") == Decimal("0")
    assert undefined("nrr", "2025-Q2") == "no exchange rate for CHF 2025-06"
    assert undefined("nrr", "2025-Q2", "channel", "partner") == "no exchange rate for CHF 2025-06"
    # March alone: inbound went from 180 to 90.
    assert val("nrr", "2025-03", "channel", "inbound") == Decimal("0.5")
    assert val("grr", "2025-03", "channel", "inbound") == Decimal("0.5")
    assert undefined("nrr", "2025-03") == NO_CHF_MARCH
    assert val("customer_churn_rate", "2025-03") == Decimal("0")
    # Growth compares two month-end totals: March's is undefined, so is the growth.
    assert undefined("mrr_growth_rate", "2025-03") == NO_CHF_MARCH
    assert val("mrr_growth_rate", "2025-03", "country", "DE") == Decimal("-0.5")


def test_fx_impact_needs_this_and_last_months_rates_of_the_rows_it_revalues(franken):
    assert val("mrr_fx_impact", "2025-02") == Decimal("1.00")  # 100 CHF × (1.05 − 1.04)
    assert undefined("mrr_fx_impact", "2025-03") == NO_CHF_MARCH
    assert undefined("mrr_fx_impact", "2025-04") == NO_CHF_MARCH  # March is last month
    assert undefined("mrr_fx_impact", "2025-Q1") == NO_CHF_MARCH
    assert val("mrr_fx_impact", "2025-03", "country", "DE") == Decimal("0")
    assert val("mrr_fx_impact", "2025-04", "channel", "inbound") == Decimal("0")


def test_trial_rows_and_rows_not_active_need_no_rate(ws):
    de = account(country="DE")
    sub(de, "2025-01-01", amount="80.00")
    ch = account(country="CH")
    sub(ch, "2025-02-20", amount="100.00", currency="CHF", trial_ends="2025-04-10")
    later = account(country="AT")
    sub(later, "2025-06-01", amount="30.00", currency="CHF")  # not yet active in March
    rebuild(ws)  # no CHF rate at all
    assert val("mrr", "2025-03") == Decimal("80.00")
    assert val("mrr_net_new", "2025-03") == Decimal("0")
    assert val("nrr", "2025-03") == Decimal("1")
    assert undefined("mrr", "2025-04") == "no exchange rate for CHF 2025-04"  # trial over
    assert val("mrr", "2025-04", "country", "DE") == Decimal("80.00")


def test_the_reason_names_currency_and_month_in_words_in_both_languages():
    from django.utils import translation

    from kpiapp.kpis.reasons import NO_START_MRR, reason_text

    with translation.override("de"):
        assert reason_text(NO_CHF_MARCH) == "kein Wechselkurs für CHF im März 2025"
        assert reason_text(NO_START_MRR) == "kein MRR zu Beginn des Zeitraums"
    with translation.override("en"):
        assert reason_text(NO_CHF_MARCH) == "no exchange rate for CHF in March 2025"


def test_the_kpi_page_shows_the_reason_in_the_readers_language(franken, alice, client_as):
    alice.language = "de"
    alice.save(update_fields=["language"])
    page = client_as(alice).get(f"/w/{franken.slug}/kpis/mrr/").content.decode()
    assert "kein Wechselkurs für CHF im März 2025" in page
    assert NO_CHF_MARCH not in page


def test_customer_counts_need_no_rate_also_for_an_account_in_two_currencies(ws):
    both = account()
    sub(both, "2025-01-01", amount="10.00", currency="USD")
    sub(both, "2025-01-01", amount="20.00", ended="2025-01-02")  # euros for one day
    sub(account(), "2025-01-01", amount="100.00")
    fx("2025-02-01", "USD", "0.90")  # none for January
    rebuild(ws)
    assert val("customers_active", "2025-01") == 2
    assert val("customers_new", "2025-01") == 2
    assert val("customers_active", "2025-02") == 2
    assert val("customers_reactivated", "2025-02") == 0
    assert undefined("mrr", "2025-01") == "no exchange rate for USD 2025-01"
    assert val("mrr", "2025-02") == Decimal("109.00")
