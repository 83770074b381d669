"""Annotations for the pages and the API: those a chart's periods hold, placed at their
period, and the workspace's list."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.formats import date_format

from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Annotation
from kpiapp.selectors.kpi_lookup import workspace_kpi


@dataclass(frozen=True)
class ChartNote:
    annotation: Annotation
    number: int  # its number in the list under the chart, also drawn on its line
    # Where on the chart's x axis it is drawn: the index of its period, or a point between two
    # (a burn-up chart's month ends); None: its period has no value shown.
    index: float | None
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


def _numbered(
    found: Iterable[Annotation], place: Callable[[date], float | None], names: dict[str, str]
) -> list[ChartNote]:
    """Number the annotations of one chart in date order and place each on its x axis."""
    notes = []
    for number, note in enumerate(found, start=1):
        if note.kpi_key and note.kpi_key not in names:
            kpi = workspace_kpi(note.kpi_key)
            names[note.kpi_key] = str(kpi.name) if kpi else ""
        notes.append(ChartNote(note, number, place(note.day), names.get(note.kpi_key, "")))
    return notes


def _period_place(periods: list[Period]) -> Callable[[date], float | None]:
    """At the index of the period that holds the day."""
    index = {p.start: i for i, p in enumerate(periods)}
    grain = periods[0].grain
    return lambda day: index.get(Period.of_start(grain, day).start)


def chart_notes(*, periods: list[Period], kpi_key: str) -> list[ChartNote]:
    """The annotations within a chart's periods (first start to last end), each at the index
    of the period that holds its day."""
    if not periods:
        return []
    found = annotations_between(start=periods[0].start, end=periods[-1].end, kpi_key=kpi_key)
    return _numbered(found, _period_place(periods), {})


@dataclass(frozen=True)
class ChartNotes:
    """One chart's annotations: the list under it and what the plugin draws."""

    notes: list[ChartNote]

    def markers(self) -> list[dict[str, object]]:
        return chart_markers(self.notes)


def _by_kpi(
    *, start: date, end: date, kpi_keys: Iterable[str], place: Callable[[date], float | None]
) -> dict[str, ChartNotes]:
    """Each KPI's chart's annotations (its own and those for every chart), from one query."""
    keys = set(kpi_keys)
    found = list(
        Annotation.objects.filter(day__gte=start, day__lte=end)
        .filter(Q(kpi_key="") | Q(kpi_key__in=keys))
        .order_by("day", "id")
    )
    names: dict[str, str] = {}
    return {
        key: ChartNotes(_numbered([n for n in found if n.kpi_key in ("", key)], place, names))
        for key in keys
    }


def notes_by_kpi(*, periods: list[Period], kpi_keys: Iterable[str]) -> dict[str, ChartNotes]:
    """For charts that share their periods (a report's): each KPI's annotations, at the index
    of the period that holds their day."""
    if not periods:
        return {key: ChartNotes([]) for key in kpi_keys}
    place = _period_place(periods)
    return _by_kpi(start=periods[0].start, end=periods[-1].end, kpi_keys=kpi_keys, place=place)


def burnup_place(quarter: Period) -> Callable[[date], float | None]:
    """On a burn-up chart (points at the quarter's start, index 0, and at each month's end,
    1 to 3): a day of the quarter's k-th month lies between k and k + 1, by how far into
    its month it is (the middle of the day)."""

    def place(day: date) -> float:
        k = quarter.months.index(month_index(day))
        days = monthrange(day.year, day.month)[1]
        return round(k + (day.day - 0.5) / days, 3)

    return place


def burnup_notes(*, quarter: Period, kpi_keys: Iterable[str]) -> dict[str, ChartNotes]:
    """The annotations of the quarter on each target's burn-up chart, by KPI."""
    return _by_kpi(
        start=quarter.start, end=quarter.end, kpi_keys=kpi_keys, place=burnup_place(quarter)
    )


def chart_markers(notes: list[ChartNote]) -> list[dict[str, object]]:
    return [n.marker() for n in notes]


def kpi_names(notes: list[Annotation]) -> dict[str, str]:
    """The names of the KPIs the annotations belong to, by key (for the workspace's list)."""
    names = {}
    for key in {n.kpi_key for n in notes if n.kpi_key}:
        kpi = workspace_kpi(key)
        names[key] = str(kpi.name) if kpi else ""
    return names
