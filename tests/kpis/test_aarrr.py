"""The AARRR bottleneck (KPIS.md section 7): golden cases on hand-picked values, each expected
shortfall worked out here from the rule, (target − value) / |target| for higher-is-better and
(value − target) / |target| for lower-is-better."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kpiapp.kpis.aarrr import STAGES, StageMarks, benchmark_mark, bottleneck, shortfall
from kpiapp.kpis.benchmarks import Benchmark, Form


def _row(form: Form, low: str, high: str | None = None, key: str = "leads") -> Benchmark:
    return Benchmark(key, "month", "all", form, Decimal(low), Decimal(high) if high else None)


def test_the_five_stages_and_their_headlines_are_those_of_kpis_md():
    assert [(s.key, s.headline, s.companions) for s in STAGES] == [
        ("acquisition", "leads", ("visits", "cost_per_lead")),
        ("activation", "activation_rate", ("time_to_first_value_days",)),
        ("retention", "customer_retention_rate", ("customer_churn_rate", "grr")),
        ("referral", "referral_share", ("nps",)),
        ("revenue", "mrr", ("arpa", "clv")),
    ]


def test_shortfall_is_relative_to_the_mark_by_direction():
    assert shortfall(Decimal("80"), Decimal("100"), "up") == Fraction(100 - 80, 100)
    assert shortfall(Decimal("0.05"), Decimal("0.04"), "down") == Fraction(
        Decimal("0.05") - Decimal("0.04")
    ) / Fraction(Decimal("0.04"))
    # a negative mark (net churn below zero is good): divided by its absolute value
    assert shortfall(Decimal("-0.01"), Decimal("-0.02"), "down") == Fraction(1, 100) / Fraction(
        2, 100
    )
    assert shortfall(Decimal("120"), Decimal("100"), "up") == Fraction(-20, 100)
    assert shortfall(Decimal("5"), Decimal("0"), "up") is None
    assert shortfall(Decimal("5"), Decimal("4"), "neutral") is None


def test_against_targets_the_stage_with_the_largest_relative_shortfall_is_named():
    leads_value, leads_target = 270, 300  # (300 − 270) / 300 = 10 %
    retention_value, retention_target = Decimal("0.88"), Decimal("0.95")  # 0.07 / 0.95 ≈ 7.4 %
    mrr_value, mrr_target = Decimal("190000"), Decimal("200000")  # 5 %
    found = bottleneck(
        [
            StageMarks("acquisition", "up", target=leads_target, target_value=leads_value),
            StageMarks("retention", "up", target=retention_target, target_value=retention_value),
            StageMarks("revenue", "up", target=mrr_target, target_value=mrr_value),
        ]
    )
    assert found.basis == "target"
    assert found.behind is not None
    assert found.behind.stage == "acquisition"
    assert found.behind.shortfall == Fraction(leads_target - leads_value, leads_target)
    shortfalls = {s.stage: s.shortfall for s in found.judged}
    assert shortfalls["retention"] == Fraction(retention_target - retention_value) / Fraction(
        retention_target
    )
    assert shortfalls["revenue"] == Fraction(mrr_target - mrr_value) / Fraction(mrr_target)


def test_the_value_is_the_one_measured_as_the_target_says_not_the_periods_own():
    # The period's own value (`value`) meets the target; the quarter's monthly mean (what the
    # target is measured on) does not: the target's measure decides.
    found = bottleneck(
        [
            StageMarks(
                "retention", "up", target=Decimal("0.95"), target_value=Decimal("0.90"),
                value=Decimal("0.97"),
            ),
            StageMarks("revenue", "up", target=100, target_value=99, value=120),
        ]
    )  # fmt: skip
    assert found.behind is not None
    assert found.behind.stage == "retention"
    assert found.behind.value == Decimal("0.90")


def test_a_lower_is_better_headline_is_behind_when_above_its_target():
    target, value = Decimal("30"), Decimal("36")  # e.g. days: (36 − 30) / 30 = 20 %
    found = bottleneck(
        [
            StageMarks("activation", "down", target=target, target_value=value),
            StageMarks("acquisition", "up", target=100, target_value=90),  # 10 %
        ]
    )
    assert found.behind is not None
    assert found.behind.stage == "activation"
    assert found.behind.shortfall == Fraction(value - target) / Fraction(target)


def test_with_any_target_stages_without_one_are_not_compared_even_against_benchmarks():
    far_behind = _row("point", "1000")  # leads 100 against 1,000 would be 90 % behind
    found = bottleneck(
        [
            StageMarks("acquisition", "up", benchmark=far_behind, value=100),
            StageMarks("revenue", "up", target=100, target_value=95),
        ]
    )
    assert found.basis == "target"
    assert [s.stage for s in found.judged] == ["revenue"]
    assert found.behind is not None
    assert found.behind.stage == "revenue"


def test_a_stage_at_or_past_its_target_is_never_the_bottleneck():
    found = bottleneck(
        [
            StageMarks("acquisition", "up", target=300, target_value=300),  # exactly at it
            StageMarks("revenue", "up", target=100, target_value=130),  # past it
            StageMarks("retention", "down", target=Decimal("0.05"), target_value=Decimal("0.04")),
        ]
    )
    assert found.basis == "target"
    assert len(found.judged) == 3
    assert all(s.shortfall <= 0 for s in found.judged)
    assert found.behind is None


def test_without_any_target_the_benchmarks_decide():
    # leads: point 500, value 400 → 20 %; retention: threshold ≥ 90 %, value 81 % → 10 %
    found = bottleneck(
        [
            StageMarks("acquisition", "up", benchmark=_row("point", "500"), value=400),
            StageMarks(
                "retention", "up", benchmark=_row("at_least", "0.90"), value=Decimal("0.81")
            ),
            StageMarks("revenue", "up", value=1000),  # no benchmark: not compared
        ]
    )
    assert found.basis == "benchmark"
    assert [s.stage for s in found.judged] == ["acquisition", "retention"]
    assert found.behind is not None
    assert found.behind.stage == "acquisition"
    assert found.behind.mark == Decimal("500")
    assert found.behind.shortfall == Fraction(500 - 400, 500)


def test_a_band_is_held_by_its_nearer_edge():
    band = _row("band", "0.90", "0.95")
    # higher is better, below the band: the lower edge is nearer; (0.90 − 0.81) / 0.90 = 10 %
    below = bottleneck([StageMarks("retention", "up", benchmark=band, value=Decimal("0.81"))])
    assert below.behind is not None
    assert below.behind.mark == Decimal("0.90")
    assert below.behind.shortfall == Fraction(Decimal("0.09")) / Fraction(Decimal("0.90"))
    # lower is better, above the band: the upper edge is nearer; (0.99 − 0.95) / 0.95
    above = bottleneck([StageMarks("retention", "down", benchmark=band, value=Decimal("0.99"))])
    assert above.behind is not None
    assert above.behind.mark == Decimal("0.95")
    assert above.behind.shortfall == Fraction(Decimal("0.04")) / Fraction(Decimal("0.95"))
    # inside the band: on par, at its mark, never the bottleneck
    inside = bottleneck([StageMarks("retention", "up", benchmark=band, value=Decimal("0.94"))])
    assert inside.basis == "benchmark"
    assert inside.behind is None
    assert benchmark_mark(band, "up") == Decimal("0.90")
    assert benchmark_mark(band, "down") == Decimal("0.95")


def test_a_threshold_for_lower_is_better_is_the_mark_itself():
    at_most = _row("at_most", "50")
    found = bottleneck([StageMarks("acquisition", "down", benchmark=at_most, value=60)])
    assert found.behind is not None
    assert found.behind.shortfall == Fraction(60 - 50, 50)
    met = bottleneck([StageMarks("acquisition", "down", benchmark=at_most, value=50)])
    assert met.behind is None


def test_with_neither_targets_nor_benchmarks_no_stage_is_named():
    found = bottleneck([StageMarks(s.key, "up", value=10) for s in STAGES])
    assert found.basis is None
    assert found.judged == ()
    assert found.behind is None


def test_a_stage_without_a_value_or_a_known_kpi_is_not_judged():
    found = bottleneck(
        [
            StageMarks("activation", "neutral", target=None),  # key not in the registry yet
            StageMarks("referral", "up", target=Decimal("0.2"), target_value=None),  # no value
            StageMarks("revenue", "up", target=100, target_value=101),
        ]
    )
    assert [s.stage for s in found.judged] == ["revenue"]
    assert found.behind is None


def test_equal_shortfalls_name_the_earlier_stage():
    found = bottleneck(
        [
            StageMarks("acquisition", "up", target=200, target_value=180),  # 10 %
            StageMarks("revenue", "up", target=1000, target_value=900),  # 10 %
        ]
    )
    assert found.behind is not None
    assert found.behind.stage == "acquisition"
