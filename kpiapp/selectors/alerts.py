"""The alerts page: the workspace's rules and the history of what they fired."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from accounts.models import Workspace
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.models import AlertEvent, AlertRule
from kpiapp.selectors.targets import kpi_facts
from kpiapp.services.alerts import event_text

EVENTS_PER_PAGE = 50


@dataclass(frozen=True)
class EventRow:
    event: AlertEvent
    text: str
    sent: int
    pending: int
    failed: int


def alert_rules() -> list[tuple[AlertRule, KpiDefinition | None]]:
    facts = kpi_facts()
    rules = AlertRule.objects.select_related("created_by").order_by("kpi_key", "id")
    return [(rule, facts.get(rule.kpi_key)) for rule in rules]


def alert_history(workspace: Workspace, page_number: str | int | None) -> tuple[Page, list]:
    """One page of fired alerts, newest first, each in words with its deliveries counted."""
    facts = kpi_facts()
    events = AlertEvent.objects.select_related("rule").prefetch_related("deliveries")
    page = Paginator(events.order_by("-fired_at", "-id"), EVENTS_PER_PAGE).get_page(page_number)
    rows = []
    for event in page.object_list:
        kpi = facts.get(event.rule.kpi_key)
        statuses = [d.status for d in event.deliveries.all()]
        text = event_text(event, kpi, workspace) if kpi else event.rule.kpi_key
        rows.append(EventRow(event, text, statuses.count("sent"), statuses.count("pending"),
                             statuses.count("failed")))  # fmt: skip
    return page, rows
