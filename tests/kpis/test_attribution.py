"""Attribution models and journeys (KPIS.md section 7) on hand-built journeys."""

from datetime import date
from fractions import Fraction as F

import numpy as np
import pytest

from kpiapp.kpis.attribution import (
    MODELS,
    Touch,
    attributed,
    common_paths,
    credits,
    integer_credits,
    journey,
    multi_touch_share,
    path,
    step_credits,
    touchpoints_per_customer,
)


def t(day: int, channel: str, order: int = 0, campaign: str = "", type_: str = "visit") -> Touch:
    return Touch(date(2025, 3, day), order, channel, campaign, type_)


def test_each_model_gives_the_shares_the_definition_names():
    assert credits(3, "first_touch") == [1, 0, 0]
    assert credits(3, "last_touch") == [0, 0, 1]
    assert credits(3, "linear") == [F(1, 3)] * 3
    assert credits(1, "position_based") == [1]
    assert credits(2, "position_based") == [F(1, 2), F(1, 2)]
    assert credits(3, "position_based") == [F(2, 5), F(1, 5), F(2, 5)]
    assert credits(5, "position_based") == [F(2, 5), F(1, 15), F(1, 15), F(1, 15), F(2, 5)]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("length", [1, 2, 3, 4, 7])
def test_the_shares_of_one_customer_sum_to_exactly_one(model, length):
    assert sum(credits(length, model)) == 1


def test_a_journey_is_ordered_by_day_then_id_and_ends_on_the_won_day():
    touches = [t(9, "Sales", 5), t(2, "Ads", 9), t(2, "SEO", 3), t(20, "Partner", 1)]
    steps = journey(touches, date(2025, 3, 9), channel="Direct", campaign="")
    assert [s.channel for s in steps] == ["SEO", "Ads", "Sales"]  # the 20th is after the win


def test_an_empty_journey_is_one_implied_touchpoint_with_the_accounts_own_channel():
    steps = journey([t(20, "Partner")], date(2025, 3, 9), channel="Direct", campaign="Herbst")
    assert steps == [Touch(date(2025, 3, 9), 0, "Direct", "Herbst", "other")]


def test_attributed_values_add_up_to_the_unattributed_totals_under_every_model():
    journeys = {
        1: [t(1, "Ads"), t(3, "Webinar"), t(5, "Sales")],
        2: [t(2, "SEO")],
        3: [t(1, "Ads"), t(4, "Ads")],
    }
    mrr = {1: F(900), 2: F(300), 3: F(451)}
    for model in MODELS:
        assert sum(attributed(journeys, model).values()) == 3
        assert sum(attributed(journeys, model, weights=mrr).values()) == 1651
    assert attributed(journeys, "first_touch") == {"Ads": 2, "Webinar": 0, "Sales": 0, "SEO": 1}
    assert attributed(journeys, "linear") == {
        "Ads": F(1, 3) + 1, "Webinar": F(1, 3), "Sales": F(1, 3), "SEO": 1
    }  # fmt: skip
    assert attributed(journeys, "position_based", weights=mrr) == {
        "Ads": F(2, 5) * 900 + 451, "Webinar": F(1, 5) * 900, "Sales": F(2, 5) * 900, "SEO": 300
    }  # fmt: skip


def test_by_campaign_the_touchpoints_campaigns_get_the_credit():
    journeys = {1: [t(1, "Ads", campaign="Frühjahr"), t(2, "Ads", campaign="")]}
    assert attributed(journeys, "last_touch", by="campaign") == {"Frühjahr": 0, "": 1}


def test_paths_collapse_repeats_and_the_common_ones_come_first():
    webinar_twice = [t(1, "Paid Ads"), t(2, "Webinar"), t(3, "Webinar"), t(4, "Sales")]
    assert path(webinar_twice) == ("Paid Ads", "Webinar", "Sales")
    journeys = [webinar_twice, [t(1, "SEO")], [t(1, "Paid Ads"), t(9, "Webinar"), t(9, "Sales")]]
    assert common_paths(journeys) == [(("Paid Ads", "Webinar", "Sales"), 2), (("SEO",), 1)]


def test_multi_touch_share_and_touchpoints_per_customer():
    journeys = [[t(1, "Ads"), t(2, "Sales")], [t(1, "SEO")], [t(1, "A"), t(2, "B"), t(3, "C")]]
    assert multi_touch_share(journeys) == F(2, 3)
    assert touchpoints_per_customer(journeys) == 2
    assert multi_touch_share([]) is None and touchpoints_per_customer([]) is None


def test_an_unknown_model_is_refused_by_name():
    with pytest.raises(ValueError, match="first_touch, last_touch, linear, position_based"):
        credits(2, "time_decay")


@pytest.mark.parametrize("model", MODELS)
def test_the_engines_credits_of_many_touchpoints_at_once_equal_those_of_one_journey(model):
    lengths = [length for length in range(1, 12) for _ in range(length)]
    positions = [position for length in range(1, 12) for position in range(length)]
    denominators, numerators = step_credits(np.array(lengths), np.array(positions), model)
    expected = [
        (integer_credits(length, model)[0], integer_credits(length, model)[1][position])
        for length, position in zip(lengths, positions, strict=True)
    ]
    assert list(zip(denominators.tolist(), numerators.tolist(), strict=True)) == expected
