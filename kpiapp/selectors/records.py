"""Reads for the data pages: filtered, sorted, paginated lists and an account's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, QueryDict

from kpiapp import models as m
from kpiapp.data_kinds import DataKind
from kpiapp.models.subscriptions import MONTHS_PER_INTERVAL

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListView:
    page: Page
    query: str
    sort: str
    filters: dict[str, str]
    filter_choices: dict[str, list[tuple[str, str]]]
    filter_labels: dict[str, str]
    total: int


def _filter_choices(kind: DataKind) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for name in kind.filters:
        if name == "channel":
            out[name] = [
                (str(pk), label) for pk, label in m.Channel.objects.values_list("id", "name")
            ]
        elif name == "country":
            out[name] = [
                (c, c)
                for c in kind.model.objects.exclude(**{name: ""})
                .order_by(name)
                .values_list(name, flat=True)
                .distinct()
            ]
        else:
            out[name] = [(str(v), str(label)) for v, label in kind.field(name).flatchoices]
    return out


def record_list(kind: DataKind, params: QueryDict) -> ListView:
    records = kind.model.objects.select_related(*kind.related)
    query = params.get("q", "").strip()
    if query:
        records = records.filter(
            reduce(or_, (Q(**{f"{f}__icontains": query}) for f in kind.search))
        )
    choices = _filter_choices(kind)
    active: dict[str, str] = {}
    for name in kind.filters:
        value = params.get(name, "")
        if value and value in {v for v, _label in choices[name]}:
            records = records.filter(**{f"{name}_id" if name == "channel" else name: value})
            active[name] = value
    sort = params.get("sort", "")
    if sort not in kind.sorts:
        sort = kind.default_sort
    records = records.order_by(sort, "-id")
    paginator = Paginator(records, PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    labels = {name: str(kind.field(name).verbose_name) for name in kind.filters}
    return ListView(
        page=page,
        query=query,
        sort=sort,
        filters=active,
        filter_choices=choices,
        filter_labels=labels,
        total=paginator.count,
    )


def record_get(kind: DataKind, pk: int) -> models.Model:
    record = kind.model.objects.select_related(*kind.related).filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return record


def data_counts(kinds: dict[str, DataKind]) -> dict[str, int]:
    return {slug: kind.model.objects.count() for slug, kind in kinds.items()}


# --- an account's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class MrrPoint:
    month: date
    mrr_cents: int


def subscription_mrr_cents(sub: m.Subscription) -> Decimal:
    """Normalised monthly revenue of one row (KPIS.md section 1), before currency conversion."""
    months = MONTHS_PER_INTERVAL[sub.interval] * sub.interval_count
    return Decimal(sub.amount_cents) * sub.quantity * (1 - sub.discount_percent / 100) / months


def _active_on(sub: m.Subscription, day: date) -> bool:
    if sub.started_at > day or (sub.ended_at is not None and day >= sub.ended_at):
        return False
    return not (sub.trial_ends_at is not None and day < sub.trial_ends_at)


def _month_ends(first: date, last: date) -> list[date]:
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        next_first = date(year + month // 12, month % 12 + 1, 1)
        ends.append(date.fromordinal(next_first.toordinal() - 1))
        year, month = next_first.year, next_first.month
    return ends


def account_mrr_timeline(subs: list[m.Subscription], today: date) -> list[MrrPoint]:
    """The account's MRR at the end of each month from its first start to today, in each
    row's own currency summed as is (a view of one account; the KPI engine converts)."""
    if not subs:
        return []
    first = min(s.started_at for s in subs)
    points = []
    for end in _month_ends(first, today):
        day = min(end, today)
        total = sum((subscription_mrr_cents(s) for s in subs if _active_on(s, day)), Decimal(0))
        points.append(MrrPoint(month=end.replace(day=1), mrr_cents=int(total.to_integral_value())))
    return points


def account_story(account: m.Account, today: date) -> dict[str, Any]:
    subs = list(account.subscriptions.order_by("started_at"))
    return {
        "deals": account.deals.select_related("channel").order_by("-created_at")[:100],
        "subscriptions": subs,
        "mrr_timeline": account_mrr_timeline(subs, today),
        "leads": account.leads.select_related("channel", "campaign").order_by("-created_at"),
        "nps": account.nps_responses.order_by("-responded_at")[:50],
        "usage": account.usage.order_by("-month")[:24],
        "counts": account.deals.aggregate(won=Count("id", filter=Q(stage="won"))),
    }
