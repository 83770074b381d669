"""Journeys and attribution (KPIS.md section 7), as pure functions over plain values.

A journey is the touchpoints of an account and of its leads up to and including the day it
was won, in order of day and then id; an empty one is a single implied touchpoint with the
account's own channel and campaign. A model gives each touchpoint a share of the customer
(credits that sum to exactly 1), so attributed values add up to the unattributed totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

import numpy as np

Model = Literal["first_touch", "last_touch", "linear", "position_based"]
MODELS: tuple[Model, ...] = ("first_touch", "last_touch", "linear", "position_based")
DEFAULT_MODEL: Model = "linear"
IMPLIED_TYPE = "other"


@dataclass(frozen=True)
class Touch:
    day: date
    order: int  # the touchpoint's id: the file's row order within a day
    channel: str
    campaign: str
    type: str


def journey(touches: Iterable[Touch], won_day: date, *, channel: str, campaign: str) -> list[Touch]:
    """The touches up to and including the won day, in order; or the implied one."""
    kept = sorted((t for t in touches if t.day <= won_day), key=lambda t: (t.day, t.order))
    return kept or [Touch(won_day, 0, channel, campaign, IMPLIED_TYPE)]


def integer_credits(length: int, model: Model) -> tuple[int, list[int]]:
    """Each touchpoint's share of one customer under `model` as numerators over one
    denominator (the shares sum to 1), so that sums over many customers stay in integers."""
    if length < 1:
        raise ValueError("A journey has at least one touchpoint.")
    if model == "first_touch":
        return 1, [1] + [0] * (length - 1)
    if model == "last_touch":
        return 1, [0] * (length - 1) + [1]
    if model == "linear" or (model == "position_based" and length <= 2):
        return length, [1] * length
    if model == "position_based":  # 2/5 first and last, 1/5 shared by the n - 2 between
        middle = length - 2
        return 5 * middle, [2 * middle] + [1] * middle + [2 * middle]
    raise ValueError(f"Unknown attribution model {model!r}; use one of {', '.join(MODELS)}.")


def step_credits(
    length: np.ndarray, position: np.ndarray, model: Model
) -> tuple[np.ndarray, np.ndarray]:
    """`integer_credits` for many touchpoints at once: each one's (denominator, numerator),
    given its journey's length and its position in the journey."""
    first, last = position == 0, position == length - 1
    if model == "first_touch":
        return np.ones_like(length), first.astype(np.int64)
    if model == "last_touch":
        return np.ones_like(length), last.astype(np.int64)
    if model == "linear":
        return length, np.ones_like(length)
    if model == "position_based":  # 2/5 first and last, 1/5 shared by the n - 2 between
        short = length <= 2
        middle = np.maximum(length - 2, 1)
        denominator = np.where(short, length, 5 * middle)
        numerator = np.where(short | ~(first | last), 1, 2 * middle)
        return denominator, numerator
    raise ValueError(f"Unknown attribution model {model!r}; use one of {', '.join(MODELS)}.")


def credits(length: int, model: Model) -> list[Fraction]:
    """Each touchpoint's share of one customer under `model`; the shares sum to 1."""
    denominator, numerators = integer_credits(length, model)
    return [Fraction(n, denominator) for n in numerators]


def attributed(
    journeys: Mapping[int, list[Touch]],
    model: Model,
    *,
    by: Literal["channel", "campaign"] = "channel",
    weights: Mapping[int, Fraction | int] | None = None,
) -> dict[str, Fraction]:
    """Per channel (or campaign) of the touchpoints: the sum of each customer's credits, times
    the customer's weight (1 for counting customers, their new MRR for `mrr_new_attributed`).
    Over all labels it sums to the sum of the weights."""
    totals: dict[str, Fraction] = {}
    for customer, steps in journeys.items():
        weight = Fraction(1 if weights is None else weights[customer])
        for step, credit in zip(steps, credits(len(steps), model), strict=True):
            label = getattr(step, by)
            totals[label] = totals.get(label, Fraction(0)) + credit * weight
    return totals


def path(steps: list[Touch]) -> tuple[str, ...]:
    """The journey's channels with consecutive repeats collapsed."""
    collapsed: list[str] = []
    for step in steps:
        if not collapsed or collapsed[-1] != step.channel:
            collapsed.append(step.channel)
    return tuple(collapsed)


def common_paths(
    journeys: Iterable[list[Touch]], most: int = 5
) -> list[tuple[tuple[str, ...], int]]:
    """The most common paths, most customers first, then alphabetically."""
    counted = Counter(path(steps) for steps in journeys)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:most]


def multi_touch_share(journeys: Iterable[list[Touch]]) -> Fraction | None:
    """Of the customers, the share whose journey has two touchpoints or more."""
    lengths = [len(steps) for steps in journeys]
    return Fraction(sum(n >= 2 for n in lengths), len(lengths)) if lengths else None


def touchpoints_per_customer(journeys: Iterable[list[Touch]]) -> Fraction | None:
    lengths = [len(steps) for steps in journeys]
    return Fraction(sum(lengths), len(lengths)) if lengths else None
