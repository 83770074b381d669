"""Lead scoring, the read side: the workspace's rules, the score of leads with the reasons,
the hottest open leads and the check of the rules against decided leads (the backtest).

Open and decided (README, "Lead scoring"): a lead is **decided** once it converted, once a
deal of it was lost, or once it is `DECISION_DAYS` old without either; every other lead is
**open**. An open lead is scored as of today. A decided lead is scored as of its creation plus
`lead_scoring.RECENT_DAYS` days, or the day before it converted if that came first (`as_of`):
what the team would have seen a month into the lead, before its decision. The backtest
counts the decided leads per score band and how many of them converted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpiapp.kpis import lead_scoring as ls
from kpiapp.models import (
    Deal,
    DealStage,
    Lead,
    LeadScoringRule,
    ScoringRuleKind,
    Touchpoint,
    TouchpointType,
)

DECISION_DAYS = 90
LEADS_PER_PAGE = 25
KIND_ORDER = list(ScoringRuleKind.values)


@dataclass(frozen=True)
class ScoredLead:
    lead: Lead
    score: ls.Score


def scoring_rules() -> list[LeadScoringRule]:
    """The rules in reading order: fit (industry, size, country), then engagement."""
    rules = LeadScoringRule.objects.all()
    return sorted(rules, key=lambda rule: (KIND_ORDER.index(rule.kind), rule.pk))


def engine_rules() -> list[ls.Rule]:
    return [
        ls.Rule(r.pk, r.kind, r.label, r.points, r.value, r.minimum, r.maximum)
        for r in scoring_rules()
    ]


def _lost_leads() -> QuerySet:
    return Deal.objects.filter(stage=DealStage.LOST, lead__isnull=False).values("lead_id")


def open_leads(today: date) -> QuerySet[Lead]:
    return Lead.objects.filter(
        converted_at__isnull=True,
        created_at__gt=today - timedelta(days=DECISION_DAYS),
        created_at__lte=today,
    ).exclude(pk__in=_lost_leads())


def decided_leads(today: date) -> QuerySet[Lead]:
    decided = (
        Q(converted_at__isnull=False)
        | Q(created_at__lte=today - timedelta(days=DECISION_DAYS))
        | Q(pk__in=_lost_leads())
    )
    return Lead.objects.filter(decided, created_at__lte=today)


def as_of(
    created_at: date, today: date, *, decided: bool, converted_at: date | None = None
) -> date:
    """The day a lead is scored as of: today while it is open; once decided, its creation +
    30 days, or the day before it converted if that is earlier (never before its creation),
    so what happened after the decision does not count."""
    if not decided:
        return today
    day = created_at + timedelta(days=ls.RECENT_DAYS)
    if converted_at is not None:
        day = min(day, max(created_at, converted_at - timedelta(days=1)))
    return min(day, today)


def lead_facts(leads: QuerySet[Lead]) -> dict[int, ls.LeadFacts]:
    """The facts the rules read, for every lead of `leads`, in three queries."""
    rows = list(
        leads.values_list(
            "pk",
            "account_id",
            "account__industry",
            "account__employees",
            "account__country",
            "account__created_at",
        )
    )
    by_lead: dict[int, list[tuple[date, str]]] = defaultdict(list)
    by_account: dict[int, list[tuple[date, str]]] = defaultdict(list)
    own = Touchpoint.objects.filter(lead__in=leads.values("pk"))
    for lead_id, day, kind in own.values_list("lead_id", "occurred_at", "type"):
        by_lead[lead_id].append((day, kind))
    accounts = leads.filter(account__isnull=False).values("account_id")
    theirs = Touchpoint.objects.filter(account__in=accounts)
    for account_id, day, kind in theirs.values_list("account_id", "occurred_at", "type"):
        by_account[account_id].append((day, kind))
    facts = {}
    for pk, account_id, industry, employees, country, created_at in rows:
        company = None
        if account_id is not None:
            company = ls.Company(industry or "", employees, country or "", created_at)
        touchpoints = by_lead[pk] + (by_account[account_id] if account_id else [])
        facts[pk] = ls.LeadFacts(company, tuple(sorted(touchpoints)))
    return facts


def hottest_leads(today: date, page_number: str | int | None) -> tuple[Page, list[ScoredLead]]:
    """One page of the open leads, highest score first, each with its reasons."""
    rules = engine_rules()
    leads = open_leads(today)
    created = dict(leads.values_list("pk", "created_at"))
    scores = {pk: ls.score_lead(rules, facts, today) for pk, facts in lead_facts(leads).items()}
    order = ls.ranked([(pk, score, created[pk]) for pk, score in scores.items()])
    page = Paginator(order, LEADS_PER_PAGE).get_page(page_number)
    ids = list(page.object_list)
    objects = Lead.objects.select_related("account", "channel").in_bulk(ids)
    return page, [ScoredLead(objects[pk], scores[pk]) for pk in ids]


def backtest_bands(today: date) -> list[ls.Band]:
    """The decided leads per score band (scored as of creation + 30 days), with conversions."""
    rules = engine_rules()
    leads = decided_leads(today)
    rows = leads.values_list("pk", "created_at", "converted_at")
    known = {pk: (created_at, converted_at) for pk, created_at, converted_at in rows}
    outcomes = []
    for pk, facts in lead_facts(leads).items():
        created_at, converted_at = known[pk]
        day = as_of(created_at, today, decided=True, converted_at=converted_at)
        outcomes.append((ls.score_lead(rules, facts, day).score, converted_at is not None))
    return ls.backtest(outcomes)


def lead_scores(leads: Sequence[Lead], today: date) -> dict[int, ls.Score]:
    """The score of each given lead (for the API): open leads as of today, decided leads as
    of the day the backtest scores them."""
    if not leads:
        return {}
    ids = [lead.pk for lead in leads]
    rules = engine_rules()
    lost = set(
        Deal.objects.filter(stage=DealStage.LOST, lead_id__in=ids).values_list("lead_id", flat=True)
    )
    facts = lead_facts(Lead.objects.filter(pk__in=ids))
    scores = {}
    for lead in leads:
        decided = (
            lead.converted_at is not None
            or lead.pk in lost
            or lead.created_at <= today - timedelta(days=DECISION_DAYS)
        )
        day = as_of(lead.created_at, today, decided=decided, converted_at=lead.converted_at)
        scores[lead.pk] = ls.score_lead(rules, facts[lead.pk], day)
    return scores


def backtest_chart(bands: list[ls.Band]) -> dict[str, list]:
    """The chart's data: band labels, conversion rates in % (None for an empty band), counts."""
    return {
        "labels": [ls.band_label(band) for band in bands],
        "rates": [
            None if band.rate is None else round(float(band.rate) * 100, 1) for band in bands
        ],
        "leads": [band.leads for band in bands],
    }


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def rule_condition(rule: LeadScoringRule) -> str:
    """What a rule asks of a lead, in words ("Employees between 50 and 1,000")."""
    kind, low, high = rule.kind, rule.minimum, rule.maximum
    if kind == ScoringRuleKind.INDUSTRY:
        return _("Industry is %(value)s") % {"value": rule.value}
    if kind == ScoringRuleKind.COUNTRY:
        return _("Country is %(value)s") % {"value": rule.value}
    if kind == ScoringRuleKind.TOUCHPOINT_TYPE:
        label = dict(TouchpointType.choices).get(rule.value, rule.value)
        return _("Had a touchpoint of the type %(type)s") % {"type": label}
    if kind == ScoringRuleKind.RECENT_TOUCHPOINTS:
        n = low or 1
        text = ngettext(
            "At least %(n)s touchpoint in the last 30 days",
            "At least %(n)s touchpoints in the last 30 days",
            n,
        )
        return text % {"n": _count(n)}
    if low is not None and high is not None:
        return _("%(low)s to %(high)s employees") % {"low": _count(low), "high": _count(high)}
    if low is not None:
        return _("At least %(low)s employees") % {"low": _count(low)}
    return _("At most %(high)s employees") % {"high": _count(high or 0)}
