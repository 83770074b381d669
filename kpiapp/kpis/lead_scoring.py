"""Lead scoring, the pure half: a lead's score from the team's rules, with the reasons, and
the check of the rules against history (conversion rate per score band). No queries here;
`kpiapp/selectors/lead_scoring.py` loads the facts.

The score is the sum of the points of every rule the lead meets, held within 0..100 (a lead
that meets only negative rules scores 0; one that meets rules worth more than 100 scores 100).
Every rule is read "as of" a day:

- fit rules (industry, employees, country) read the lead's account, if the lead has one and
  the account existed on that day (its `created_at` is empty or not later);
- "touchpoints in the last 30 days" counts the touchpoints of the lead and of its account
  dated in the 30 days that end on that day (the day and the 29 before it);
- "had a touchpoint of the type" looks at every such touchpoint up to and including that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

RECENT_DAYS = 30
SCORE_MIN = 0
SCORE_MAX = 100
# The backtest's bands: 0-19, 20-39, 40-59, 60-79, 80-100 (the last one takes 100 as well).
BANDS: tuple[tuple[int, int], ...] = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str  # a ScoringRuleKind value
    label: str
    points: int
    value: str = ""
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Company:
    """What the lead's account says about the company."""

    industry: str = ""
    employees: int | None = None
    country: str = ""
    created_at: date | None = None


@dataclass(frozen=True)
class LeadFacts:
    company: Company | None  # None: the lead has no account
    touchpoints: tuple[tuple[date, str], ...] = ()  # (occurred_at, type), lead's and account's


@dataclass(frozen=True)
class Reason:
    rule_id: int
    label: str
    points: int


@dataclass(frozen=True)
class Score:
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    leads: int
    converted: int

    @property
    def rate(self) -> Fraction | None:
        """Converted / leads; None for an empty band (no division by zero)."""
        return Fraction(self.converted, self.leads) if self.leads else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _company_on(facts: LeadFacts, as_of: date) -> Company | None:
    company = facts.company
    if company is None or (company.created_at is not None and company.created_at > as_of):
        return None
    return company


def _fit_matches(rule: Rule, company: Company | None) -> bool:
    if company is None:
        return False
    if rule.kind == "industry":
        return bool(company.industry) and _same(company.industry, rule.value)
    if rule.kind == "country":
        return bool(company.country) and company.country.upper() == rule.value.upper()
    if company.employees is None:  # company_size
        return False
    above = rule.minimum is None or company.employees >= rule.minimum
    below = rule.maximum is None or company.employees <= rule.maximum
    return above and below


def rule_matches(rule: Rule, facts: LeadFacts, as_of: date) -> bool:
    if rule.kind in ("industry", "country", "company_size"):
        return _fit_matches(rule, _company_on(facts, as_of))
    seen = [(day, kind) for day, kind in facts.touchpoints if day <= as_of]
    if rule.kind == "recent_touchpoints":
        since = as_of - timedelta(days=RECENT_DAYS - 1)
        return sum(1 for day, _kind in seen if day >= since) >= (rule.minimum or 1)
    if rule.kind == "touchpoint_type":
        return any(kind == rule.value for _day, kind in seen)
    return False


def score_lead(rules: Iterable[Rule], facts: LeadFacts, as_of: date) -> Score:
    """The lead's score on `as_of` and the rules that made it, in the order given."""
    reasons = tuple(
        Reason(rule.id, rule.label, rule.points)
        for rule in rules
        if rule_matches(rule, facts, as_of)
    )
    total = sum(reason.points for reason in reasons)
    return Score(min(SCORE_MAX, max(SCORE_MIN, total)), reasons)


def band_index(score: int) -> int:
    for index, (low, high) in enumerate(BANDS):
        if low <= score <= high:
            return index
    raise ValueError(f"score {score} outside 0..100")


def backtest(outcomes: Iterable[tuple[int, bool]]) -> list[Band]:
    """Past leads as (score, converted): how many fell in each band and how many converted."""
    leads = [0] * len(BANDS)
    converted = [0] * len(BANDS)
    for score, won in outcomes:
        index = band_index(score)
        leads[index] += 1
        converted[index] += int(won)
    return [Band(low, high, leads[i], converted[i]) for i, (low, high) in enumerate(BANDS)]


def band_label(band: Band | tuple[int, int]) -> str:
    low, high = (band.low, band.high) if isinstance(band, Band) else band
    return f"{low}–{high}"


def ranked(scores: Sequence[tuple[int, Score, date]]) -> list[int]:
    """Lead ids, highest score first; among equals the newest lead first, then the lower id."""
    order = sorted(scores, key=lambda row: (-row[1].score, -row[2].toordinal(), row[0]))
    return [lead_id for lead_id, _score, _created in order]
