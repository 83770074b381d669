"""Partial sums of the families that sum over accounts, per bucket of accounts.

Revenue (KPIS.md 1-3), cohort retention, seat utilisation and engagement, and time to first
value are sums over accounts before they are points. Accounts fall into `BUCKETS` buckets
(account id mod `BUCKETS`); the sums of each bucket and of all of them are stored
(`kpiapp.services.partial_sums`). A change of a few accounts' subscriptions then recomputes
only their buckets: the new total is the stored total minus those buckets' stored sums plus
their new ones, and the points are made from it. Every sum is an exact integer (money in
units of 1 / (unit × RATE_SCALE) cents), so the total is the same whichever way it was added.

The sums hold for one `Basis`: the months of the run, the workspace currency, the exchange
rates and the money unit. Another basis means a full computation (which stores them anew).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from kpiapp.kpis import engagement, retention, revenue
from kpiapp.kpis.context import Context
from kpiapp.kpis.dimensions import AccountAttributes
from kpiapp.kpis.engagement import LabelSums
from kpiapp.kpis.mrr_states import SlotSums, SubscriptionRows
from kpiapp.kpis.results import Collector
from kpiapp.kpis.retention import CohortSums

BUCKETS = 16
VERSION = 2  # of what the sums hold and how: stored sums of another version are not read
TOTAL = -1  # the bucket number of the sums of all accounts

Sign = int  # 1 or -1


@dataclass(frozen=True)
class Basis:
    """What stored sums depend on besides the rows of their accounts."""

    first_month: int
    last_month: int
    currency: str
    rates: str  # a digest of every exchange rate
    unit_denominator: int

    @classmethod
    def of(cls, context: Context, unit_denominator: int) -> Basis:
        rates = sorted(
            (code, month, rate)
            for code, months in context.rates.by_currency.items()
            for month, rate in months.items()
        )
        digest = hashlib.sha256(repr(rates).encode()).hexdigest()[:32]
        return cls(
            context.first_month, context.last_month, context.currency, digest, unit_denominator
        )

    def matches(self, context: Context) -> bool:
        """Whether sums of this basis hold for a run of `context` (any unit: rows are brought
        to the stored one)."""
        return Basis.of(context, self.unit_denominator) == self

    def text(self) -> str:
        return json.dumps({"version": VERSION, **self.__dict__}, sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> Basis | None:
        """None for a basis of another version, or one that cannot be read."""
        try:
            found = json.loads(text)
            if found.pop("version") != VERSION:
                return None
            return cls(**found)
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class FamilySums:
    revenue: revenue.RevenueSums
    cohorts: CohortSums
    usage: dict[str, LabelSums]
    first_values: dict[str, LabelSums]


@dataclass
class StoredSums:
    """The partial sums of some buckets (all of them, when `complete`) and of all accounts."""

    basis: Basis
    total: FamilySums
    buckets: dict[int, FamilySums]
    complete: bool
    generation: int = 0  # of the stored sums these were read from


@dataclass
class BucketInputs:
    """The rows of one bucket's accounts that the sums read."""

    rows: SubscriptionRows
    usage: np.ndarray  # as `engagement.load_usage`
    first_values: np.ndarray  # as `journeys.load_first_value_days`


def family_sums(
    context: Context,
    attributes: AccountAttributes,
    inputs: BucketInputs,
    kept: tuple[FamilySums, np.ndarray] | None = None,
) -> FamilySums:
    """The sums of the accounts of `inputs`, for every period of the run; with `kept` (their
    stored sums, and the slots a change can move), revenue's sums of the other slots are
    taken from the stored ones instead of made again."""
    rows = inputs.rows
    used = None if kept is None else kept[1]
    found = revenue.account_sums(context, rows, attributes, used)
    states = revenue.RevenueOutcome(
        account_ids=rows.account_ids, positive=found.positive, first_start=rows.first_starts()
    )
    cohorts = retention.cohort_sums(
        context, found.grids, found.positive, rows.currencies, rows.unit_denominator
    )
    sums = revenue.held(found.sums)
    if kept is not None:
        sums = revenue.spliced(sums, kept[0].revenue, kept[1])
    return FamilySums(
        sums,
        cohorts,
        engagement.usage_sums(context, attributes, states, inputs.usage),
        engagement.first_value_sums(context, attributes, states, inputs.first_values),
    )


def slots_from(context: Context, month: int | None) -> np.ndarray | None:
    """The slots (indexes into `revenue.all_periods`) of the periods that end in or after
    `month`: a change from that month on moves none of the others (None: every slot)."""
    if month is None:
        return None
    periods = revenue.all_periods(context)
    return np.array([i for i, p in enumerate(periods) if p.last_month >= month], dtype=np.int64)


def bucket_of(account_ids: np.ndarray) -> np.ndarray:
    return np.asarray(account_ids, dtype=np.int64) % BUCKETS


def split(
    rows: SubscriptionRows, usage: np.ndarray, first_values: np.ndarray, buckets: list[int]
) -> dict[int, BucketInputs]:
    """The inputs of each of `buckets`, from rows of any accounts (accounts keep their order,
    so a bucket's sums do not depend on which other buckets were read with it)."""
    account_bucket = bucket_of(np.array(rows.account_ids, dtype=np.int64))
    row_bucket = account_bucket[rows.account]
    usage_rows = _by_bucket(bucket_of(usage[:, 1]))
    first_value_rows = _by_bucket(bucket_of(first_values[:, 0]))
    found = {}
    for b in buckets:
        members = np.flatnonzero(account_bucket == b)
        index = np.full(len(rows.account_ids), -1, dtype=np.int64)
        index[members] = np.arange(len(members))
        keep = row_bucket == b
        found[b] = BucketInputs(
            rows.rows_where(
                keep,
                account=index[rows.account[keep]],
                account_ids=[rows.account_ids[i] for i in members.tolist()],
            ),
            usage[usage_rows.get(b, _NONE)],
            first_values[first_value_rows.get(b, _NONE)],
        )
    return found


_NONE = np.zeros(0, dtype=np.int64)


def _by_bucket(bucket: np.ndarray) -> dict[int, np.ndarray]:
    """The row indexes of each bucket, in row order (one sort instead of a pass per bucket)."""
    if not len(bucket):
        return {}
    order = np.argsort(bucket, kind="stable")
    present, starts = np.unique(bucket[order], return_index=True)
    return dict(zip(present.tolist(), np.split(order, starts[1:]), strict=True))


def combined(parts: list[tuple[Sign, FamilySums]]) -> FamilySums:
    """The sum of sign × sums over `parts`, all of one basis."""
    return FamilySums(
        revenue.combined([(sign, part.revenue) for sign, part in parts]),
        retention.combined_cohorts([(sign, part.cohorts) for sign, part in parts]),
        engagement.combined_labels([(sign, part.usage) for sign, part in parts]),
        engagement.combined_labels([(sign, part.first_values) for sign, part in parts]),
    )


def emit(context: Context, collector: Collector, sums: FamilySums) -> revenue.RevenueOutcome:
    """The points of the four families from their sums; the revenue figures acquisition reuses."""
    outcome = revenue.emit(context, collector, sums.revenue)
    if collector.wants(*retention.KEYS):
        retention.emit(context, collector, sums.cohorts)
    if collector.wants("seat_utilisation", "engagement_score"):
        engagement.emit_usage(context, collector, sums.usage)
    if collector.wants("time_to_first_value_days"):
        engagement.emit_first_values(collector, sums.first_values)
    return outcome


# --- stored as JSON: Python's ints are exact at any size, and nothing but data is read back --


def to_json(sums: FamilySums) -> str:
    """The sums as JSON, without the parts that are zero throughout (a currency whose rate
    no member lacks, or that no member of a cohort holds): equal sums give equal texts."""
    return json.dumps(
        {
            "slots": _width(sums.revenue.blocks[""].sums.counts["n_end"]),
            "months": len(sums.cohorts.members),
            "revenue": {
                "unit": sums.revenue.unit_denominator,
                "blocks": {
                    dimension: {
                        "labels": block.labels,
                        "members": block.members.tolist(),
                        "sums": _slot_sums_out(block.sums),
                        "pending": _slot_sums_out(block.pending),
                    }
                    for dimension, block in sums.revenue.blocks.items()
                },
            },
            "cohorts": {
                "unit": sums.cohorts.unit_denominator,
                "members": sums.cohorts.members.tolist(),
                "active": sums.cohorts.active.tolist(),
                "natives": {c: v.tolist() for c, v in sums.cohorts.natives.items() if v.any()},
            },
            "usage": _labels_out(sums.usage),
            "first_values": _labels_out(sums.first_values),
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def from_json(text: str) -> FamilySums:
    found = json.loads(text)
    slots, months = found["slots"], found["months"]
    blocks = {
        dimension: revenue.Block(
            block["labels"],
            np.array(block["members"], dtype=np.int64),
            _slot_sums_in(block["sums"], slots),
            _slot_sums_in(block["pending"], slots),
        )
        for dimension, block in found["revenue"]["blocks"].items()
    }
    cohorts = found["cohorts"]
    return FamilySums(
        revenue.RevenueSums(blocks, found["revenue"]["unit"]),
        CohortSums(
            np.array(cohorts["members"], dtype=np.int64),
            np.array(cohorts["active"], dtype=np.int64),
            {c: _ints(v, len(v[0])) for c, v in cohorts["natives"].items()},
            cohorts["unit"],
        ),
        _labels_in(found["usage"], months),
        _labels_in(found["first_values"], months),
    )


def _width(grid: np.ndarray) -> int:
    return int(grid.shape[1])


def _ints(values: list, width: int) -> np.ndarray:
    """int64 where every value fits (arithmetic stays fast), else Python ints."""
    try:
        return np.array(values, dtype=np.int64).reshape(-1, width)
    except OverflowError:
        return _objects(values, width)


def _grid(values: list, width: int) -> np.ndarray:
    """A (rows × width) int64 array, also of no rows."""
    return np.array(values, dtype=np.int64).reshape(-1, width)


def _objects(values: list, width: int) -> np.ndarray:
    """A (rows × width) array of Python ints (without dtype=object numpy would read big ones
    as floats)."""
    return np.array(values, dtype=object).reshape(-1, width)


def _slot_sums_out(sums: SlotSums) -> dict[str, Any]:
    return {
        "money": {name: v.tolist() for name, v in sums.money.items() if v.any()},
        "counts": {name: v.tolist() for name, v in sums.counts.items()},
        "lacking": [
            [need, currency, v.tolist()]
            for (need, currency), v in sorted(sums.lacking.items())
            if v.any()
        ],
        "native": [
            [currency, name, v.tolist()]
            for (currency, name), v in sorted(sums.native.items())
            if v.any()
        ],
    }


def _slot_sums_in(found: dict[str, Any], width: int) -> SlotSums:
    return SlotSums(
        money={name: _objects(v, width) for name, v in found["money"].items()},
        counts={name: _grid(v, width) for name, v in found["counts"].items()},
        lacking={(need, c): _grid(v, width) for need, c, v in found["lacking"]},
        native={(c, name): _ints(v, width) for c, name, v in found["native"]},
    )


def _labels_out(sums: dict[str, LabelSums]) -> dict[str, Any]:
    return {
        dimension: {
            "labels": found.labels,
            "measures": {name: v.tolist() for name, v in found.measures.items()},
        }
        for dimension, found in sums.items()
    }


def _labels_in(found: dict[str, Any], width: int) -> dict[str, LabelSums]:
    return {
        dimension: LabelSums(
            part["labels"], {name: _grid(v, width) for name, v in part["measures"].items()}
        )
        for dimension, part in found.items()
    }
