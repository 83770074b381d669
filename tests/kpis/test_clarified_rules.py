"""The rules KPIS.md spells out since the second round, one golden test each: pending churn,
the channel and campaign fallback, plan ties and churn by plan, cohort revenue retention at
each month's rates, and how a missing channel reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.kpis.helpers import account, campaign, channel, fx, lead, rebuild, sub, val

pytestmark = pytest.mark.django_db


def test_pending_churn_counts_notices_given_by_the_end_of_the_period(ws):
    a, b = account(), account()
    sub(a, "2025-01-01", amount="100.00", cancelled="2025-03-31", ended="2025-06-01")
    sub(b, "2025-01-01", amount="40.00", cancelled="2025-04-01", ended="2025-06-01")
    rebuild(ws)
    assert val("mrr_pending_churn", "2025-03") == Decimal("100.00")  # given on the last day
    assert val("mrr_pending_churn", "2025-04") == Decimal("140.00")
    assert val("mrr_pending_churn", "2025-Q1") == Decimal("100.00")


def test_channel_and_campaign_fall_back_to_the_earliest_converted_lead_each_on_its_own(ws):
    paid, partner = channel("Paid"), channel("Partner")
    spring, autumn = campaign(paid, "Spring"), campaign(partner, "Autumn")
    own_channel = account(channel=partner)  # a channel of its own, no campaign
    lead("2025-01-02", channel=paid, campaign=spring, converted="2025-01-20", account=own_channel)
    lead("2025-01-01", channel=paid, campaign=autumn, converted="2025-01-25", account=own_channel)
    none_of_its_own = account()
    later = lead("2025-01-03", channel=partner, converted="2025-01-10", account=none_of_its_own)
    lead("2025-01-03", channel=paid, converted="2025-01-10", account=none_of_its_own)
    sub(own_channel, "2025-02-01", amount="100.00")
    sub(none_of_its_own, "2025-02-01", amount="30.00")
    rebuild(ws)
    # Its own channel stays; the campaign is that of the lead converted first (Spring).
    assert val("mrr", "2025-03", "channel", "Partner") == Decimal("130.00")
    assert val("mrr", "2025-03", "campaign", "Spring") == Decimal("100.00")
    # Two leads converted the same day: the one with the lower id (created first) wins.
    assert later.pk < later.pk + 1
    assert val("customers_active", "2025-03", "channel", "Partner") == 2


def test_a_customer_counts_under_its_top_plan_ties_by_name(ws):
    tied = account()
    sub(tied, "2025-01-01", amount="50.00", plan="Zeta")
    sub(tied, "2025-01-01", amount="50.00", plan="Alpha")
    rebuild(ws)
    assert val("customers_active", "2025-03", "plan", "Alpha") == 1
    assert val("customers_active", "2025-03", "plan", "Zeta") == 0


def test_a_customer_churned_in_the_period_counts_in_the_plan_it_had_at_its_start(ws):
    a = account()
    sub(a, "2025-01-01", amount="100.00", plan="Basic", ended="2025-03-10")
    sub(a, "2025-03-10", amount="300.00", plan="Pro", ended="2025-03-25")  # gone by March's end
    rebuild(ws)
    assert val("customers_churned", "2025-03", "plan", "Basic") == 1
    assert val("customers_churned", "2025-03", "plan", "Pro") == 0
    assert val("customers_churned", "2025-03") == 1


def test_cohort_revenue_retention_converts_each_month_at_its_own_rate(ws):
    us = account()
    sub(us, "2025-01-01", amount="100.00", currency="USD")
    fx("2025-01-01", "USD", "0.90")
    fx("2025-02-01", "USD", "0.95")
    fx("2025-03-01", "USD", "0.99")
    rebuild(ws, today="2025-04-15")
    # The member's MRR at the end of each month at that month's rate, over January's 90.
    assert val("cohort_revenue_retention", "2025-01", "age", "0") == Decimal("1")
    assert val("cohort_revenue_retention", "2025-01", "age", "1") == Decimal("1.055556")  # 95/90
    assert val("cohort_revenue_retention", "2025-01", "age", "2") == Decimal("1.1")  # 99/90
    assert val("cohort_logo_retention", "2025-01", "age", "2") == Decimal("1")


def test_an_account_without_a_channel_reads_no_channel_and_spend_without_one_unattributed():
    from django.utils import translation

    from kpiapp.kpis.registry import dimension_value_name

    with translation.override("de"):
        assert dimension_value_name("mrr", "channel", "") == "ohne Kanal"
        assert dimension_value_name("cac", "channel", "") == "nicht zugeordnet"
        assert dimension_value_name("win_rate", "owner", "") == "ohne Verantwortlichen"
        assert dimension_value_name("mrr", "channel", "Partner") == "Partner"
    with translation.override("en"):
        assert dimension_value_name("mrr", "campaign", "") == "no campaign"
        assert dimension_value_name("cost_per_lead", "campaign", "") == "unattributed"


def test_the_kpi_page_names_accounts_without_a_channel(ws, alice, client_as):
    sub(account(), "2025-01-01", amount="80.00")
    rebuild(ws)
    alice.language = "de"
    alice.save(update_fields=["language"])
    html = client_as(alice).get(f"/w/{ws.slug}/kpis/mrr/?dimension=channel").content.decode()
    assert "ohne Kanal" in html
    assert "nicht zugeordnet" not in html
