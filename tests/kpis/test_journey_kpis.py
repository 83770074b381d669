"""Golden tests for the journey KPIs of KPIS.md section 7, through the engine and snapshots.

Workspace: EUR, Europe/Berlin. "Today" is 2026-01-15. Expected values are worked out here by
hand from the journeys each test builds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest

from kpiapp.kpis.attributed import attribution_dimension
from kpiapp.kpis.attribution import MODELS
from kpiapp.models import KpiSnapshot, Touchpoint
from tests.kpis.helpers import (
    account,
    campaign,
    channel,
    fx,
    kpi,
    lead,
    rebuild,
    sub,
    undefined,
    usage,
    val,
)

pytestmark = pytest.mark.django_db


def touch(day: str, via, *, of=None, by_lead=None, type_: str = "visit", camp=None) -> Touchpoint:
    return Touchpoint.objects.create(
        account=of, lead=by_lead, occurred_at=day, channel=via, campaign=camp, type=type_
    )


def cents(value: F) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def six(value: F) -> Decimal:
    """A rate as stored: 6 decimals, half up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP
    )


def attributed(key: str, at: str, model: str, label: str, by: str = "channel") -> Decimal | None:
    return val(key, at, attribution_dimension(by, model), label)


@pytest.fixture
def march(ws):
    """Three customers won in March 2025 and one in April:
    A (own channel Direct): Ads 03-01, Webinar 03-05 (through its lead), Sales 03-10, won
      03-10 with 300 €; a touchpoint on 03-20 lies after the win and is cut.
    B (own channel Partner): no touchpoints before its win on 03-15 (one after it): the implied
      touchpoint with channel Partner; 100 €.
    C (own channel Direct): Ads 02-20, Ads 03-02, won 03-03 with 200 € after a trial.
    D: won 2025-04-02, Referral touchpoint, 50 €."""
    ads, webinar, sales = channel("Ads"), channel("Webinar"), channel("Sales")
    direct, partner = channel("Direct"), channel("Partner")
    spring = campaign(ads, "Spring")
    a = account("A", channel=direct)
    b = account("B", channel=partner)
    c = account("C", channel=direct)
    d = account("D")
    touch("2025-03-01", ads, of=a, camp=spring)
    touch("2025-03-05", webinar, by_lead=lead("2025-03-04", account=a, converted="2025-03-09"))
    touch("2025-03-10", sales, of=a, type_="demo")
    touch("2025-03-20", webinar, of=a)
    touch("2025-03-16", sales, of=b)
    touch("2025-02-20", ads, of=c, camp=spring)
    touch("2025-03-02", ads, of=c)
    touch("2025-03-25", sales, of=d, type_="referral")
    sub(a, "2025-03-10", amount="300.00")
    sub(b, "2025-03-15", amount="100.00")
    sub(c, "2025-02-17", amount="200.00", trial_ends="2025-03-03")
    sub(d, "2025-04-02", amount="50.00")
    rebuild(ws)
    return ws


def test_each_model_splits_the_new_customers_of_march_by_the_touchpoints(march):
    # A: Ads, Webinar, Sales (n = 3); B: implied Partner (n = 1); C: Ads, Ads (n = 2)
    expected = {
        "first_touch": {"Ads": F(2), "Partner": F(1)},
        "last_touch": {"Sales": F(1), "Partner": F(1), "Ads": F(1)},
        "linear": {"Ads": F(1, 3) + 1, "Webinar": F(1, 3), "Sales": F(1, 3), "Partner": F(1)},
        "position_based": {
            "Ads": F(2, 5) + 1,
            "Webinar": F(1, 5),
            "Sales": F(2, 5),
            "Partner": F(1),
        },
    }
    for model, shares in expected.items():
        for label, share in shares.items():
            got = attributed("customers_new_attributed", "2025-03", model, label)
            assert got == cents(share), (model, label)
        mrr = {
            "first_touch": {"Ads": F(500), "Partner": F(100)},
            "last_touch": {"Sales": F(300), "Partner": F(100), "Ads": F(200)},
            "linear": {"Ads": F(300, 3) + 200, "Webinar": F(100), "Sales": F(100)},
            "position_based": {"Ads": F(300 * 2, 5) + 200, "Webinar": F(60), "Sales": F(120)},
        }[model]
        for label, amount in mrr.items():
            assert attributed("mrr_new_attributed", "2025-03", model, label) == cents(amount)


def test_a_touchpoint_after_the_won_day_is_not_part_of_the_journey(march):
    # A's Webinar on 03-20 and B's Sales on 03-16 come after their wins: last touch gives
    # Webinar nothing and B's credit goes to its own channel
    assert attributed("customers_new_attributed", "2025-03", "last_touch", "Webinar") == 0
    assert attributed("customers_new_attributed", "2025-03", "first_touch", "Partner") == 1


def test_the_linear_model_is_the_plain_channel_breakdown(march):
    for label in ("Ads", "Webinar", "Sales", "Partner"):
        plain = val("customers_new_attributed", "2025-03", "channel", label)
        assert plain == attributed("customers_new_attributed", "2025-03", "linear", label)


def test_attribution_by_campaign_of_the_touchpoints(march):
    # first touch: A's Ads touch has campaign Spring, C's first Ads touch too; B none
    assert attributed("customers_new_attributed", "2025-03", "first_touch", "Spring", "campaign")
    assert (
        attributed("customers_new_attributed", "2025-03", "first_touch", "Spring", "campaign") == 2
    )
    assert attributed("customers_new_attributed", "2025-03", "first_touch", "", "campaign") == 1


@pytest.mark.parametrize("model", MODELS)
def test_attributed_values_add_up_to_new_customers_and_new_mrr(march, model):
    for at in ("2025-03", "2025-04", "2025-Q1", "2025-Q2", "2025"):
        _adds_up(model, at)


def _adds_up(model: str, at: str) -> None:
    for by in ("channel", "campaign"):
        dimension = attribution_dimension(by, model)
        rows = KpiSnapshot.objects.filter(dimension=dimension, grain=kpi("mrr_new", at).grain)
        rows = rows.filter(period_start=kpi("mrr_new", at).period_start)
        customers = [r.value for r in rows if r.kpi_key == "customers_new_attributed"]
        money = [r.value for r in rows if r.kpi_key == "mrr_new_attributed"]
        assert customers, (model, at, by)
        # each share is rounded to 2 decimals: the sum may differ by half a cent per value
        assert abs(sum(customers) - val("customers_new", at)) <= Decimal("0.005") * len(customers)
        assert abs(sum(money) - val("mrr_new", at)) <= Decimal("0.01") * len(money)
    assert val("customers_new_attributed", at) == val("customers_new", at)
    assert val("mrr_new_attributed", at) == val("mrr_new", at)


def test_a_quarter_pools_its_months(march):
    # Q2 has D alone (one Sales referral touch); Q1 sums March's shares (February has none)
    assert attributed("customers_new_attributed", "2025-Q2", "linear", "Sales") == 1
    q1 = attributed("customers_new_attributed", "2025-Q1", "position_based", "Ads")
    assert q1 == cents(F(2, 5) + 1)
    # multi-touch: A and C of three in March; in Q1 the same pool; Q2: D has one touch
    assert val("multi_touch_share", "2025-03") == six(F(2, 3))
    assert val("multi_touch_share", "2025-Q2") == 0
    assert val("multi_touch_share", "2025") == six(F(2, 4))
    # touchpoints: 3 + 1 + 2 in March; with D's one in the year: 7 / 4
    assert val("touchpoints_per_new_customer", "2025-03") == 2
    assert val("touchpoints_per_new_customer", "2025") == Decimal("1.75")
    undefined("multi_touch_share", "2025-02")


def test_breakdowns_of_the_cohort_kpis_follow_the_accounts_own_channel(march):
    # Direct: A (3 touches), C (2): both multi-touch; Partner: B alone with the implied one
    assert val("multi_touch_share", "2025-03", "channel", "Direct") == 1
    assert val("multi_touch_share", "2025-03", "channel", "Partner") == 0
    assert val("touchpoints_per_new_customer", "2025-03", "channel", "Direct") == Decimal("2.5")


def test_referral_share_counts_a_referral_touchpoint_or_the_referral_channel(ws):
    referral, ads = channel("Empfehlung"), channel("Ads")
    by_channel, by_touch, neither = account(channel=referral), account(), account(channel=ads)
    touch("2025-05-02", ads, of=by_touch, type_="referral")
    touch("2025-05-02", ads, of=neither)
    for who in (by_channel, by_touch, neither):
        sub(who, "2025-05-10", amount="10.00")
    rebuild(ws)
    # no channel named "Referral": "Empfehlung" is the referral channel; 2 of 3
    assert val("referral_share", "2025-05") == six(F(2, 3))
    ws.referral_channel = " ads "  # matched case- and space-insensitively
    ws.save()
    rebuild(ws)
    # now `neither` counts by its channel Ads, by_touch by its touchpoint; by_channel not
    assert val("referral_share", "2025-05") == six(F(2, 3))
    assert val("referral_share", "2025-05", "channel", "Ads") == 1
    assert val("referral_share", "2025-05", "channel", "Empfehlung") == 0


def test_activation_rate_counts_first_value_within_the_window_and_leaves_out_recent_wins(ws):
    fast, slow, never, recent = account(), account(), account(), account()
    sub(fast, "2025-06-01", amount="10.00", trial_ends="2025-06-15")
    sub(slow, "2025-06-10", amount="10.00")
    sub(never, "2025-06-20", amount="10.00")
    sub(recent, "2025-12-20", amount="10.00")
    usage(fast, "2025-06-01", first_value="2025-06-03")  # in the trial: counts
    usage(slow, "2025-06-01", first_value="2025-06-25")  # 15 days after the win
    rebuild(ws)
    # June: fast activated, slow (15 > 14 days) and never not → 1 / 3
    assert val("activation_rate", "2025-06") == six(F(1, 3))
    assert not kpi("activation_rate", "2025-06").partial
    # December: `recent` was won 26 days before today (2026-01-15): in the window of 14
    assert val("activation_rate", "2025-12") == 0
    ws.activation_days = 30
    ws.save()
    rebuild(ws)
    assert val("activation_rate", "2025-06") == six(F(2, 3))
    # with 30 days `recent` is left out: December, a complete month, is null and partial
    december = kpi("activation_rate", "2025-12")
    assert december.value is None and december.partial
    q4 = kpi("activation_rate", "2025-Q4")
    assert q4.value is None and q4.partial
    assert kpi("activation_rate", "2025").partial  # June counts, December is left out
    assert val("activation_rate", "2025") == six(F(2, 3))


def test_a_customer_lost_in_its_first_month_is_never_attributed(ws):
    ads = channel("Ads")
    gone = account()
    touch("2025-03-01", ads, of=gone)
    sub(gone, "2025-03-05", amount="10.00", ended="2025-03-20")
    sub(gone, "2025-05-01", amount="10.00")  # back: a reactivation
    rebuild(ws)
    for at in ("2025-03", "2025-05"):
        assert val("customers_new_attributed", at) == 0
        assert val("customers_new", at) == 0
    assert not KpiSnapshot.objects.filter(
        kpi_key="customers_new_attributed", dimension="channel", dimension_value="Ads"
    ).exists()


def test_a_missing_rate_leaves_undefined_only_the_shares_of_the_customer_who_needs_it(ws):
    """U pays 100 USD from 2025-05-05 (no USD rate for May) after an Ads and a Sales touch;
    E pays 50 € from 2025-05-06 after a Webinar touch."""
    ads, sales, webinar = channel("Ads"), channel("Sales"), channel("Webinar")
    u, e = account("U"), account("E")
    touch("2025-05-01", ads, of=u)
    touch("2025-05-03", sales, of=u)
    touch("2025-05-02", webinar, of=e)
    sub(u, "2025-05-05", amount="100.00", currency="USD")
    sub(e, "2025-05-06", amount="50.00")
    fx("2025-04-01", "USD", "0.9")  # April's rate: May has none
    rebuild(ws)
    no_usd_may = "no exchange rate for USD 2025-05"
    assert undefined("mrr_new_attributed", "2025-05") == no_usd_may
    assert val("customers_new_attributed", "2025-05") == 2  # counting needs no rate
    for model in ("linear", "last_touch"):
        assert undefined(
            "mrr_new_attributed", "2025-05", attribution_dimension("channel", model), "Sales"
        ) == no_usd_may  # fmt: skip
    # U's first touch takes all its credit: Sales has no share of an unknown amount
    assert attributed("mrr_new_attributed", "2025-05", "first_touch", "Sales") == 0
    assert attributed("mrr_new_attributed", "2025-05", "last_touch", "Ads") == 0
    assert attributed("customers_new_attributed", "2025-05", "linear", "Ads") == cents(F(1, 2))
    for model in MODELS:  # E alone: defined in every model
        assert attributed("mrr_new_attributed", "2025-05", model, "Webinar") == Decimal("50.00")
