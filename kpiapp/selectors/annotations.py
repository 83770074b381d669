"""Annotations for the pages and the API: those a chart's periods hold, placed at their
period, and the workspace's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.formats import date_format

from kpiapp.kpis.periods import Period
from kpiapp.models import Annotation
from kpiapp.selectors.kpi_lookup import workspace_kpi


@dataclass(frozen=True)
class ChartNote:
    annotation: Annotation
    number: int  # its number in the list under the chart, also drawn on its line
    index: int | None  # the chart's period it is drawn at; None: its period has no value shown
    kpi_name: str  # empty for the whole workspace

    def marker(self) -> dict[str, object]:
        """What the chart plugin (static/js/annotations.js) draws: words only, no codes."""
        note = self.annotation
        return {
            "number": self.number,
            "index": self.index,
            "date": date_format(note.day, "DATE_FORMAT"),
            "text": note.text,
        }


def annotations_between(
    *, start: date | None = None, end: date | None = None, kpi_key: str | None = None
) -> QuerySet[Annotation]:
    """The workspace's annotations in date order; with `kpi_key`, those of that KPI and those
    for every chart (no KPI)."""
    notes = Annotation.objects.all()
    if start is not None:
        notes = notes.filter(day__gte=start)
    if end is not None:
        notes = notes.filter(day__lte=end)
    if kpi_key is not None:
        notes = notes.filter(Q(kpi_key="") | Q(kpi_key=kpi_key))
    return notes.order_by("day", "id")


def chart_notes(*, periods: list[Period], kpi_key: str) -> list[ChartNote]:
    """The annotations within a chart's periods (first start to last end), each at the index
    of the period that holds its day."""
    if not periods:
        return []
    index = {p.start: i for i, p in enumerate(periods)}
    grain = periods[0].grain
    names: dict[str, str] = {}
    notes = []
    found = annotations_between(start=periods[0].start, end=periods[-1].end, kpi_key=kpi_key)
    for number, note in enumerate(found, start=1):
        if note.kpi_key and note.kpi_key not in names:
            kpi = workspace_kpi(note.kpi_key)
            names[note.kpi_key] = str(kpi.name) if kpi else ""
        at = index.get(Period.of_start(grain, note.day).start)
        notes.append(ChartNote(note, number, at, names.get(note.kpi_key, "")))
    return notes


def chart_markers(notes: list[ChartNote]) -> list[dict[str, object]]:
    return [n.marker() for n in notes]


def kpi_names(notes: list[Annotation]) -> dict[str, str]:
    """The names of the KPIs the annotations belong to, by key (for the workspace's list)."""
    names = {}
    for key in {n.kpi_key for n in notes if n.kpi_key}:
        kpi = workspace_kpi(key)
        names[key] = str(kpi.name) if kpi else ""
    return names
