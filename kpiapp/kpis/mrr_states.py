"""MRR at every state point, exactly, for the KPIs of KPIS.md sections 1 and 2.

The loader reads the subscription rows once. The compute half builds, per entity (an account,
or an (account, plan) pair for the plan breakdown) and currency, the MRR at every state point
(the day before the first month and the end of every month) with event deltas and a running sum
(numpy), then classifies the two ends of every period. Money stays exact: a row's normalised MRR
is an integer in units of 1 / (10,000 × L) cents (L = the least common multiple of the billing
months), and conversion multiplies by the integer rate × 10^10.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.context import NO_END, RATE_SCALE, Context
from kpiapp.kpis.dimensions import Cells, GroupIndex
from kpiapp.kpis.periods import Period
from kpiapp.kpis.reasons import no_rate

MONTHS_PER_INTERVAL = {"month": 1, "quarter": 3, "year": 12}
INT64_SAFE = 2**62

MONEY = ("start", "end", "new", "react", "exp", "contr", "churn")
COUNTS = ("n_start", "n_end", "n_new", "n_react", "n_churn")


@dataclass
class SubscriptionRows:
    """Every subscription row of a workspace as arrays (index = row)."""

    account_ids: list[int]
    plans: list[str]
    currencies: list[str]
    account: np.ndarray
    plan: np.ndarray
    currency: np.ndarray
    mrr: np.ndarray  # normalised MRR in units of 1 / unit_denominator cents
    active_from: np.ndarray  # first day out of trial
    active_until: np.ndarray  # first day without service (NO_END when open)
    cancelled: np.ndarray  # the day notice was given (NO_END when none)
    started: np.ndarray
    unit_denominator: int

    @property
    def count(self) -> int:
        return len(self.mrr)

    def in_unit(self, unit_denominator: int) -> SubscriptionRows:
        """The same rows with MRR in units of 1 / `unit_denominator` cents, a multiple of
        their own (ValueError otherwise: the amounts would not stay exact)."""
        if unit_denominator % self.unit_denominator:
            raise ValueError(f"{self.unit_denominator} does not divide {unit_denominator}")
        factor = unit_denominator // self.unit_denominator
        if factor == 1:
            return self
        largest = int(np.abs(self.mrr).max(initial=0))
        if self.mrr.dtype != object and largest * factor * max(self.count, 1) < INT64_SAFE:
            mrr = self.mrr * factor
        else:
            mrr = _int_array([int(v) * factor for v in self.mrr.tolist()])
        return replace(self, mrr=mrr, unit_denominator=unit_denominator)

    def first_starts(self) -> dict[int, int]:
        """Each account's earliest start day."""
        first = np.full(len(self.account_ids), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, self.account, self.started)
        return dict(zip(self.account_ids, first.tolist(), strict=True))

    def rows_where(
        self, keep: np.ndarray, *, account: np.ndarray, account_ids: list[int]
    ) -> SubscriptionRows:
        """The rows `keep` selects, their accounts given as `account` (indexes into
        `account_ids`); amounts, plans, currencies and the unit stay as they are."""
        return replace(
            self,
            account_ids=account_ids,
            account=account,
            plan=self.plan[keep],
            currency=self.currency[keep],
            mrr=self.mrr[keep],
            active_from=self.active_from[keep],
            active_until=self.active_until[keep],
            cancelled=self.cancelled[keep],
            started=self.started[keep],
        )


def _int_array(values: list[int]) -> np.ndarray:
    if not values or max(abs(v) for v in values) * len(values) < INT64_SAFE:
        return np.array(values, dtype=np.int64)
    return np.array(values, dtype=object)  # exact, slower: only for implausibly large amounts


def load_subscriptions(
    *,
    workspace_id: int,
    accounts: Collection[int] | None = None,
    buckets: tuple[Collection[int], int] | None = None,
) -> SubscriptionRows:
    """Every subscription row of the workspace, or of `accounts` only, or of the accounts in
    `buckets` (the buckets, and how many there are: account id mod that count)."""
    day = sql.day_number
    months = " ".join(f"WHEN '{name}' THEN {n}" for name, n in MONTHS_PER_INTERVAL.items())
    only, params = "", dict[str, int]()
    if accounts is not None:
        wanted, params = sql.id_list("account", accounts)
        only = f" AND account_id IN {wanted}"
    if buckets is not None:
        only += sql.in_buckets("account_id", *buckets)
    table, (plans, currencies) = sql.fetch_ints_and_texts(
        "SELECT account_id, id, amount_cents, quantity, "
        "CAST(ROUND(discount_percent * 100) AS INTEGER), "
        f"interval_count * CASE interval {months} END, "
        f"COALESCE({day('started_at')}, 0), COALESCE({day('trial_ends_at')}, {-NO_END}), "
        f"COALESCE({day('ended_at')}, {NO_END}), COALESCE({day('cancelled_at')}, {NO_END}), "
        f"plan, currency FROM kpiapp_subscription WHERE workspace_id = %(workspace_id)s{only}",
        width=10,
        texts=2,
        workspace_id=workspace_id,
        params=params,
    )
    order = np.lexsort((table[:, 1], table[:, 0]))  # by account, then id
    numbers = table[order]
    row_account, _ids, amounts, quantities, discounts, billing, starts, trials, ends, notices = (
        numbers.T
    )
    ordered = order.tolist()
    lcm = math.lcm(*np.unique(billing).tolist()) if len(billing) else 1
    # Rows come by account: each new account id starts the next index.
    first = (
        np.r_[True, row_account[1:] != row_account[:-1]]
        if len(row_account)
        else row_account.astype(bool)
    )
    plan_index: dict[str, int] = {}
    currency_index: dict[str, int] = {}

    def coded(values: list[str], index: dict) -> np.ndarray:
        return np.array([index.setdefault(values[i], len(index)) for i in ordered], dtype=np.int64)

    plan, currency = coded(plans, plan_index), coded(currencies, currency_index)
    return SubscriptionRows(
        account_ids=row_account[first].tolist(),
        plans=list(plan_index),
        currencies=list(currency_index),
        account=np.cumsum(first) - 1,
        plan=plan,
        currency=currency,
        mrr=_normalised_mrr(amounts, quantities, discounts, billing, lcm),
        active_from=np.maximum(starts, trials),  # first day out of trial
        active_until=ends,
        cancelled=notices,
        started=starts,
        unit_denominator=10_000 * lcm,
    )


def load_plans(*, workspace_id: int, accounts: Collection[int]) -> set[str]:
    """The plans of the subscription rows of `accounts`."""
    wanted, params = sql.id_list("account", accounts)
    rows = sql.fetch(
        "SELECT DISTINCT plan FROM kpiapp_subscription "
        f"WHERE workspace_id = %(workspace_id)s AND account_id IN {wanted}",
        workspace_id=workspace_id,
        params=params,
    )
    return {plan for (plan,) in rows}


def _normalised_mrr(
    amounts: np.ndarray, quantities: np.ndarray, discounts: np.ndarray, billing: np.ndarray,
    lcm: int,
) -> np.ndarray:  # fmt: skip
    """amount × quantity × (100 % − discount) per month of the billing period, over the
    common denominator of every billing length: exact integers (int64 when no sum of them
    can overflow, else Python ints)."""
    per_month = lcm // billing
    factors = (amounts, quantities, 10_000 - discounts, per_month)
    # A float estimate of the largest product (with room for its rounding) decides whether
    # any sum of them could overflow int64, as `_int_array` decides for Python ints.
    estimate = np.abs(np.prod([f.astype(float) for f in factors], axis=0)).max(initial=0)
    if estimate * 2 * max(len(amounts), 1) < INT64_SAFE:
        return amounts * quantities * (10_000 - discounts) * per_month
    return _int_array(
        [a * q * net * m for a, q, net, m in zip(*(f.tolist() for f in factors), strict=True)]
    )


@dataclass(frozen=True)
class RowScope:
    """The rows of some accounts (None: every account) and, with `plan`, of that plan only:
    a segment's rows (`kpis/segment_run.py`). The rows keep their amounts, plans, currencies and
    unit, so every sum over them is the same sum the whole workspace's run makes for them."""

    accounts: frozenset[int] | None = None
    plan: str | None = None

    def apply(self, rows: SubscriptionRows) -> SubscriptionRows:
        keep = np.ones(rows.count, dtype=bool)
        if self.accounts is not None:
            wanted = np.array([a in self.accounts for a in rows.account_ids], dtype=bool)
            keep &= wanted[rows.account] if rows.count else keep
        if self.plan is not None:
            code = rows.plans.index(self.plan) if self.plan in rows.plans else -1
            keep &= rows.plan == code
        used = np.flatnonzero(np.bincount(rows.account[keep], minlength=len(rows.account_ids)))
        index = np.full(len(rows.account_ids), -1, dtype=np.int64)
        index[used] = np.arange(len(used))
        return rows.rows_where(
            keep,
            account=index[rows.account[keep]],
            account_ids=[rows.account_ids[i] for i in used.tolist()],
        )


@dataclass
class Slots:
    """Pairs of state points to compare: j0 (start) and j1 (end), at the rates of month rk."""

    periods: list[Period]
    j0: np.ndarray
    j1: np.ndarray
    rate_month: list[int]

    def subset(self, used: np.ndarray) -> Slots:
        return Slots(
            [self.periods[i] for i in used.tolist()],
            self.j0[used],
            self.j1[used],
            [self.rate_month[i] for i in used.tolist()],
        )


def make_slots(context: Context, periods: list[Period]) -> Slots:
    j0, j1, rate_month = [], [], []
    for period in periods:
        first = max(period.first_month, context.first_month)
        last = min(period.last_month, context.last_month)
        j0.append(first - context.first_month)
        j1.append(last - context.first_month + 1)
        rate_month.append(last)
    return Slots(periods, np.array(j0), np.array(j1), rate_month)


@dataclass
class EntityGrids:
    """MRR per entity, currency and state point (native units), plus each entity's first
    active day and its single currency (-1 when its rows mix currencies)."""

    grids: list[np.ndarray]  # one (entities × state points) grid per currency
    first_active: np.ndarray
    single_currency: np.ndarray
    count: int


def entity_grids(
    rows: SubscriptionRows,
    entity: np.ndarray,
    count: int,
    boundaries: np.ndarray,
    *,
    pending: bool = False,
) -> EntityGrids:
    width = len(boundaries)
    start = np.searchsorted(boundaries, rows.active_from, side="left")
    if pending:
        start = np.maximum(start, np.searchsorted(boundaries, rows.cancelled, side="left"))
    end = np.searchsorted(boundaries, rows.active_until, side="left")
    live = (start < end) & (rows.mrr != 0)
    grids = []
    for code in range(len(rows.currencies)):
        chosen = live & (rows.currency == code)
        delta = np.zeros((count, width + 1), dtype=rows.mrr.dtype)
        np.add.at(delta, (entity[chosen], start[chosen]), rows.mrr[chosen])
        np.add.at(delta, (entity[chosen], end[chosen]), -rows.mrr[chosen])
        grids.append(np.cumsum(delta, axis=1)[:, :width])
    ever = (rows.active_from < rows.active_until) & (rows.mrr != 0)
    first_active = first_active_days(rows, entity, count)
    single = np.full(count, -2, dtype=np.int64)  # -2: no currency seen yet
    for code in range(len(rows.currencies)):
        has = np.zeros(count, dtype=bool)
        has[entity[ever & (rows.currency == code)]] = True
        single = np.where(has & (single == -2), code, np.where(has, -1, single))
    single[single == -2] = 0
    return EntityGrids(grids, first_active, single, count)


def first_active_days(rows: SubscriptionRows, entity: np.ndarray, count: int) -> np.ndarray:
    """Each entity's first day with MRR (NO_END: none): the earliest start of a row that is
    ever active (all amounts >= 0)."""
    ever = (rows.active_from < rows.active_until) & (rows.mrr != 0)
    first_active = np.full(count, NO_END, dtype=np.int64)
    np.minimum.at(first_active, entity[ever], rows.active_from[ever])
    return first_active


# Which values a missing exchange rate makes undefined (KPIS.md, Currencies), per group and
# slot: "start" and "end" the states at the two ends (every row with MRR there needs its rate),
# "move" the movement flows (only entities whose MRR in their own currency changed), and
# "start_move" the movements of entities active at the start (the two-ends rates: churn, NRR).
NEEDS = ("start", "end", "move", "start_move")
FIELDS = ("money", "counts", "lacking", "native")  # the parts of `SlotSums`, each a dict of arrays


@dataclass
class SlotSums:
    """Per group and slot: money measures in units U = 1 / (unit_denominator × RATE_SCALE)
    cents (Python ints), counts as ints, and per kind of value (NEEDS) and currency whose rate
    is missing, how many entities need that rate (`reasons` names the first such currency).
    Every part is a sum over entities: sums over disjoint sets of entities add up."""

    money: dict[str, np.ndarray] = field(default_factory=dict)  # measure -> (groups × slots)
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    lacking: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (need, currency)
    # The money of entities in one currency, in that currency (units of 1 / unit_denominator
    # cents), per (currency, measure): converted only for the groups a run emits (`in_units`).
    # `money` holds what is converted already: entities whose rows mix currencies.
    native: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def in_units(self, g: int, rates: dict[str, list[int]], width: int) -> dict[str, list[int]]:
        """Of group g, each money measure per slot in U: the converted part plus each
        currency's native sums times its rate of the slot (`rates`, 0 where missing)."""
        found = {name: [0] * width for name in MONEY}
        for name, values in self.money.items():
            found[name] = [int(v) for v in values[g]]
        for (currency, name), values in self.native.items():
            row = values[g].tolist()
            if not any(row):
                continue
            total = found[name]
            for s, (value, rate) in enumerate(zip(row, rates[currency], strict=True)):
                if value:
                    total[s] += value * rate
        return found

    def mapped(self, change: Callable[[np.ndarray], np.ndarray]) -> SlotSums:
        """The same sums with `change` applied to every array (all are groups × slots)."""
        return SlotSums(
            **{name: {key: change(v) for key, v in getattr(self, name).items()} for name in FIELDS}
        )

    def reasons(self, need: str, g: int, rate_months: list[int]) -> list[str | None]:
        """Of group g, per slot: why the values of kind `need` are undefined, or None. The
        currency named is the first by code of those lacking, whichever entity came first."""
        found: list[str | None] = [None] * len(rate_months)
        for (kind, currency), counts in sorted(self.lacking.items(), reverse=True):
            if kind != need:
                continue
            for s in np.flatnonzero(counts[g]).tolist():
                found[s] = no_rate(currency, rate_months[s])
        return found


def expand(sums: SlotSums, used: np.ndarray, n_slots: int) -> SlotSums:
    """Sums computed for the slots `used` laid out over all `n_slots` (zero in the others,
    which a partial recompute does not emit)."""
    if len(used) == n_slots:
        return sums

    def widen(part: np.ndarray) -> np.ndarray:
        whole = np.zeros((part.shape[0], n_slots), dtype=part.dtype)
        whole[:, used] = part
        return whole

    return sums.mapped(widen)


def classify_movements(
    x0: np.ndarray, x1: np.ndarray, had_before: np.ndarray
) -> dict[str, np.ndarray]:
    """The one rule of KPIS.md section 1 for an entity's MRR at a month's two ends (x0, x1):
    new or reactivated (none before, some now, by whether it was ever active), expansion,
    contraction or churn. Exact for int64 and for object arrays of ints."""
    zero = x0.dtype.type(0) if x0.dtype != object else 0
    pos0, pos1 = x0 > 0, x1 > 0
    gained = ~pos0 & pos1
    return {
        "start": x0,
        "end": x1,
        "new": np.where(gained & ~had_before, x1, zero),
        "react": np.where(gained & had_before, x1, zero),
        "exp": np.where(pos0 & (x1 > x0), x1 - x0, zero),
        "contr": np.where(pos1 & (x0 > x1), x0 - x1, zero),
        "churn": np.where(pos0 & ~pos1, x0, zero),
        "n_start": pos0,
        "n_end": pos1,
        "n_new": gained & ~had_before,
        "n_react": gained & had_before,
        "n_churn": pos0 & ~pos1,
    }


def slot_sums(
    context: Context,
    rows: SubscriptionRows,
    grids: EntityGrids,
    slots: Slots,
    groupings: list[GroupIndex],
    boundaries: np.ndarray,
    *,
    ends_only: bool = False,
) -> list[SlotSums]:
    """Classify every entity's two ends per slot once, and sum the measures per group of
    each grouping (the total, a dimension). With `ends_only`, only the MRR at each slot's
    end ("end", and what it needs) is summed: all that pending churn reads."""
    n_slots = len(slots.periods)
    outs = [
        SlotSums(counts={m: np.zeros((groups.count, n_slots), dtype=np.int64) for m in COUNTS})
        for groups in groupings
    ]
    rates = [
        [context.rates.get(code, month) for month in slots.rate_month] for code in rows.currencies
    ]
    had_before_all = grids.first_active[:, None] <= boundaries[slots.j0][None, :]
    cells = Cells.of(groupings, grids.count)
    for code, grid in enumerate(grids.grids):
        chosen, starts, present = cells.sorted(np.flatnonzero(grids.single_currency == code))
        if not len(chosen):
            continue
        x1 = grid[np.ix_(chosen, slots.j1)]
        if ends_only:
            ends = {"end": np.add.reduceat(x1, starts, axis=0)}
            for out, groups, by_cell in zip(outs, groupings, cells.groupings, strict=True):
                _add_native(out, ends, by_cell.subset(present), rows.currencies[code])
                _mark_missing(
                    out, {"end": x1 != 0}, groups.subset(chosen), rates[code],
                    rows.currencies[code], slots,
                )  # fmt: skip
            continue
        x0 = grid[np.ix_(chosen, slots.j0)]
        measures = classify_movements(x0, x1, had_before_all[chosen])
        # Each measure summed once per cell (entities are in cell order), then per group.
        per_cell = {
            name: np.add.reduceat(
                measures[name] if name in MONEY else measures[name].astype(np.int64), starts, axis=0
            )
            for name in (*MONEY, *COUNTS)
        }
        for out, by_cell in zip(outs, cells.groupings, strict=True):
            _add_native(out, per_cell, by_cell.subset(present), rows.currencies[code])
        if None not in rates[code]:
            continue  # every rate known: nothing is undefined
        moved = x0 != x1  # in its own currency: an unchanged MRR moves nothing, at any rate
        needs = {"start": x0 != 0, "end": x1 != 0, "move": moved, "start_move": moved & (x0 > 0)}
        for out, groups in zip(outs, groupings, strict=True):
            _mark_missing(
                out, needs, groups.subset(chosen), rates[code], rows.currencies[code], slots
            )
    mixed = np.flatnonzero(grids.single_currency == -1)
    if len(mixed):
        _mixed_sums(outs, groupings, grids, mixed, rates, rows.currencies, slots, had_before_all)
    return outs


def _mixed_sums(
    outs: list[SlotSums],
    groupings: list[GroupIndex],
    grids: EntityGrids,
    mixed: np.ndarray,
    rates: list[list[int | None]],
    currencies: list[str],
    slots: Slots,
    had_before_all: np.ndarray,
) -> None:
    """Entities whose rows mix currencies: converted before they are classified; one that
    moved in any currency needs the rates of every currency it holds at either end."""
    n_slots = len(slots.periods)
    ends = [
        (g[mixed][:, slots.j0].astype(object), g[mixed][:, slots.j1].astype(object))
        for g in grids.grids
    ]
    moved = np.zeros((len(mixed), n_slots), dtype=bool)
    for g0, g1 in ends:
        moved |= g0 != g1
    x0 = np.zeros((len(mixed), n_slots), dtype=object)
    x1 = np.zeros((len(mixed), n_slots), dtype=object)
    for code, (g0, g1) in enumerate(ends):
        factor = np.array([r or 0 for r in rates[code]], dtype=object)
        x0 = x0 + g0 * factor
        x1 = x1 + g1 * factor
    held = [(g0 != 0) | (g1 != 0) for g0, g1 in ends]
    active_start = np.zeros((len(mixed), n_slots), dtype=bool)
    active_end = np.zeros((len(mixed), n_slots), dtype=bool)
    for g0, g1 in ends:
        active_start |= g0 > 0
        active_end |= g1 > 0
    measures = classify_movements(x0, x1, had_before_all[mixed])
    # Customer counts never need a rate: an account is active when it has MRR in any of its
    # currencies, whether or not that currency's rate is known.
    counts = classify_movements(
        active_start.astype(np.int64), active_end.astype(np.int64), had_before_all[mixed]
    )
    measures.update({name: counts[name] for name in COUNTS})
    for out, groups in zip(outs, groupings, strict=True):
        subset = groups.subset(mixed)
        _add_groups(out, measures, subset, [1] * n_slots)
        for code, (g0, g1) in enumerate(ends):
            needs = {
                "start": g0 != 0,
                "end": g1 != 0,
                "move": moved & held[code],
                "start_move": moved & held[code] & active_start,
            }
            _mark_missing(out, needs, subset, rates[code], currencies[code], slots)


def _mark_missing(
    out: SlotSums,
    needs: dict[str, np.ndarray],
    groups: GroupIndex,
    rates: list[int | None],
    currency: str,
    slots: Slots,
) -> None:
    """Where this currency's rate is missing, count per group the entities for which each
    need (entities × slots) is true."""
    lacking = [s for s, rate in enumerate(rates) if rate is None]
    if not lacking:
        return
    for need, mask in needs.items():
        counts = out.lacking.setdefault(
            (need, currency), np.zeros((groups.count, len(slots.periods)), dtype=np.int64)
        )
        counts[:, lacking] += groups.sum(mask[:, lacking].astype(np.int64))


def _add_native(
    out: SlotSums, measures: dict[str, np.ndarray], groups: GroupIndex, currency: str
) -> None:
    """Sums per cell (entities of one currency) added per group: money as it is, in that
    currency."""
    for name in MONEY:
        if name in measures:
            summed = groups.sum(measures[name])
            key = (currency, name)
            out.native[key] = out.native[key] + summed if key in out.native else summed
    for name in COUNTS:
        if name in measures:
            out.counts[name] += groups.sum(measures[name].astype(np.int64))


def _add_groups(
    out: SlotSums, measures: dict[str, np.ndarray], groups: GroupIndex, rates: list
) -> None:
    """Converted measures (U, or anything times `rates`) added per group."""
    factor = np.array([r or 0 for r in rates], dtype=object)
    for name in MONEY:
        if name in measures:
            summed = groups.sum(measures[name]).astype(object) * factor
            out.money[name] = out.money[name] + summed if name in out.money else summed
    for name in COUNTS:
        if name in measures:
            out.counts[name] += groups.sum(measures[name].astype(np.int64))


def count_sums(
    positive: np.ndarray,
    first_active: np.ndarray,
    boundaries: np.ndarray,
    slots: Slots,
    group_at: np.ndarray,
    labels: list[str],
) -> dict[str, np.ndarray]:
    """Customer counts per group and slot when an account's group depends on the day (its
    plan with the highest MRR): start-side counts use the group at the start, end-side counts
    the group at the end. `positive` and `group_at` are (accounts × state points)."""
    p0, p1 = positive[:, slots.j0], positive[:, slots.j1]
    g0, g1 = group_at[:, slots.j0], group_at[:, slots.j1]
    had_before = first_active[:, None] <= boundaries[slots.j0][None, :]
    gained = ~p0 & p1
    n_slots = len(slots.periods)
    slot_of = np.broadcast_to(np.arange(n_slots), p0.shape)

    def tally(mask: np.ndarray, group: np.ndarray) -> np.ndarray:
        mask = mask & (group >= 0)
        flat = group[mask] * n_slots + slot_of[mask]
        return np.bincount(flat, minlength=len(labels) * n_slots).reshape(len(labels), n_slots)

    return {
        "n_start": tally(p0, g0),
        "n_end": tally(p1, g1),
        "n_new": tally(gained & ~had_before, g1),
        "n_react": tally(gained & had_before, g1),
        "n_churn": tally(p0 & ~p1, g0),
    }


def top_plan_by_state(
    context: Context,
    rows: SubscriptionRows,
    pair_account: np.ndarray,
    pair_plan: np.ndarray,
    pair_grids: EntityGrids,
    points: np.ndarray | None = None,
) -> np.ndarray:
    """Per account and state point: the plan with the highest MRR then, or -1 (ties: the
    first plan by name). Compared in approximate workspace currency: it only picks a label.
    With `points`, only at those state points (-1 at the others)."""
    width = context.month_count + 1
    points = np.arange(width) if points is None else points
    value = np.zeros((pair_grids.count, len(points)))
    for code, grid in enumerate(pair_grids.grids):
        rates = [
            context.rates.get(rows.currencies[code], context.first_month + j - 1) or RATE_SCALE
            for j in points.tolist()
        ]
        value += (
            grid[:, points].astype(float) * (np.array(rates, dtype=float) / RATE_SCALE)[None, :]
        )
    whole = np.full((len(rows.account_ids), width), -1, dtype=np.int64)
    if not pair_grids.count:
        return whole
    whole[:, points] = _top_plans(rows, pair_account, pair_plan, value)
    return whole


def _top_plans(
    rows: SubscriptionRows, pair_account: np.ndarray, pair_plan: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """Per account and column of `value` (pairs × columns): the plan of its best pair."""
    top = np.full((len(rows.account_ids), value.shape[1]), -1, dtype=np.int64)
    rank = np.argsort(np.argsort(np.array(rows.plans, dtype=object), kind="stable"))
    order = np.lexsort((rank[pair_plan], pair_account))
    accounts = pair_account[order]
    starts = np.flatnonzero(np.r_[True, accounts[1:] != accounts[:-1]])
    ordered = value[order]
    best = np.maximum.reduceat(ordered, starts, axis=0)
    owner = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(order)]))
    is_best = (ordered == best[owner]) & (ordered > 0)
    position = np.where(is_best, np.arange(len(order))[:, None], len(order))
    first = np.minimum.reduceat(position, starts, axis=0)
    plans = np.r_[pair_plan[order], -1]
    top[accounts[starts]] = plans[first]
    return top
