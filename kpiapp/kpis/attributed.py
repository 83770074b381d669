"""The journey family (KPIS.md section 7): attributed new customers and new MRR per model and
touchpoint channel or campaign, multi-touch share, touchpoints per new customer, activation
rate and referral share, over the customers new in each month (`journeys.new_customers`).

The attributed KPIs store the default model (linear) under the plain dimension ("channel"),
so every reader of a breakdown sees it, and the other models under "channel:<model>"
(`attribution_dimension`). The four cohort KPIs pool the customers new in a period's months
and break down by the account's own channel, campaign and country.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from datetime import timedelta
from fractions import Fraction

from kpiapp.kpis.attribution import DEFAULT_MODEL, MODELS, Model, integer_credits
from kpiapp.kpis.context import Context
from kpiapp.kpis.journeys import NewCustomer, NewCustomers
from kpiapp.kpis.reasons import NO_NEW, NO_NEW_ACTIVATABLE
from kpiapp.kpis.results import Collector, Number

ATTRIBUTED_KEYS = ("customers_new_attributed", "mrr_new_attributed")
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
    return any(step.type == REFERRAL_TYPE for step in customer.steps) or (
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
    mrr: list[Number] = [0] * size
    mrr_missing: list[str | None] = [None] * size
    for k, group in by_slot.items():
        for customer in group:
            if customer.mrr_new is None:
                mrr_missing[k] = mrr_missing[k] or customer.mrr_reason
            else:
                mrr[k] += customer.mrr_new
    collector.monthly("customers_new_attributed", "", "", counts)
    collector.monthly("mrr_new_attributed", "", "", mrr, missing=mrr_missing)
    tallies = _tallies(size, by_slot)
    for (model, by), (customers, money, missing, unit) in tallies.items():
        dimension = attribution_dimension(by, model)
        for label in sorted(labels[by] | {label for label, _d in customers}):
            collector.monthly(
                "customers_new_attributed", dimension, label, _summed(customers, label, 1, size)
            )
            collector.monthly(
                "mrr_new_attributed",
                dimension,
                label,
                _summed(money, label, unit, size),
                missing=missing[label],
            )


Numerators = defaultdict[tuple[str, int], list[int]]
Missing = defaultdict[str, list[str | None]]


@functools.cache
def _credits(length: int, model: Model) -> tuple[int, tuple[int, ...]]:
    denominator, numerators = integer_credits(length, model)
    return denominator, tuple(numerators)


def _tallies(
    size: int, by_slot: dict[int, list[NewCustomer]]
) -> dict[tuple[Model, str], tuple[Numerators, Numerators, Missing, int]]:
    """Per model and channel or campaign: the touchpoints' shares per label and month.

    Exact, but in integers: each customer's credits are numerators over a denominator that
    depends on its journey's length, and its new MRR a numerator over one denominator shared
    by all (`unit`); the sums become fractions once per label, denominator and month. (With
    a Fraction per touchpoint, the large benchmark workspace spent 11 s here.) A touchpoint
    without credit adds nothing: the labels to show come from every journey (`labels`)."""
    unit = math.lcm(*(c.mrr_new.denominator for g in by_slot.values() for c in g if c.mrr_new))

    def tally() -> Numerators:
        return defaultdict(lambda: [0] * size)

    def missing_reasons() -> Missing:
        return defaultdict(lambda: [None] * size)

    tallies = {
        (model, by): (tally(), tally(), missing_reasons(), unit) for model in MODELS for by in BY
    }
    for k, group in by_slot.items():
        for c in group:
            mrr = (
                None if c.mrr_new is None else c.mrr_new.numerator * (unit // c.mrr_new.denominator)
            )
            step_labels = {by: [getattr(step, by) for step in c.steps] for by in BY}
            for model in MODELS:
                denominator, numerators = _credits(len(c.steps), model)
                for by in BY:
                    customers, money, missing, _unit = tallies[model, by]
                    for label, credit in zip(step_labels[by], numerators, strict=True):
                        if not credit:
                            continue
                        customers[label, denominator][k] += credit
                        if mrr is None:  # a share of an MRR that needs a missing rate
                            missing[label][k] = missing[label][k] or c.mrr_reason
                        else:
                            money[label, denominator][k] += credit * mrr
    return tallies


def _summed(
    numerators: dict[tuple[str, int], list[int]], label: str, unit: int, size: int
) -> list[Number]:
    """Per month, the label's numerators over their denominators (times `unit`), exactly."""
    sums: list[Number] = [0] * size
    for (name, denominator), values in numerators.items():
        if name == label:
            for k, value in enumerate(values):
                if value:
                    sums[k] += Fraction(value, denominator * unit)
    return sums


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
            for key in keys:
                total[key][k] += 1
                multi[key][k] += len(c.steps) >= 2
                touches[key][k] += len(c.steps)
                referred[key][k] += is_referred(c, referral)
                if in_window:
                    counted[key][k] += 1
                    activated[key][k] += c.first_value is not None and (
                        c.first_value <= c.won_day + window
                    )
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
