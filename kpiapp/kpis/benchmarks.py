"""The built-in benchmark library (BENCHMARKS.md), choosing a row, and the verdict.

Values are in the KPI's own unit: rates as fractions (4.4 % is 0.044), days as days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Form = Literal["point", "band", "at_least", "at_most"]
Verdict = Literal["better", "on_par", "worse"]
SEGMENTS = ("early", "smb", "mid-market", "enterprise")
ON_PAR_RELATIVE = Fraction(5, 100)  # a point benchmark: on par within 5 % of it


@dataclass(frozen=True)
class Benchmark:
    key: str
    grain: str
    segment: str  # early, smb, mid-market, enterprise, all, or team
    form: Form
    low: Decimal  # the point, the threshold, or the band's lower end
    high: Decimal | None = None  # the band's upper end
    source: str = ""
    year: int | None = None
    population: str = ""
    note: str = ""  # where the source's formula differs from ours
    url: str = ""

    @property
    def is_team(self) -> bool:
        return self.segment == "team"


def _pct(text: str) -> Decimal:
    return Decimal(text) / 100


SINGULARITY = "SingularitySales blog, „Die 6 wichtigsten Vertriebs-KPIs für SaaS-Unternehmen“"
CHARTMOGUL = "ChartMogul, “What is a good monthly growth rate in SaaS?”"
BESSEMER = "Bessemer Venture Partners, State of the Cloud"
SAAS_CAPITAL = "SaaS Capital, retention benchmarks for private B2B SaaS companies"
SKOK = "David Skok, SaaS Metrics 2.0; Compass sales glossary"
GLOSSARY = "KPI glossary example (B2B consultancy)"
CYCLE_SOURCE = "Rule of thumb (secondary summaries)"

LIBRARY: tuple[Benchmark, ...] = (
    Benchmark("mrr_growth_rate", "month", "early", "at_least", _pct("15"), source=SINGULARITY,
              population="Rule of thumb for the early („Speed2Market“) phase"),
    Benchmark("mrr_growth_rate", "month", "early", "point", _pct("4.4"), source=CHARTMOGUL,
              population="Median, companies under $10K MRR",
              note="Compound monthly growth rate"),
    Benchmark("mrr_growth_rate", "month", "smb", "point", _pct("3.1"), source=CHARTMOGUL,
              population="Median, $10K–$50K MRR", note="Compound monthly growth rate"),
    Benchmark("customer_churn_rate", "month", "all", "at_most", _pct("3"), source=SINGULARITY,
              population="„kleiner 2,5 bis 3 % pro Monat“"),
    Benchmark("customer_churn_rate", "month", "all", "point", _pct("4.91"),
              source="Recurly Research, churn rate benchmarks",
              population="1,500+ B2B subscription sites",
              note="Voluntary 3.95 % plus involuntary 1.38 %"),
    Benchmark("customer_churn_rate", "month", "smb", "at_most", _pct("3"), source=BESSEMER,
              year=2017, population="ACV under $12K"),
    Benchmark("customer_churn_rate", "month", "mid-market", "point", _pct("1"),
              source=BESSEMER, year=2017),
    Benchmark("customer_churn_rate", "month", "enterprise", "at_most", _pct("1"),
              source=BESSEMER, year=2017),
    Benchmark("customer_retention_rate", "year", "all", "at_least", _pct("80"),
              source="KPI glossary example (annual renewals of a compliance consultancy)",
              population="Example target"),
    Benchmark("nrr", "year", "all", "point", _pct("102"), source=SAAS_CAPITAL, year=2023,
              population="Over 1,500 private B2B SaaS companies, FY2022",
              note="Same-customer annual cohort"),
    Benchmark("nrr", "year", "smb", "point", _pct("100"), source=SAAS_CAPITAL, year=2023,
              population="ACV under $12K", note="Same-customer annual cohort"),
    Benchmark("nrr", "year", "enterprise", "point", _pct("110"), source=SAAS_CAPITAL,
              year=2023, population="ACV over $250K", note="Same-customer annual cohort"),
    Benchmark("nrr", "year", "all", "point", _pct("101"), source="Benchmarkit", year=2025,
              population="Private B2B SaaS companies, FY2024"),
    Benchmark("grr", "year", "all", "band", _pct("90"), _pct("93"), source=SAAS_CAPITAL,
              year=2023, population="Medians by ACV", note="Capped per customer"),
    Benchmark("clv_cac_ratio", "month", "all", "at_least", Decimal(3), source=SKOK,
              note="LTV definitions vary (with or without gross margin)"),
    Benchmark("cac_payback_months", "month", "all", "at_most", Decimal(12), source=SKOK,
              note="Sales and marketing spend / (new MRR × gross margin)"),
    Benchmark("quick_ratio", "month", "all", "at_least", Decimal(4),
              source="Mamoon Hamid (Social Capital), cited by Baremetrics",
              note="Baremetrics leaves reactivation out"),
    Benchmark("lead_to_customer_rate", "month", "all", "point", _pct("15"), source=GLOSSARY,
              population="Example target"),
    Benchmark("lead_to_customer_rate", "month", "all", "point", _pct("10"),
              source=SINGULARITY, population="Worked example"),
    Benchmark("visitor_to_lead_rate", "month", "all", "band", _pct("2"), _pct("5"),
              source="First Page Sage via a secondary summary; SingularitySales worked "
              "example 3.3 %"),
    Benchmark("win_rate", "quarter", "all", "point", _pct("45"), source="CSO Insights",
              year=2011, population="Forecast deals", note="Won / (won + lost)"),
    Benchmark("sales_cycle_days", "quarter", "smb", "band", Decimal(14), Decimal(30),
              source=CYCLE_SOURCE, note="Created to closed, won deals"),
    Benchmark("sales_cycle_days", "quarter", "mid-market", "band", Decimal(30), Decimal(90),
              source=CYCLE_SOURCE, note="Created to closed, won deals"),
    Benchmark("sales_cycle_days", "quarter", "enterprise", "band", Decimal(90), Decimal(180),
              source=CYCLE_SOURCE, note="Created to closed, won deals"),
    Benchmark("nps", "quarter", "all", "band", Decimal(30), Decimal(40),
              source="Secondary summaries of Retently and CustomerGauge",
              population="B2B SaaS, typically about 36"),
)  # fmt: skip


def choose(rows: Iterable[Benchmark], *, key: str, grain: str, segment: str) -> Benchmark | None:
    """The row a KPI at a grain is judged by: the workspace segment's rows, else those of
    segment `all`; a team row wins over a built-in one; then the newest year; then the
    first listed."""
    candidates = [r for r in rows if r.key == key and r.grain == grain]
    team = [r for r in candidates if r.is_team]
    pool: Sequence[Benchmark] = (
        team
        or [r for r in candidates if r.segment == segment]
        or [r for r in candidates if r.segment == "all"]
    )
    if not pool:
        return None
    newest = max(r.year or 0 for r in pool)
    return next(r for r in pool if (r.year or 0) == newest)


def verdict(row: Benchmark, value: Decimal | Fraction, direction: str) -> Verdict | None:
    """better / on par / worse by the KPI's direction; None for a neutral KPI."""
    if direction == "neutral":
        return None
    v = Fraction(value)
    low = Fraction(row.low)
    up = direction == "up"
    if row.form == "at_least":
        return "better" if v >= low else "worse"
    if row.form == "at_most":
        return "better" if v <= low else "worse"
    if row.form == "band":
        high = Fraction(row.high if row.high is not None else row.low)
        if low <= v <= high:
            return "on_par"
        above = v > high
    else:
        if abs(v - low) <= abs(low) * ON_PAR_RELATIVE:
            return "on_par"
        above = v > low
    return "better" if above == up else "worse"
