"""Golden tests of the plan backwards from a goal (kpiapp/kpis/plan.py), on examples computed
by hand. Every count is rounded up before the next step; spend is leads × cost per lead."""

from datetime import date
from fractions import Fraction as F

from kpiapp.kpis.plan import (
    EARLIER,
    MIX_OVER,
    MIX_SHORT,
    NO_SOURCE,
    ZERO_INPUT,
    Assumptions,
    Basis,
    ChannelBasis,
    Ratio,
    compute_plan,
)

Q4_END = date(2026, 12, 31)


def _paid_ads() -> ChannelBasis:
    # 6.000 € new MRR from 12 new customers: 500 € per deal; 10 of 40 closed deals won (25 %);
    # 40 of 80 SQLs became opportunities (50 %); 80 of 400 leads qualified (20 %); 400 leads
    # from 20.000 visits (2 %); 20.000 € for 400 leads (50 € per lead); 600 days over 12 won
    # deals (50 days).
    return ChannelBasis(
        "Paid Ads",
        F(6000),
        F(12),
        {
            "mrr_per_deal": Ratio(F(6000), F(12)),
            "win_rate": Ratio(F(10), F(40)),
            "sql_to_opportunity_rate": Ratio(F(40), F(80)),
            "lead_to_sql_rate": Ratio(F(80), F(400)),
            "visitor_to_lead_rate": Ratio(F(400), F(20000)),
            "cost_per_lead": Ratio(F(20000), F(400)),
            "sales_cycle_days": Ratio(F(600), F(12)),
        },
    )


def _partner() -> ChannelBasis:
    # 4.000 € from 4 customers (1.000 € per deal); win 4/8; SQL→opp 8/10; lead→SQL 10/20; no
    # traffic at all; no spend (0 € per lead); 360 days over 4 deals (90 days).
    return ChannelBasis(
        "Partner",
        F(4000),
        F(4),
        {
            "mrr_per_deal": Ratio(F(4000), F(4)),
            "win_rate": Ratio(F(4), F(8)),
            "sql_to_opportunity_rate": Ratio(F(8), F(10)),
            "lead_to_sql_rate": Ratio(F(10), F(20)),
            "cost_per_lead": Ratio(F(0), F(20)),
            "sales_cycle_days": Ratio(F(360), F(4)),
        },
    )


def _basis(*channels: ChannelBasis, **extra) -> Basis:
    return Basis(
        first_month=2026 * 12 + 5,
        last_month=2026 * 12 + 10,
        quarter_end=Q4_END,
        channels=channels or (_paid_ads(), _partner()),
        **extra,
    )


def _steps(result, name):
    channel = next(c for c in result.channels if c.name == name)
    return {key: step.value for key, step in channel.steps.items()}


def test_new_mrr_goal_split_by_the_trailing_mix():
    result = compute_plan(_basis(), Assumptions("mrr_new", F(10000)))
    # 60 % / 40 % of 10.000 € by the channels' trailing new MRR.
    assert _steps(result, "Paid Ads") == {
        "new_mrr": F(6000),
        "won": 12,  # 6.000 / 500
        "opportunities": 48,  # 12 / 25 %
        "sqls": 96,  # 48 / 50 %
        "leads": 480,  # 96 / 20 %
        "visits": 24000,  # 480 / 2 %
        "spend": F(24000),  # 480 × 50 €
        "leads_due": date(2026, 11, 11),  # 31.12. − 50 days
    }
    assert _steps(result, "Partner") == {
        "new_mrr": F(4000),
        "won": 4,
        "opportunities": 8,
        "sqls": 10,
        "leads": 20,
        "visits": None,  # no visits in the window: not computable, said so
        "spend": F(0),
        "leads_due": date(2026, 10, 2),  # 31.12. − 90 days
    }
    partner = next(c for c in result.channels if c.name == "Partner")
    assert partner.steps["visits"].reason == NO_SOURCE
    assert result.totals["leads"] == 500 and result.totals["spend"] == F(24000)
    assert result.totals["visits"] is None
    assert result.complete  # visits are no target: the plan can be saved


def test_partner_brings_30_percent_and_the_rest_follows_the_trailing_mix():
    result = compute_plan(_basis(), Assumptions("mrr_new", F(10000), shares={"Partner": F(3, 10)}))
    paid = _steps(result, "Paid Ads")
    assert paid["new_mrr"] == F(7000)  # the other 70 %
    assert (paid["won"], paid["opportunities"], paid["sqls"], paid["leads"]) == (14, 56, 112, 560)
    assert paid["spend"] == F(28000)
    partner = _steps(result, "Partner")
    # 3.000 € / 1.000 € = 3 deals; 3 / 50 % = 6; 6 / 80 % = 7.5 → 8 SQLs; 8 / 50 % = 16 leads
    assert (partner["won"], partner["opportunities"], partner["sqls"], partner["leads"]) == (
        3,
        6,
        8,
        16,
    )


def test_rounding_up_happens_before_each_next_step():
    # 1.000 € at 300 € per deal = 3.33 → 4 deals; 4 / 30 % = 13.3 → 14 opportunities (not
    # 3.33 / 30 % = 11.1 → 12).
    channel = ChannelBasis(
        "Outbound",
        F(1),
        F(1),
        {
            "mrr_per_deal": Ratio(F(300), F(1)),
            "win_rate": Ratio(F(3), F(10)),
            "sql_to_opportunity_rate": Ratio(F(1), F(1)),
            "lead_to_sql_rate": Ratio(F(1), F(1)),
            "cost_per_lead": Ratio(F(101), F(3)),  # 33,666… € per lead
        },
    )
    result = compute_plan(_basis(channel), Assumptions("mrr_new", F(1000)))
    steps = _steps(result, "Outbound")
    assert (steps["won"], steps["opportunities"], steps["sqls"], steps["leads"]) == (4, 14, 14, 14)
    assert steps["spend"] == F("471.33")  # 14 × 33,666… = 471,333… → 471,33 €


def test_a_zero_rate_is_refused_and_everything_after_it_says_why():
    closed_lost_only = ChannelBasis(
        "Events",
        F(1000),
        F(2),
        {"mrr_per_deal": Ratio(F(1000), F(2)), "win_rate": Ratio(F(0), F(5))},
    )
    result = compute_plan(_basis(closed_lost_only), Assumptions("mrr_new", F(2000)))
    events = next(c for c in result.channels if c.name == "Events")
    assert events.steps["won"].value == 4
    assert events.inputs["win_rate"].reason == ZERO_INPUT
    assert events.steps["opportunities"].value is None
    assert events.steps["opportunities"].reason == ZERO_INPUT
    assert events.steps["sqls"].reason == EARLIER
    assert events.steps["spend"].reason == EARLIER
    assert not result.complete
    # An assumed rate makes it whole: 4 / 20 % = 20 opportunities.
    fixed = compute_plan(
        _basis(closed_lost_only),
        Assumptions("mrr_new", F(2000), overrides={"Events": {"win_rate": F(1, 5)}}),
    )
    steps = _steps(fixed, "Events")
    assert steps["opportunities"] == 20
    assert steps["sqls"] is None  # still no SQL→opportunity rate: said, not guessed


def test_a_channel_without_a_won_deal_gets_no_default_share_and_needs_an_assumption():
    no_deals = ChannelBasis("Referral", F(0), F(0), {"mrr_per_deal": Ratio(F(0), F(0))})
    plain = compute_plan(_basis(_paid_ads(), no_deals), Assumptions("mrr_new", F(6000)))
    assert _steps(plain, "Referral")["won"] == 0  # no share, nothing needed
    assert _steps(plain, "Paid Ads")["won"] == 12  # the whole goal
    given = compute_plan(
        _basis(_paid_ads(), no_deals),
        Assumptions("mrr_new", F(6000), shares={"Referral": F(1, 2)}),
    )
    referral = next(c for c in given.channels if c.name == "Referral")
    assert referral.steps["new_mrr"].value == F(3000)
    assert referral.steps["won"].value is None
    assert referral.steps["won"].reason == NO_SOURCE
    assert _steps(given, "Paid Ads")["won"] == 6
    assumed = compute_plan(
        _basis(_paid_ads(), no_deals),
        Assumptions(
            "mrr_new",
            F(6000),
            shares={"Referral": F(1, 2)},
            overrides={"Referral": {"mrr_per_deal": F(750)}},
        ),
    )
    assert _steps(assumed, "Referral")["won"] == 4  # 3.000 / 750


def test_shares_that_do_not_add_up_are_named():
    over = compute_plan(
        _basis(),
        Assumptions("mrr_new", F(10000), shares={"Partner": F(8, 10), "Paid Ads": F(3, 10)}),
    )
    assert over.mix_reason == MIX_OVER and over.mix_total == F(11, 10)
    short = compute_plan(
        _basis(),
        Assumptions("mrr_new", F(10000), shares={"Partner": F(3, 10), "Paid Ads": F(3, 10)}),
    )
    assert short.mix_reason == MIX_SHORT and short.mix_total == F(6, 10)
    assert not short.complete


def test_new_customers_goal_counts_deals_first():
    result = compute_plan(_basis(), Assumptions("customers_new", F(10)))
    # Mix by trailing new customers: 12 : 4 = 75 % / 25 %.
    paid, partner = _steps(result, "Paid Ads"), _steps(result, "Partner")
    assert paid["won"] == 8  # ⌈10 × 75 %⌉ = ⌈7.5⌉
    assert paid["new_mrr"] == F(4000)  # 8 × 500 €
    assert partner["won"] == 3  # ⌈2.5⌉
    assert partner["new_mrr"] == F(3000)
    assert result.totals["new_mrr"] == F(7000)


def test_arr_goal_subtracts_the_start_and_what_existing_customers_add():
    # ARR 1.320.000 € = 110.000 € MRR; 100.000 € at the start; existing customers netted
    # −600 € over 6 months = −100 € a month, over 3 months −300 €: 10.300 € new MRR needed.
    basis = _basis(mrr_start=F(100000), existing_net=F(-600), months_to_end=3)
    result = compute_plan(basis, Assumptions("arr", F(1320000)))
    assert result.goal.new_mrr == F(10300) and result.goal.existing == F(-300)
    assert result.totals["new_mrr"] == F(10300)
    assert _steps(result, "Paid Ads")["new_mrr"] == F(6180)  # 60 %
    reached = compute_plan(basis, Assumptions("arr", F(1000000)))
    assert reached.goal.new_mrr == 0  # already above the goal: nothing new needed
    unknown = compute_plan(_basis(), Assumptions("arr", F(1320000)))
    assert unknown.goal.reason and not unknown.complete
