"""The journey family (KPIS.md section 7): attributed new customers and new MRR per model and
touchpoint channel or campaign, multi-touch share, touchpoints per new customer, activation
rate and referral share, over the customers new in each month (`journeys.new_customers`).

The attributed KPIs store the default model (linear) under the plain dimension ("channel"),
so every reader of a breakdown sees it, and the other models under "channel:<model>"
(`attribution_dimension`). The four cohort KPIs pool the customers new in a period's months
and break down by the account's own channel, campaign and country.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from kpiapp.kpis.attribution import DEFAULT_MODEL, MODELS, Model, integer_credits, step_credits
from kpiapp.kpis.context import Context
from kpiapp.kpis.journeys import NewCustomer, NewCustomers
from kpiapp.kpis.reasons import NO_NEW, NO_NEW_ACTIVATABLE
from kpiapp.kpis.registry import ATTRIBUTED_KEYS
from kpiapp.kpis.results import Collector, Number

COHORT_KEYS = ("multi_touch_share", "touchpoints_per_new_customer", "activation_rate",
               "referral_share")  # fmt: skip
KEYS = (*ATTRIBUTED_KEYS, *COHORT_KEYS)
BY = ("channel", "campaign")
REFERRAL_TYPE = "referral"
Tally = defaultdict[tuple[str, str], list[Number]]
DEFAULT_REFERRAL_NAMES = ("Referral", "Empfehlung")


def attribution_dimension(dimension: str, model: Model = DEFAULT_MODEL) -> str:
    """The stored dimension of an attributed KPI's breakdown under `model`."""
    return dimension if model == DEFAULT_MODEL else f"{dimension}:{model}"


def name_key(name: str) -> str:
    """Channel names match case- and space-insensitively (KPIS.md 7, referral_share)."""
    return "".join(name.split()).casefold()


def referral_key(setting: str, channel_names: list[str]) -> str:
    """The key of the workspace's referral channel: the setting, else "Referral" when such a
    channel exists, else "Empfehlung"."""
    if setting.strip():
        return name_key(setting)
    keys = {name_key(n) for n in channel_names}
    first, fallback = (name_key(n) for n in DEFAULT_REFERRAL_NAMES)
    return first if first in keys else fallback


def is_referred(customer: NewCustomer, referral: str) -> bool:
    return REFERRAL_TYPE in customer.step_values("type") or (
        bool(customer.channel) and name_key(customer.channel) == referral
    )


def compute(
    context: Context,
    collector: Collector,
    found: NewCustomers,
    channel_names: list[str],
) -> None:
    """The family's points; `found` may hold only the months the collector emits, and names
    the dimension values of all months (each has a point in every period)."""
    if not collector.wants(*KEYS):
        return
    by_slot: dict[int, list[NewCustomer]] = defaultdict(list)
    for customer in found.customers:
        by_slot[context.month_slot(customer.month)].append(customer)
    _attributed(context, collector, by_slot, found.step_labels)
    referral = referral_key(context.referral_channel, channel_names)
    _cohort(context, collector, by_slot, referral, found.own_labels)


def _attributed(
    context: Context,
    collector: Collector,
    by_slot: dict[int, list[NewCustomer]],
    labels: dict[str, set[str]],
) -> None:
    if not collector.wants(*ATTRIBUTED_KEYS):
        return
    size = context.month_count
    counts: list[Number] = [len(by_slot.get(k, [])) for k in range(size)]
    unit = _unit(by_slot)
    mrr: list[Number] = [0] * size
    mrr_missing: list[str | None] = [None] * size
    for k, group in by_slot.items():
        for customer in group:
            if customer.mrr_units is None:
                mrr_missing[k] = mrr_missing[k] or customer.mrr_reason
            else:
                mrr[k] += customer.mrr_units * (unit // customer.mrr_scale)
    collector.monthly("customers_new_attributed", "", "", counts)
    collector.monthly("mrr_new_attributed", "", "", mrr, missing=mrr_missing, unit=unit)
    # A run narrowed to some accounts emits only the labels their journeys touch.
    touched = None if collector.groups is None else collector.groups.touched
    tallies = _tallies(size, by_slot, unit, touched)
    for (model, by), (customers, money, missing, unit) in tallies.items():
        dimension = attribution_dimension(by, model)
        for label in sorted(labels[by] | {label for label, _d in customers}):
            shares, over = _summed(customers, label, 1, size)
            collector.monthly("customers_new_attributed", dimension, label, shares, unit=over)
            amounts, over = _summed(money, label, unit, size)
            collector.monthly(
                "mrr_new_attributed", dimension, label, amounts, missing=missing[label], unit=over
            )


Numerators = defaultdict[tuple[str, int], list[int]]
Missing = defaultdict[str, list[str | None]]


@dataclass
class _Steps:
    """Every touchpoint of the journeys as arrays (one entry per step, customers in order)."""

    slot: np.ndarray  # the customer's month slot
    length: np.ndarray  # the length of the customer's journey
    position: np.ndarray  # the step's place in it
    customer: np.ndarray  # the customer's index in `mrr`
    labels: dict[str, tuple[list[str], np.ndarray]]  # by -> (label names, code per step)

    @classmethod
    def of(cls, customers: list[tuple[int, NewCustomer]]) -> _Steps:
        lengths = [c.length for _k, c in customers]
        slot = np.repeat(np.array([k for k, _c in customers], dtype=np.int64), lengths)
        length = np.repeat(np.array(lengths, dtype=np.int64), lengths)
        starts = np.cumsum([0, *lengths])[:-1]
        position = np.arange(int(length.size)) - np.repeat(starts, lengths)
        customer = np.repeat(np.arange(len(customers)), lengths)
        # Each step's touch (-1: the implied one); customers share one set of touch rows.
        touches = next((c.touches for _k, c in customers if c.positions), None)
        flat = [i for _k, c in customers for i in (c.positions or (-1,))]
        at = np.array(flat, dtype=np.int64)
        implied = [c for _k, c in customers if not c.positions]
        labels = {}
        for by in BY:
            index: dict[str, int] = {}
            codes = np.zeros(len(at), dtype=np.int64)
            if touches is not None:
                names = getattr(touches, by)
                used = at[at >= 0].tolist()
                codes[at >= 0] = [index.setdefault(names[i], len(index)) for i in used]
            codes[at < 0] = [index.setdefault(getattr(c, by), len(index)) for c in implied]
            labels[by] = (list(index), codes)
        return cls(slot, length, position, customer, labels)


def _unit(by_slot: dict[int, list[NewCustomer]]) -> int:
    """The one denominator all new MRR amounts are numerators over."""
    return math.lcm(*{c.mrr_scale for group in by_slot.values() for c in group})


def _tallies(
    size: int,
    by_slot: dict[int, list[NewCustomer]],
    unit: int,
    touched: Collection[tuple[str, str]] | None = None,
) -> dict[tuple[Model, str], tuple[Numerators, Numerators, Missing, int]]:
    """Per model and channel or campaign: the touchpoints' shares per label and month.

    Exact, but in integers: each customer's credits are numerators over a denominator that
    depends on its journey's length, and its new MRR a numerator over one denominator shared
    by all (`unit`); the sums become fractions once per label, denominator and month. The
    credits of every touchpoint are found at once (numpy) and summed per label, denominator
    and month; money as Python ints, which never overflow. A touchpoint without credit adds
    nothing: the labels to show come from every journey (`labels`). With `touched`, only the
    (channel or campaign, label) pairs it holds are summed."""
    customers = [(k, c) for k, group in by_slot.items() for c in group]
    mrr = np.array(
        [0 if c.mrr_units is None else c.mrr_units * (unit // c.mrr_scale)
         for _k, c in customers],
        dtype=object,
    )  # fmt: skip
    steps = _Steps.of(customers)
    unpriced = [(k, c) for k, c in customers if c.mrr_units is None]
    summed_steps = {by: _steps_of_labels(steps, by, touched) for by in BY}
    tallies = {}
    for model in MODELS:
        denominator, numerator = step_credits(steps.length, steps.position, model)
        credited = numerator != 0
        for by in BY:
            names, code = steps.labels[by]
            counted: Numerators = defaultdict(lambda: [0] * size)
            money: Numerators = defaultdict(lambda: [0] * size)
            # One integer per (label, denominator, month); sorted, each run is one sum.
            span = int(denominator.max(initial=1)) + 1
            key = (code * span + denominator) * size + steps.slot
            summed = credited if summed_steps[by] is None else credited & summed_steps[by]
            order = np.flatnonzero(summed)
            order = order[np.argsort(key[order], kind="stable")]
            ordered = key[order]
            if len(ordered):
                starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
                shares = np.add.reduceat(numerator[order], starts)
                weighted = numerator[order].astype(object) * mrr[steps.customer[order]]
                sums = np.add.reduceat(weighted, starts)
                for cell, n, m in zip(ordered[starts].tolist(), shares.tolist(), sums, strict=True):
                    rest, k = divmod(cell, size)
                    label, d = divmod(rest, span)
                    counted[names[label], d][k] = n
                    money[names[label], d][k] = m
            missing: Missing = defaultdict(lambda: [None] * size)
            for k, c in unpriced:  # a share of an MRR that needs a missing rate
                _denominator, credits = integer_credits(c.length, model)
                for label, share in zip(c.step_values(by), credits, strict=True):
                    if share:
                        missing[label][k] = missing[label][k] or c.mrr_reason
            tallies[model, by] = (counted, money, missing, unit)
    return tallies


def _steps_of_labels(
    steps: _Steps, by: str, touched: Collection[tuple[str, str]] | None
) -> np.ndarray | None:
    """Which steps carry a (by, label) pair of `touched` (None: all of them)."""
    names, code = steps.labels[by]
    if touched is None or not names:
        return None
    return np.array([(by, name) in touched for name in names], dtype=bool)[code]


def _summed(
    numerators: dict[tuple[str, int], list[int]], label: str, unit: int, size: int
) -> tuple[list[int], int]:
    """Per month, the label's numerators over their denominators (times `unit`), exactly: as
    integers over one denominator (the least common multiple of the label's, times `unit`)."""
    parts = [(d, values) for (name, d), values in numerators.items() if name == label]
    common = math.lcm(*(d for d, _values in parts)) if parts else 1
    totals = [0] * size
    for d, values in parts:
        factor = common // d
        for k, value in enumerate(values):
            if value:
                totals[k] += value * factor
    return totals, common * unit


def _cohort(
    context: Context,
    collector: Collector,
    by_slot: dict[int, list[NewCustomer]],
    referral: str,
    labels: set[tuple[str, str]],
) -> None:
    """The pooled cohort KPIs: per month numerators and denominators, summed by the collector;
    a point for each of `labels` (and the total) in every period."""
    if not collector.wants(*COHORT_KEYS):
        return
    size = context.month_count
    window = timedelta(days=context.activation_days)

    def zero() -> list[Number]:
        return [0] * size

    multi: Tally = defaultdict(zero)
    touches: Tally = defaultdict(zero)
    total: Tally = defaultdict(zero)
    activated: Tally = defaultdict(zero)
    counted: Tally = defaultdict(zero)
    referred: Tally = defaultdict(zero)
    left_out: list[bool] = [False] * size
    for key in (("", ""), *labels):  # in every period, even without new customers
        total[key]
        counted[key]
    for k, group in by_slot.items():
        for c in group:
            keys: list[tuple[str, str]] = [
                ("", ""), ("channel", c.channel), ("campaign", c.campaign), ("country", c.country)
            ]  # fmt: skip
            in_window = context.today - c.won_day >= window
            left_out[k] = left_out[k] or not in_window
            length, is_multi, was_referred = (
                c.length,
                c.length >= 2,
                is_referred(c, referral),
            )
            is_active = c.first_value is not None and c.first_value <= c.won_day + window
            for key in keys:
                total[key][k] += 1
                multi[key][k] += is_multi
                touches[key][k] += length
                referred[key][k] += was_referred
                if in_window:
                    counted[key][k] += 1
                    activated[key][k] += is_active
    for key in sorted(total):
        dimension, label = key
        for name, numerators in (
            ("multi_touch_share", multi),
            ("touchpoints_per_new_customer", touches),
            ("referral_share", referred),
        ):
            collector.monthly(
                name, dimension, label, numerators[key], total[key], zero_reason=NO_NEW
            )
        collector.monthly(
            "activation_rate",
            dimension,
            label,
            activated[key],
            counted[key],
            zero_reason=NO_NEW_ACTIVATABLE,
            partial_months=left_out,
        )
