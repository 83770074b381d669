"""When alerts fire, on fixed series (kpis/alert_checks.py)."""

from decimal import Decimal as D

from kpiapp.kpis.alert_checks import anomaly, change, threshold


def test_a_threshold_fires_only_past_its_bound():
    assert threshold(D("101"), D("100"), above=True).condition == "above"
    assert threshold(D("100"), D("100"), above=True) is None
    assert threshold(D("0.03"), D("0.025"), above=False) is None
    assert threshold(D("0.02"), D("0.025"), above=False).reference == D("0.025")


def test_a_change_fires_either_way_from_its_size_on():
    assert change(D("120"), D("100"), D("0.2"), "money").condition == "rise"
    assert change(D("80"), D("100"), D("0.2"), "money").condition == "fall"
    assert change(D("119"), D("100"), D("0.2"), "money") is None
    assert change(D("5"), D("0"), D("0.2"), "money") is None  # no relative change from 0
    assert change(D("13258"), D("-2242"), D("0.2"), "money") is None  # nor from below 0
    assert change(D("0.05"), D("0.02"), D("0.03"), "rate").condition == "rise"  # in points
    assert change(D("5"), None, D("0.2"), "money") is None


def test_an_anomaly_lies_outside_three_deviations_of_the_last_twelve_periods():
    history = [D(v) for v in (100, 104, 98, 101, 97, 103, 100, 99, 102, 96, 104, 100)]
    # mean 100.33, sample deviation 2.61: the band is about 92.5 … 108.1
    assert anomaly(D("108.1"), history) is None
    fired = anomaly(D("109"), history)
    assert fired.condition == "unusually_high" and D("108.1") < fired.reference < D("108.2")
    assert anomaly(D("92"), history).condition == "unusually_low"
    older = [D(5000)] * 6  # more than 12 periods back: not part of the band
    assert anomaly(D("109"), older + history).condition == "unusually_high"


def test_too_little_history_draws_no_band_and_a_flat_one_fires_on_any_other_value():
    assert anomaly(D("500"), [D(1), None, D(2), D(3), None, D(4), D(5)]) is None
    flat = [D(10)] * 6
    assert anomaly(D("10"), flat) is None
    assert anomaly(D("10.01"), flat).condition == "unusually_high"
