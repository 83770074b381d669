"""The audit log as owners and admins read it: newest first, filtered by action, person and
date range, on the page, in its CSV export and in the API alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

import django_filters

from accounts.models import AuditEvent, Workspace
from kpiapp.exports.csv_dialect import neutralise
from kpiapp.selectors.audit_text import AuditEntry, AuditPresenter, action_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=action_choices, empty_label=_("All actions")
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


def audit_entries(workspace: Workspace, events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """Each event with its words (action, subject, details), for the pages."""
    presenter = AuditPresenter(workspace)
    return [presenter.present(event) for event in events]


def csv_columns() -> list[str]:
    # The action key stays as a stable column for machines, labelled like the others.
    return [
        str(_("Time")),
        str(_("Person")),
        str(_("Action")),
        str(_("Object")),
        str(_("Details")),
        str(_("IP address")),
        str(_("Action key")),
    ]


def audit_csv_rows(workspace: Workspace, events: Iterable[AuditEvent]) -> Iterator[list[str]]:
    """The CSV in the reader's language; times in the workspace's time zone (ISO 8601 with
    the offset, so spreadsheets and scripts read them alike)."""
    yield csv_columns()
    presenter = AuditPresenter(workspace)
    for event in events:
        entry = presenter.present(event)
        yield [
            event.created_at.astimezone(presenter.zone).isoformat(timespec="seconds"),
            neutralise(event.actor_label or actor_name(event)),
            neutralise(capfirst(entry.action)),
            neutralise(entry.subject),
            neutralise("; ".join(entry.details)),
            event.ip_address or "",
            event.action,
        ]
