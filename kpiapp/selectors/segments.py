"""The segment a page shows (from `?segment=`), what it means for one KPI, and what the
filter bar offers (saved segments, the values found in the snapshots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.kpis.segment_run import ON_DEMAND_KEYS
from kpiapp.kpis.segments import (
    CONDITIONS_MAX,
    SEGMENT_DIMENSIONS,
    Condition,
    SegmentError,
    segment_parse,
    segment_text,
    value_name,
)
from kpiapp.models import KpiSnapshot, Segment

SEGMENT_PARAM = "segment"
# The KPIs whose breakdowns name every value a segment can take: accounts (plan, country,
# channel, campaign) and leads (channel, campaign).
OPTION_KEYS = ("mrr", "leads")

NO_BREAKDOWN = {
    "plan": _("This KPI has no breakdown by plan."),
    "country": _("This KPI has no breakdown by country."),
    "channel": _("This KPI has no breakdown by channel."),
    "campaign": _("This KPI has no breakdown by campaign."),
}
NOT_COMBINED = _(
    "This KPI cannot be shown for this combination of conditions: its breakdowns split by one "
    "condition at a time."
)
NONE_APPLIES = _(
    "This KPI cannot be shown for this combination of conditions: it has no breakdown by any "
    "of them."
)


@dataclass(frozen=True)
class Source:
    """Where a KPI's values under a segment come from: the snapshot rows of `condition` (the
    total when None), the on-demand run of several conditions, or nowhere (`shown` False)."""

    condition: Condition | None = None
    on_demand: bool = False
    shown: bool = True

    @property
    def snapshot_filter(self) -> dict[str, str]:
        return snapshot_filter(self.condition)


@dataclass(frozen=True)
class ActiveSegment:
    """The segment of the address: its conditions, the one applied, and what to tell."""

    conditions: tuple[Condition, ...] = ()
    error: str = ""  # the address could not be read: every customer is shown
    name: str = ""  # the saved segment's name when the conditions are one

    @property
    def applied(self) -> Condition | None:
        """The one condition of a segment of one condition (read from the snapshots)."""
        return self.conditions[0] if len(self.conditions) == 1 else None

    @property
    def active(self) -> bool:
        return bool(self.conditions)

    def source(self, kpi: KpiDefinition) -> Source:
        """One condition: its breakdown rows, if the KPI has that dimension. Several: the
        account-level KPIs on demand; any other KPI the breakdown rows of the one condition
        it has a dimension for, and nothing when none or several of them apply."""
        if not self.conditions:
            return Source()
        if self.several and kpi.key in ON_DEMAND_KEYS:
            return Source(on_demand=True)
        usable = self.usable(kpi)
        return Source(usable[0]) if len(usable) == 1 else Source(shown=False)

    def usable(self, kpi: KpiDefinition) -> list[Condition]:
        return [c for c in self.conditions if c.dimension in kpi.dimensions]

    @property
    def text(self) -> str:
        return segment_text(self.conditions)

    @property
    def several(self) -> bool:
        return len(self.conditions) > 1

    @property
    def query(self) -> str:
        """`segment=…` to append to links (empty without a segment)."""
        return urlencode({SEGMENT_PARAM: self.text}) if self.conditions else ""

    def label(self) -> str:
        return ", ".join(condition_name(c) for c in self.conditions)

    def without(self, condition: Condition) -> str:
        """The address text of this segment less `condition` ("" for every customer)."""
        return segment_text([c for c in self.conditions if c != condition])

    def adding(self, condition: Condition) -> str:
        """The address text of this segment and `condition` as well."""
        return segment_text([*self.conditions, condition])

    @property
    def full(self) -> bool:
        """No further condition can be added."""
        return len(self.conditions) >= CONDITIONS_MAX

    def missing(self, kpi: KpiDefinition) -> str | Promise:
        """Why `kpi` cannot be shown for the segment ("" when it can)."""
        if self.source(kpi).shown:
            return ""
        if not self.several:
            return NO_BREAKDOWN[self.conditions[0].dimension]
        return NOT_COMBINED if self.usable(kpi) else NONE_APPLIES

    def partly(self, kpi: KpiDefinition) -> str:
        """With several conditions, a KPI that shows the one of them it breaks down by says
        so ("" otherwise)."""
        source = self.source(kpi)
        if not self.several or source.condition is None:
            return ""
        return _(
            "This KPI shows “%(condition)s” only: it has no breakdown by the other conditions."
        ) % {"condition": condition_name(source.condition)}


def condition_name(condition: Condition) -> str:
    """The dimension and the value in words: "Land: Deutschland" / "Country: Germany"."""
    value = value_name(condition.dimension, condition.value)
    return f"{DIMENSION_NAMES[condition.dimension]}: {value}"


def active_segment(request: HttpRequest) -> ActiveSegment:
    """`?segment=` as conditions; a text that cannot be read gives its message, no filter."""
    try:
        conditions = segment_parse(request.GET.get(SEGMENT_PARAM, ""))
    except SegmentError as error:
        return ActiveSegment(error=str(error))
    saved = {s.text: s.name for s in Segment.objects.all()} if conditions else {}
    return ActiveSegment(conditions, name=saved.get(segment_text(conditions), ""))


def snapshot_filter(condition: Condition | None) -> dict[str, str]:
    """The snapshot rows of the total, or of one dimension value."""
    if condition is None:
        return {"dimension": "", "dimension_value": ""}
    return {"dimension": condition.dimension, "dimension_value": condition.value}


@dataclass(frozen=True)
class SegmentOptions:
    saved: list[Segment] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)  # dimension -> its values

    @property
    def dimensions(self) -> list[tuple[str, str | Promise, list[tuple[str, str]]]]:
        """Per dimension its name and its values as (address text, words), by the words."""
        return [
            (d, DIMENSION_NAMES[d], [(c.text, words) for c, words in self.conditions(d)])
            for d in SEGMENT_DIMENSIONS
        ]

    def conditions(self, dimension: str) -> list[tuple[Condition, str]]:
        """A dimension's values as conditions with their words, by the words."""
        conditions = [Condition(dimension, v) for v in self.values.get(dimension, [])]
        named = [(c, condition_name(c)) for c in conditions]
        return sorted(named, key=lambda pair: pair[1].casefold())


def segment_additions(
    segment: ActiveSegment, options: SegmentOptions
) -> list[tuple[str | Promise, list[tuple[str, str]]]]:
    """What can be added to an applied segment: per dimension it does not use yet (two values
    of one dimension match nobody) its name and its values as (the whole segment's address
    text, the added condition in words). Nothing without a segment or at CONDITIONS_MAX."""
    if not segment.conditions or segment.full:
        return []
    used = {c.dimension for c in segment.conditions}
    offered = [(d, options.conditions(d)) for d in SEGMENT_DIMENSIONS if d not in used]
    return [
        (DIMENSION_NAMES[d], [(segment.adding(c), words) for c, words in conditions])
        for d, conditions in offered
        if conditions
    ]


def segment_options(*, values: dict[str, list[str]] | None = None) -> SegmentOptions:
    """The saved segments by name and each dimension's values found in the snapshots (or
    `values`, e.g. from the cache)."""
    if values is None:
        values = segment_values()
    return SegmentOptions(saved=list(Segment.objects.order_by("name", "id")), values=values)


def segment_values() -> dict[str, list[str]]:
    """Each segment dimension's values in the snapshots, sorted."""
    rows = (
        KpiSnapshot.objects.filter(kpi_key__in=OPTION_KEYS, dimension__in=SEGMENT_DIMENSIONS)
        .exclude(dimension_value="")
        .values_list("dimension", "dimension_value")
        .distinct()
    )
    values: dict[str, set[str]] = {}
    for dimension, value in rows:
        values.setdefault(dimension, set()).add(value)
    return {d: sorted(v, key=str.casefold) for d, v in values.items()}


def report_segment_choices(current: str = "") -> list[tuple[object, object]]:
    """What a report's segment can be: the saved segments (of one condition or several, by
    name, with their conditions), then each dimension's values, grouped; `current` too when
    not among them."""
    options = segment_options()
    saved = [(s.text, segment_label(s.text, name=s.name)) for s in options.saved]
    choices: list[tuple[object, object]] = [(_("Saved segments"), saved)] if saved else []
    for _dimension, name, values in options.dimensions:
        if values:
            choices.append((name, list(values)))  # (address text, words) pairs
    listed = {s for s, _label in saved} | {
        f"{d}:{v}" for d, values in options.values.items() for v in values
    }
    if current and current not in listed:
        choices.append((current, segment_label(current)))
    return choices


def segment_label(text: str, *, name: str = "") -> str:
    """A stored segment for people in the active language: "Channel: Referral", after its
    saved name when it has one."""
    try:
        label = ActiveSegment(segment_parse(text)).label()
    except SegmentError:
        label = text
    return f"{name} ({label})" if name else label


def saved_segment_name(text: str) -> str:
    """The name of the saved segment of these conditions ("" when none is saved)."""
    try:
        wanted = segment_text(segment_parse(text))
    except SegmentError:
        return ""
    return next((s.name for s in Segment.objects.all() if s.text == wanted), "")
