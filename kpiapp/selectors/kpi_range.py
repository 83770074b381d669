"""The periods a KPI's page shows: the last few by default, or a range the reader picked
(`?start=2025-01&end=2026-06`, the syntax of the series API). A bad range changes nothing:
the page shows the default periods and says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.periods import MONTHS_IN, Grain, Period, month_index, parse_period, period_name
from kpiapp.models import KpiSnapshot

TREND_PERIODS = {"month": 24, "quarter": 12, "year": 6}  # the default range, ending now
MOST_PERIODS = {"month": 120, "quarter": 40, "year": 20}  # a picked range at most
EARLIEST_YEAR = 2000  # the pickers go no further back; older data is rare and slow to draw

NOT_A_PERIOD = _("Choose the start and the end of the range from the lists.")
INVERTED = _("The range ends before it starts; the default range is shown.")
TOO_EARLY = _("The range can start in 2000 at the earliest; the default range is shown.")
IN_FUTURE = _("The range cannot end after the running period; the default range is shown.")
TOO_LONG = _("The range is too long (%(most)s periods at most); the default range is shown.")


@dataclass(frozen=True)
class TrendRange:
    grain: Grain
    first: Period
    last: Period
    custom: bool  # picked by the reader (and valid), not the default
    error: str | Promise = ""  # why a picked range was not taken

    @property
    def periods(self) -> list[Period]:
        size = MONTHS_IN[self.grain]
        count = (self.last.first_month - self.first.first_month) // size + 1
        return [Period(self.grain, self.first.first_month + size * i) for i in range(count)]


def default_range(grain: Grain, today: date) -> TrendRange:
    """The last TREND_PERIODS periods of the grain, the running one included."""
    current = Period.containing(grain, month_index(today))
    first = Period(grain, current.first_month - MONTHS_IN[grain] * (TREND_PERIODS[grain] - 1))
    return TrendRange(grain, first, current, custom=False)


def trend_range(*, grain: Grain, start: str | None, end: str | None, today: date) -> TrendRange:
    """The range of `start`..`end` at `grain` (either may be a month, quarter or year: a
    month's quarter or year is taken, as in the series API); without both, the default
    range; with a bad one, the default range and the reason."""
    default = default_range(grain, today)
    if not start and not end:
        return default
    try:
        first = Period.containing(grain, parse_period(start or default.first.label)[1])
        end_grain, end_first = parse_period(end or default.last.label)
    except ValueError:
        return _refused(default, NOT_A_PERIOD)
    last = Period.containing(grain, Period(end_grain, end_first).last_month)
    if last < first:
        return _refused(default, INVERTED)
    if first.start.year < EARLIEST_YEAR:
        return _refused(default, TOO_EARLY)
    if last > default.last:
        return _refused(default, IN_FUTURE)
    picked = TrendRange(grain, first, last, custom=True)
    if len(picked.periods) > MOST_PERIODS[grain]:
        return _refused(default, TOO_LONG % {"most": MOST_PERIODS[grain]})
    return picked


def _refused(default: TrendRange, error: str | Promise) -> TrendRange:
    return TrendRange(default.grain, default.first, default.last, custom=False, error=error)


def range_choices(
    grain: Grain, today: date, earliest: date | None, shown: TrendRange
) -> list[tuple[str, str]]:
    """What the start and end pickers offer, newest first, in words (the code is the value):
    every period of the grain from the KPI's first value (`earliest`) or the default range's
    start, whichever is older, to the running one."""
    current = Period.containing(grain, month_index(today))
    oldest = default_range(grain, today).first
    if earliest is not None:
        oldest = min(oldest, Period.containing(grain, month_index(earliest)))
    oldest = min(oldest, shown.first)
    size = MONTHS_IN[grain]
    periods = [Period(grain, m) for m in range(current.first_month, oldest.first_month - 1, -size)]
    return [(p.label, period_name(p)) for p in periods]


def first_value_date(*, kpi_key: str, grain: Grain) -> date | None:
    """The start of the KPI's first period with a snapshot, to offer ranges back to it."""
    first = (
        KpiSnapshot.objects.filter(kpi_key=kpi_key, grain=grain, dimension="")
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    return first
