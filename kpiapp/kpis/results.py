"""The engine's output: one `Point` per KPI, period and dimension value, and the collector that
turns monthly figures into months, quarters and years by the KPI's kind (KPIS.md)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from kpiapp.kpis.context import Context
from kpiapp.kpis.periods import GRAINS, Grain, Period, periods_between
from kpiapp.kpis.reasons import ZERO_DENOMINATOR
from kpiapp.kpis.registry import COHORT_KEYS, KPI_BY_KEY, cohort_cell_month

if TYPE_CHECKING:
    from kpiapp.kpis.dependencies import AccountGroups

Number = int | Fraction
T = TypeVar("T")


class Point(NamedTuple):
    """A KPI's value in a period and dimension value (a named tuple: a full recompute makes
    some 150,000 of them, and a tuple is made five times faster than a frozen dataclass)."""

    key: str
    grain: Grain
    first_month: int
    dimension: str
    dimension_value: str
    numerator: Number | None
    denominator: Number | None
    reason: str
    partial: bool

    @property
    def value(self) -> Fraction | None:
        if self.reason or self.numerator is None:
            return None
        if self.denominator is None:
            return Fraction(self.numerator)
        return Fraction(self.numerator) / Fraction(self.denominator)


def undefined(missing: Sequence[str | None]) -> str:
    return next((reason for reason in missing if reason), "")


def _any_or_none(flags: Sequence[T] | None) -> Sequence[T] | None:
    """None for a list without a true value (the common case: every value defined, no month
    partial), so that the loops skip looking."""
    return flags if flags is not None and any(flags) else None


def _pooled(
    numerators: Sequence[Number],
    denominators: Sequence[Number] | None,
    missing: Sequence[str | None] | None,
    slots: range,
) -> tuple[Number, Number | None, str]:
    """A flow's or ratio's numerator, denominator and reason over a period's month slots."""
    reason = undefined([missing[s] for s in slots]) if missing else ""
    numerator = sum((numerators[s] for s in slots), 0)
    denominator = None if denominators is None else sum((denominators[s] for s in slots), 0)
    return numerator, denominator, reason


class Collector:
    """Collects points; `monthly()` derives quarters and years from a KPI's months.

    A partial recompute keeps only some KPIs (`keys`), the periods that end in or after
    `since_month`, and with `groups` only the dimension values that a change of some accounts
    can move; families still see every period in `periods` for their own arithmetic."""

    def __init__(
        self,
        context: Context,
        *,
        keys: set[str] | None = None,
        since_month: int | None = None,
        groups: AccountGroups | None = None,
    ) -> None:
        self.context = context
        self.keys = keys
        self.since_month = since_month
        self.groups = groups
        self.points: list[Point] = []
        self.periods: dict[Grain, list[Period]] = {
            grain: periods_between(grain, context.first_month, context.last_month)
            for grain in GRAINS
        }
        self.emitted: dict[Grain, list[Period]] = {
            grain: [p for p in periods if since_month is None or p.last_month >= since_month]
            for grain, periods in self.periods.items()
        }
        self._emit = {p for periods in self.emitted.values() for p in periods}
        self._slots = {p: self._slot_range(p) for periods in self.periods.values() for p in periods}
        self._partial = {p: p.last_month >= context.last_month for p in self._slots}
        self._emitted_slots: dict[Grain, list[tuple[Period, range, bool]]] = {
            grain: [(p, self._slots[p], self._partial[p]) for p in periods]
            for grain, periods in self.emitted.items()
        }

    def first_emitted_slot(self) -> int:
        """The first month slot that any emitted period covers (0 for a full recompute): a
        flow family may leave out the months before it."""
        return min((self._slots[p].start for p in self._emit), default=self.context.month_count)

    def first_emitted_state_slot(self) -> int:
        """The first month slot whose end a state KPI of an emitted period reads: a period's
        state is its last month's, so a year emitted for its December reads no earlier end."""
        ends = (max(r.start, r.stop - 1) for p in self._emit if len(r := self._slots[p]))
        return min(ends, default=self.context.month_count)

    def is_emitted(self, period: Period) -> bool:
        return period in self._emit

    def wants(self, *keys: str) -> bool:
        return self.keys is None or any(key in self.keys for key in keys)

    def wants_group(self, dimension: str, value: str) -> bool:
        """Whether a family should work out this dimension value at all (else none of the
        KPIs whose values `groups` narrows will emit it)."""
        return self.groups is None or self.groups.wants_group(dimension, value)

    def is_partial(self, period: Period) -> bool:
        return self._partial[period]

    def point(
        self,
        key: str,
        period: Period,
        dimension: str,
        dimension_value: str,
        numerator: Number | None,
        denominator: Number | None = None,
        *,
        reason: str = "",
        zero_reason: str = "",
        partial: bool = False,
    ) -> None:
        """`partial` marks a value that leaves records out for now (besides a current
        period's, which is always partial)."""
        if self.keys is not None and key not in self.keys:
            return
        if self.groups is not None and not self.groups.covers(key, dimension, dimension_value):
            return
        if period not in self._emit:
            if key not in COHORT_KEYS:
                return
            # An earlier cohort's cell moves when the month it reads is emitted.
            if cohort_cell_month(period.first_month, dimension_value) < (self.since_month or 0):
                return
        if not reason and denominator is not None and denominator == 0:
            reason = zero_reason or ZERO_DENOMINATOR
        self.points.append(
            Point(
                key,
                period.grain,
                period.first_month,
                dimension,
                dimension_value,
                None if reason else numerator,
                None if reason else denominator,
                reason,
                partial or self._partial[period],
            )
        )

    def months_of(self, period: Period) -> range:
        return self._slots[period]

    def _slot_range(self, period: Period) -> range:
        first = max(period.first_month, self.context.first_month)
        last = min(period.last_month, self.context.last_month)
        return range(first - self.context.first_month, last - self.context.first_month + 1)

    def monthly(
        self,
        key: str,
        dimension: str,
        dimension_value: str,
        numerators: Sequence[Number],
        denominators: Sequence[Number] | None = None,
        *,
        missing: Sequence[str | None] | None = None,
        zero_reason: str = "",
        kind: str | None = None,
        partial_months: Sequence[bool] | None = None,
        unit: int = 1,
        denominator_unit: int = 1,
    ) -> None:
        """Points for every month, quarter and year from per-month figures (index = month
        slot). Flows sum, states take the period's last month, ratios and means pool.
        A period is partial when one of its `partial_months` is. With a `unit` (and a
        `denominator_unit`), the figures are integers in 1/unit: summed as integers, and made
        fractions only for the points emitted."""
        if not self.wants(key):
            return
        if self.groups is not None and not self.groups.covers(key, dimension, dimension_value):
            return
        kind = kind or KPI_BY_KEY[key].kind
        missing, partial_months = _any_or_none(missing), _any_or_none(partial_months)
        # What `point` does, inlined: a workspace has some 100,000 points.
        zero_reason = zero_reason or ZERO_DENOMINATOR
        append = self.points.append
        for grain, periods in self._emitted_slots.items():
            single = kind == "state" or grain == "month"
            for period, slots, period_partial in periods:
                numerator: Number | None
                if single:  # a state, or a month: the last month's figures
                    last = slots[-1]
                    numerator = numerators[last]
                    denominator = None if denominators is None else denominators[last]
                    reason = (missing[last] or "") if missing is not None else ""
                else:
                    numerator, denominator, reason = _pooled(
                        numerators, denominators, missing, slots
                    )
                if not reason and denominator is not None and denominator == 0:
                    reason = zero_reason
                if reason:
                    numerator = denominator = None
                else:
                    if unit != 1:
                        numerator = Fraction(numerator, unit)
                    if denominator_unit != 1 and denominator is not None:
                        denominator = Fraction(denominator, denominator_unit)
                partial = period_partial or (
                    partial_months is not None and any(partial_months[s] for s in slots)
                )
                append(
                    Point(key, grain, period.first_month, dimension, dimension_value,
                          numerator, denominator, reason, partial)
                )  # fmt: skip
