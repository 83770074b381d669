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

import numpy as np

from kpiapp.kpis.attribution import DEFAULT_MODEL, MODELS, Model, integer_credits, step_credits
from kpiapp.kpis.context import Context, day_number
from kpiapp.kpis.dimensions import TOTAL
from kpiapp.kpis.journeys import NO_FIRST_VALUE, NewCustomers
from kpiapp.kpis.reasons import NO_NEW, NO_NEW_ACTIVATABLE
from kpiapp.kpis.registry import ACCOUNT_ATTRIBUTES, ATTRIBUTED_KEYS
from kpiapp.kpis.results import Collector, Number

COHORT_KEYS = ("multi_touch_share", "touchpoints_per_new_customer", "activation_rate",
               "referral_share")  # fmt: skip
KEYS = (*ATTRIBUTED_KEYS, *COHORT_KEYS)
BY = ("channel", "campaign")
REFERRAL_TYPE = "referral"
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
    _attributed(context, collector, found)
    referral = referral_key(context.referral_channel, channel_names)
    _cohort(context, collector, found, referral)


def _attributed(context: Context, collector: Collector, found: NewCustomers) -> None:
    if not collector.wants(*ATTRIBUTED_KEYS):
        return
    size = context.month_count
    counts: list[Number] = np.bincount(found.slot, minlength=size).tolist()
    unit = found.mrr_scale if found.count else 1  # the one denominator of all new MRR
    mrr: list[Number] = [0] * size
    mrr_missing: list[str | None] = [None] * size
    for k, units, reason in zip(found.slot.tolist(), found.mrr_units, found.mrr_reason,
                                strict=True):  # fmt: skip
        if units is None:
            mrr_missing[k] = mrr_missing[k] or reason
        else:
            mrr[k] += units
    collector.monthly("customers_new_attributed", "", "", counts)
    collector.monthly("mrr_new_attributed", "", "", mrr, missing=mrr_missing, unit=unit)
    # A run narrowed to some accounts emits only the labels their journeys touch.
    touched = None if collector.groups is None else collector.groups.touched
    tallies = _tallies(size, found, touched)
    for (model, by), (customers, money, missing) in tallies.items():
        dimension = attribution_dimension(by, model)
        for label in sorted(found.step_labels[by] | {label for label, _d in customers}):
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
    customer: np.ndarray  # the customer's index in `found`
    first: np.ndarray  # per customer: the index of its first step
    labels: dict[str, tuple[list[str], np.ndarray]]  # by -> (label names, code per step)

    @classmethod
    def of(cls, found: NewCustomers) -> _Steps:
        customer, position, touch, first = found.steps
        implied = touch < 0
        labels = {}
        for by in BY:
            # A touch's label, or the customer's own for the implied step, in one code space.
            names, codes = found.touches.codes[by]
            names = list(names)
            index = {name: i for i, name in enumerate(names)}
            own = [index.setdefault(name, len(index)) for name in found.names[by]]
            own_code = np.array(own, dtype=np.int64)
            names.extend(list(index)[len(names) :])
            step = np.zeros(len(customer), dtype=np.int64)
            step[~implied] = codes[touch[~implied]]
            step[implied] = own_code[found.own[by][customer[implied]]]
            labels[by] = (names, step)
        lengths = found.lengths[customer]
        return cls(found.slot[customer], lengths, position, customer, first, labels)


def _tallies(
    size: int, found: NewCustomers, touched: Collection[tuple[str, str]] | None = None
) -> dict[tuple[Model, str], tuple[Numerators, Numerators, Missing]]:
    """Per model and channel or campaign: the touchpoints' shares per label and month.

    Exact, but in integers: each customer's credits are numerators over a denominator that
    depends on its journey's length, and its new MRR a numerator over the one denominator all
    share (`found.mrr_scale`); the sums become fractions once per label, denominator and month.
    The credits of every touchpoint are found at once (numpy) and summed per label,
    denominator and month; money as Python ints, which never overflow. A touchpoint without
    credit adds nothing: the labels to show come from every journey (`found.step_labels`).
    With `touched`, only the (channel or campaign, label) pairs it holds are summed."""
    mrr = np.array([units or 0 for units in found.mrr_units], dtype=object)
    steps = _Steps.of(found)
    unpriced = [i for i, units in enumerate(found.mrr_units) if units is None]
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
            for i in unpriced:  # a share of an MRR that needs a missing rate
                k, reason = int(found.slot[i]), found.mrr_reason[i]
                journey = code[steps.first[i] : steps.first[i] + steps.length[steps.first[i]]]
                _denominator, credits = integer_credits(len(journey), model)
                for label, share in zip(journey.tolist(), credits, strict=True):
                    if share:
                        missing[names[label]][k] = missing[names[label]][k] or reason
            tallies[model, by] = (counted, money, missing)
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


def _cohort(context: Context, collector: Collector, found: NewCustomers, referral: str) -> None:
    """The pooled cohort KPIs: per month numerators and denominators, summed by the collector;
    a point for each of the labels of every new customer's own attributes (and the total) in
    every period."""
    if not collector.wants(*COHORT_KEYS):
        return
    size = context.month_count
    today, window = day_number(context.today), context.activation_days
    lengths = found.lengths
    in_window = today - found.won_day >= window
    reached = found.first_value != NO_FIRST_VALUE
    active = reached & (found.first_value <= found.won_day + window)
    measures = {
        "total": np.ones(found.count, dtype=np.int64),
        "multi": lengths >= 2,
        "touches": lengths,
        "referred": _referred(found, referral),
        "counted": in_window,
        "activated": in_window & active,
    }
    left_out = (np.bincount(found.slot[~in_window], minlength=size) > 0).tolist()
    groups = {"": ([""], np.zeros(found.count, dtype=np.int64))}
    groups.update({d: (found.names[d], found.own[d]) for d in ACCOUNT_ATTRIBUTES})
    labels = sorted({TOTAL, *found.own_labels})  # in every period, even without new customers
    sums: dict[str, dict[str, np.ndarray]] = {}
    for dimension, (names, code) in groups.items():
        sums[dimension] = {}
        for name, values in measures.items():
            table = np.zeros((len(names), size), dtype=np.int64)
            np.add.at(table, (code, found.slot), values.astype(np.int64))
            sums[dimension][name] = table
    for dimension, label in labels:
        names, _code = groups[dimension]
        row = {name: table[names.index(label)].tolist() for name, table in sums[dimension].items()}
        for key, numerator in (
            ("multi_touch_share", "multi"),
            ("touchpoints_per_new_customer", "touches"),
            ("referral_share", "referred"),
        ):
            collector.monthly(
                key, dimension, label, row[numerator], row["total"], zero_reason=NO_NEW
            )
        collector.monthly(
            "activation_rate",
            dimension,
            label,
            row["activated"],
            row["counted"],
            zero_reason=NO_NEW_ACTIVATABLE,
            partial_months=left_out,
        )


def _referred(found: NewCustomers, referral: str) -> np.ndarray:
    """Per customer: a step of its journey is of type referral, or its own channel is the
    referral channel."""
    customer, _position, touch, _first = found.steps
    types = found.touches.type
    real = touch >= 0
    of_type = np.array([types[t] == REFERRAL_TYPE for t in touch[real].tolist()], dtype=bool)
    referred = np.zeros(found.count, dtype=bool)
    referred[customer[real][of_type]] = True
    channels = found.names["channel"]
    is_referral = np.array([bool(n) and name_key(n) == referral for n in channels], dtype=bool)
    return referred | is_referral[found.own["channel"]]
