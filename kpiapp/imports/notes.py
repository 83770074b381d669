"""Notes on a valid file: things the check points out but does not refuse, shown with the
check's summary and the import's outcome (in the uploader's language, like the errors).

A touchpoint before the day its lead was created is one: the ad click or the visit that
brought the lead in often comes first, so it is imported as it is, but a date typed wrongly
would look the same, so the check names the lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kpiapp.models import Lead

Records = Sequence[tuple[int, dict[str, Any]]]  # (line in the file, model attributes)
LINES_SHOWN = 10


def lines_text(lines: list[int]) -> str:
    """“2, 5, 9” or “2, 5, 9, … (12 in all)”."""
    shown = ", ".join(str(line) for line in lines[:LINES_SHOWN])
    if len(lines) <= LINES_SHOWN:
        return shown
    return _("%(lines)s, … (%(count)s in all)") % {"lines": shown, "count": len(lines)}


def _touchpoints(records: Records) -> list[str]:
    lead_ids = {attrs["lead_id"] for _line, attrs in records if attrs.get("lead_id")}
    if not lead_ids:
        return []
    created = dict(Lead.objects.filter(id__in=lead_ids).values_list("id", "created_at"))
    early = [
        line
        for line, attrs in records
        if attrs.get("lead_id") in created
        and attrs.get("occurred_at") is not None
        and attrs["occurred_at"] < created[attrs["lead_id"]]
    ]
    if not early:
        return []
    text = ngettext(
        "%(count)s touchpoint lies before the day its lead was created (line %(lines)s). "
        "It is imported as it is: the click or visit that brings a lead in often comes "
        "first. Check the date if that is not what happened.",
        "%(count)s touchpoints lie before the day their lead was created (lines %(lines)s). "
        "They are imported as they are: the click or visit that brings a lead in often comes "
        "first. Check the dates if that is not what happened.",
        len(early),
    )
    return [text % {"count": len(early), "lines": lines_text(early)}]


NOTES: dict[str, Callable[[Records], list[str]]] = {"touchpoints": _touchpoints}


def notes(kind: str, records: Records) -> list[str]:
    """What the check of a valid file of `kind` points out (inside the workspace's scope)."""
    note = NOTES.get(kind)
    return note(records) if note is not None else []
