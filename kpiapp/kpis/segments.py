"""Segments (issue 19 item 4): one or more conditions (dimension, value) among plan, country,
channel and campaign, as they stand in the address (`?segment=country:DE;plan:Pro`).

Snapshots hold each KPI for the total and per single dimension value, so one condition reads
that KPI's breakdown row. Several conditions at once need the records again (a plan *and* a
country is no sum or share of the single-dimension rows): `kpis/segment_run.py` computes the
account-level KPIs and the cohorts for them. Pure: no database, no requests."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kpiapp.countries import country_name

SEGMENT_DIMENSIONS = ("plan", "country", "channel", "campaign")
# German names typed by hand read the same (the address itself carries the English keys).
ALIASES = {"tarif": "plan", "land": "country", "kanal": "channel", "kampagne": "campaign"}
CONDITIONS_MAX = 4
VALUE_MAX = 200  # a snapshot's dimension_value holds 200 characters
TEXT_MAX = 1000


class SegmentError(ValueError):
    """A segment text that cannot be read; its message is for people."""


@dataclass(frozen=True)
class Condition:
    dimension: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.dimension}:{self.value}"


def segment_parse(text: str) -> tuple[Condition, ...]:
    """`country:DE;plan:Pro` as conditions; an empty text is every customer (no condition)."""
    text = (text or "").strip()
    if not text:
        return ()
    if len(text) > TEXT_MAX or "\n" in text or "\r" in text:
        raise SegmentError(_("The segment is too long or not on one line."))
    conditions: list[Condition] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        dimension, sep, value = part.partition(":")
        dimension, value = dimension.strip().lower(), value.strip()
        dimension = ALIASES.get(dimension, dimension)
        if not sep or dimension not in SEGMENT_DIMENSIONS:
            raise SegmentError(
                _("A condition reads like “country:DE” or “plan:Pro”: by plan, country, "
                  "channel or campaign.")
            )  # fmt: skip
        if not value or len(value) > VALUE_MAX:
            raise SegmentError(_("Each segment condition needs a value of at most 200 characters."))
        condition = Condition(dimension, value)
        if condition not in conditions:
            conditions.append(condition)
    if len(conditions) > CONDITIONS_MAX:
        raise SegmentError(_("A segment has at most four conditions."))
    return tuple(conditions)


def segment_text(conditions: tuple[Condition, ...] | list[Condition]) -> str:
    """The address form of conditions (the inverse of `segment_parse`)."""
    return ";".join(c.text for c in conditions)


def value_name(dimension: str, value: str) -> str:
    """A condition's value as the page shows it: a country code by its name in the UI
    language ("DE": "Deutschland" / "Germany"); plans, channels and campaigns as named."""
    if dimension == "country":
        return country_name(value, get_language() or "en")
    return value
