"""The built-in benchmark library (BENCHMARKS.md), choosing a row, and the verdict.

The rows live in `benchmarks.toml` beside this module, loaded and checked once (the app's
`ready`): a row with an unknown KPI, grain, segment, form, unit or source label stops the start
with a message naming the row. Values are in the KPI's own unit: rates as fractions (4.4 % is
0.044), days as days.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

Form = Literal["point", "band", "at_least", "at_most"]
Verdict = Literal["better", "on_par", "worse"]
SEGMENTS = ("early", "smb", "mid-market", "enterprise")
GRAINS = ("month", "quarter", "year")
FORMS = ("point", "band", "at_least", "at_most")
# BENCHMARKS.md "Source labels": what a row's figure was read in.
LABELS = ("primary", "primary, copy", "secondary", "seed article")
# What kind of number a row is (the first words of its label on a page).
KINDS = (
    "median",
    "medians_range",
    "average",
    "survey",
    "typical_range",
    "guideline",
    "rule_of_thumb",
    "example_target",
    "worked_example",
)
ON_PAR_RELATIVE = Fraction(5, 100)  # a point benchmark: on par within 5 % of it
LIBRARY_FILE = Path(__file__).with_name("benchmarks.toml")


@dataclass(frozen=True)
class Text:
    """A text of the library in English and German; shows in the active language."""

    en: str
    de: str

    def __str__(self) -> str:
        text = self.de if (get_language() or "").startswith("de") else self.en
        return _named(text)

    def __bool__(self) -> bool:
        return bool(self.en or self.de)


def _named(text: str) -> str:
    """`nrr` or `smb` in a note reads as the KPI's or the segment's name, not as a key."""
    from kpiapp.kpis.registry import KPI_BY_KEY

    def name(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in KPI_BY_KEY:
            return str(KPI_BY_KEY[key].name)
        return str(segment_name(key)) if key in (*SEGMENTS, "all") else key

    return re.sub(r"`([a-z_-]+)`", name, text)


def segment_name(segment: str) -> str:
    from django.utils.translation import gettext

    return {
        "early": gettext("Early stage"),
        "smb": gettext("Small and medium businesses"),
        "mid-market": gettext("Mid-market"),
        "enterprise": gettext("Enterprise"),
        "all": gettext("All companies"),
        "team": gettext("Your team"),
    }.get(segment, segment)


@dataclass(frozen=True)
class Benchmark:
    key: str
    grain: str
    segment: str  # early, smb, mid-market, enterprise, all, or team
    form: Form
    low: Decimal  # the point, the threshold, or the band's lower end
    high: Decimal | None = None  # the band's upper end
    source: str = ""  # the source's title as BENCHMARKS.md names it
    year: int | None = None
    population: str | Text = ""
    note: str | Text = ""  # the population, the source's definition, where it differs from ours
    url: str = ""
    label: str = ""  # a source label of LABELS; empty for a team row
    kind: str = ""  # one of KINDS; empty for a team row
    publisher: str | Text = ""
    url_note: str | Text = ""  # where the text was read when not on the publisher's page
    seed_doc: str = ""  # the seed document's number, for seed-article rows
    unit: str = ""  # "%" when the source quotes percent (the value is then a fraction)

    @property
    def is_team(self) -> bool:
        return self.segment == "team"

    @property
    def ref(self) -> str:
        """A stable name of a built-in row (what a workspace's pick stores)."""
        year = self.year or "nd"
        return f"{self.key}.{self.grain}.{self.segment}.{self.form}.{self.low.normalize()}.{year}"


class LibraryError(ImproperlyConfigured):
    pass


_REQUIRED = (
    "kpi",
    "grain",
    "segment",
    "form",
    "low",
    "unit",
    "label",
    "source",
    "kind",
    "url",
    "publisher_en",
    "population_en",
    "population_de",
    "note_en",
    "note_de",
)
_OPTIONAL = ("high", "year", "seed_doc", "publisher_de", "url_note_en", "url_note_de")


def _decimal(raw: Any, where: str, field: str) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise LibraryError(f"{where}: {field} {raw!r} is not a number") from None


def _row(path: Path, number: int, raw: dict[str, Any]) -> Benchmark:
    from kpiapp.kpis.registry import KPI_BY_KEY

    where = f"{path.name}, benchmark {number} ({raw.get('kpi', '?')}, {raw.get('segment', '?')})"
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    missing = [f for f in _REQUIRED if f not in raw]
    if unknown or missing:
        raise LibraryError(f"{where}: unknown fields {sorted(unknown)}, missing {missing}")
    checks = [
        ("kpi", raw["kpi"] in KPI_BY_KEY, "is no KPI of the registry"),
        ("grain", raw["grain"] in GRAINS, f"is none of {GRAINS}"),
        ("segment", raw["segment"] in (*SEGMENTS, "all"), "is no segment (or all)"),
        ("form", raw["form"] in FORMS, f"is none of {FORMS}"),
        ("label", raw["label"] in LABELS, f"is none of {LABELS}"),
        ("kind", raw["kind"] in KINDS, f"is none of {KINDS}"),
        ("url", raw["url"] == "" or str(raw["url"]).startswith("https://"), "is not https"),
        ("year", isinstance(raw.get("year", 2000), int), "is not a year"),
    ]
    for field, ok, problem in checks:
        if not ok:
            raise LibraryError(f"{where}: {field} {raw.get(field)!r} {problem}")
    kpi_unit = KPI_BY_KEY[raw["kpi"]].unit
    if (raw["unit"] == "%") != (kpi_unit == "rate") or raw["unit"] not in ("%", ""):
        raise LibraryError(f"{where}: unit {raw['unit']!r} does not fit the KPI's unit {kpi_unit}")
    scale = Decimal(100) if raw["unit"] == "%" else Decimal(1)
    low = _decimal(raw["low"], where, "low") / scale
    high = _decimal(raw["high"], where, "high") / scale if "high" in raw else None
    if (high is not None) != (raw["form"] == "band") or (high is not None and high <= low):
        raise LibraryError(f"{where}: a band needs a high above its low; other forms have none")
    return Benchmark(
        key=raw["kpi"],
        grain=raw["grain"],
        segment=raw["segment"],
        form=raw["form"],
        low=low,
        high=high,
        source=raw["source"],
        year=raw.get("year"),
        population=Text(raw["population_en"], raw["population_de"]),
        note=Text(raw["note_en"], raw["note_de"]),
        url=raw["url"],
        label=raw["label"],
        kind=raw["kind"],
        publisher=Text(raw["publisher_en"], raw.get("publisher_de") or raw["publisher_en"]),
        url_note=Text(raw.get("url_note_en", ""), raw.get("url_note_de", "")),
        seed_doc=raw.get("seed_doc", ""),
        unit=raw["unit"],
    )


def load_library(path: Path | None = None) -> tuple[Benchmark, ...]:
    """Read and check the library file; a LibraryError names the first bad row."""
    path = path or LIBRARY_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LibraryError(f"The benchmark library {path.name} cannot be read: {error}") from None
    rows = data.get("benchmark")
    if not isinstance(rows, list) or not rows:
        raise LibraryError(f"The benchmark library {path.name} has no [[benchmark]] rows")
    return tuple(_row(path, n, raw) for n, raw in enumerate(rows, start=1))


@cache
def library() -> tuple[Benchmark, ...]:
    """The built-in rows, in the order of BENCHMARKS.md (read once per process)."""
    return load_library()


def choose(rows: Iterable[Benchmark], *, key: str, grain: str, segment: str) -> Benchmark | None:
    """The row a KPI at a grain is judged by (BENCHMARKS.md "Choosing the row"): the workspace
    segment's rows, else those of segment `all`; a team row wins over a built-in one; then the
    newest year (an undated row counts as the oldest); then the first listed."""
    candidates = [r for r in rows if r.key == key and r.grain == grain]
    team = [r for r in candidates if r.is_team]
    pool: Sequence[Benchmark] = (
        team
        or [r for r in candidates if r.segment == segment]
        or [r for r in candidates if r.segment == "all"]
    )
    if not pool:
        return None
    newest = max(r.year or 0 for r in pool)
    return next(r for r in pool if (r.year or 0) == newest)


def references(rows: Iterable[Benchmark], *, key: str, segment: str) -> list[Benchmark]:
    """Every row for a KPI a workspace can be compared with, at any grain: the team's own,
    then the built-in rows of its segment, else those of segment `all`, in library order."""
    candidates = [r for r in rows if r.key == key]
    team = [r for r in candidates if r.is_team]
    own = [r for r in candidates if r.segment == segment]
    grains_with_own = {r.grain for r in own}
    general = [r for r in candidates if r.segment == "all" and r.grain not in grains_with_own]
    library_rows = [r for r in candidates if r in own or r in general]
    return [*team, *library_rows]


def verdict(row: Benchmark, value: Decimal | Fraction, direction: str) -> Verdict | None:
    """better / on par / worse by the KPI's direction; None for a neutral KPI."""
    if direction == "neutral":
        return None
    v = Fraction(value)
    low = Fraction(row.low)
    up = direction == "up"
    if row.form == "at_least":
        return "better" if v >= low else "worse"
    if row.form == "at_most":
        return "better" if v <= low else "worse"
    if row.form == "band":
        high = Fraction(row.high if row.high is not None else row.low)
        if low <= v <= high:
            return "on_par"
        above = v > high
    else:
        if abs(v - low) <= abs(low) * ON_PAR_RELATIVE:
            return "on_par"
        above = v > low
    return "better" if above == up else "worse"


def verdict_at(
    row: Benchmark, value: Decimal | Fraction | None, direction: str, grain: str
) -> Verdict | None:
    """The verdict only at the row's own grain (BENCHMARKS.md): None elsewhere or without a
    value."""
    if value is None or row.grain != grain:
        return None
    return verdict(row, value, direction)
