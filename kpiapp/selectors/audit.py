"""The audit log as owners and admins read it: newest first, filtered by action, person and
date range, on the page, in its CSV export and in the API alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

import django_filters

from accounts.models import AuditAction, AuditEvent
from kpiapp.exports import neutralise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditAction.choices, empty_label=_("All actions")
    )
    actor = django_filters.ChoiceFilter(
        label=_("Person"), field_name="actor_label", empty_label=_("Everyone")
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "since", "until"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The people who appear in this workspace's log (the scope is set by the caller).
        labels = (
            AuditEvent.objects.exclude(actor_label="")
            .order_by("actor_label")
            .values_list("actor_label", flat=True)
            .distinct()
        )
        self.filters["actor"].extra["choices"] = [(label, label) for label in labels]


def audit_events(params: Any) -> AuditEventFilter:
    """The workspace's events (inside its scope) filtered by `params`, newest first."""
    events: QuerySet[AuditEvent] = AuditEvent.objects.select_related("actor").order_by(
        "-created_at", "-id"
    )
    return AuditEventFilter(params, queryset=events)


def actor_name(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.display_name
    return event.actor_label or str(_("deleted user"))


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "–" if value in (None, "") else str(value)


def detail_text(event: AuditEvent) -> str:
    """The event's detail as short text: `old → new` first, then `field: old → new` for
    changed settings and `key: value` for the rest, in a stable order."""
    data = dict(event.data or {})
    parts = []
    if "old" in data or "new" in data:
        parts.append(f"{_text(data.pop('old', None))} → {_text(data.pop('new', None))}")
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_text(value[0])} → {_text(value[1])}")
        elif value not in (None, "", [], {}):
            parts.append(f"{key}: {_text(value)}")
    return "; ".join(parts)


CSV_COLUMNS = ["time", "person", "action", "action_key", "object_type", "object", "detail", "ip"]


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for event in events:
        yield [
            event.created_at.isoformat(timespec="seconds"),
            neutralise(event.actor_label or actor_name(event)),
            neutralise(event.description),
            event.action,
            event.object_type,
            neutralise(event.subject),
            neutralise(detail_text(event)),
            event.ip_address or "",
        ]
