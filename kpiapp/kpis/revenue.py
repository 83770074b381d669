"""Recurring revenue, customers, churn and retention (KPIS.md sections 1 and 2), CLV and
lifetime revenue (section 3), from the exact MRR states of `mrr_states`."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from kpiapp.kpis.context import RATE_SCALE, Context
from kpiapp.kpis.dimensions import AccountAttributes, GroupIndex
from kpiapp.kpis.mrr_states import (
    FIELDS,
    NEEDS,
    EntityGrids,
    SlotSums,
    SubscriptionRows,
    count_sums,
    entity_grids,
    expand,
    load_subscriptions,
    make_slots,
    slot_sums,
    top_plan_by_state,
)
from kpiapp.kpis.periods import GRAINS, Period, periods_between
from kpiapp.kpis.reasons import NO_CHURN, NO_CUSTOMERS, NO_LOSSES, NO_START_CUSTOMERS, NO_START_MRR
from kpiapp.kpis.registry import KPIS
from kpiapp.kpis.results import Collector

CLV_MONTHS = 6
KEYS = {k.key for k in KPIS if k.section in ("1", "2")} | {"clv", "ltv_revenue"}  # the family's


@dataclass
class GroupRevenue:
    """Monthly figures other families reuse, for one dimension value."""

    customers_new: list[int]
    mrr_new: list[Fraction]
    clv: list[Fraction | None]
    clv_reason: list[str | None]
    missing: list[str | None]  # the month-end MRR's reason (a state)
    new_missing: list[str | None]  # the new MRR's reason (a movement)


@dataclass
class RevenueOutcome:
    by_group: dict[tuple[str, str], GroupRevenue] = field(default_factory=dict)
    account_ids: list[int] = field(default_factory=list)
    positive: np.ndarray | None = None  # accounts × state points: MRR > 0
    first_active: np.ndarray | None = None
    first_start: dict[int, int] = field(default_factory=dict)  # account -> earliest start day
    rows: SubscriptionRows | None = None
    grids: EntityGrids | None = None


@dataclass
class Block:
    """The sums of one grouping (the total, a dimension, or plans) per label: how many
    entities (accounts; (account, plan) pairs for plans) each label holds, their measures
    and, for pending churn, their MRR at each slot's end counting notice as the end."""

    labels: list[str]
    members: np.ndarray
    sums: SlotSums
    pending: SlotSums


@dataclass
class RevenueSums:
    """Everything the family's points are made of, summed over some accounts for every slot
    of the run. Sums over disjoint sets of accounts add up (`combined`, which leaves out a
    dimension value that holds no member any more)."""

    blocks: dict[str, Block]  # dimension ("" the total, "plan") -> its block
    unit_denominator: int


@dataclass
class AccountSums:
    """`RevenueSums` and the per-account states the other families read."""

    sums: RevenueSums
    grids: EntityGrids
    positive: np.ndarray  # accounts × state points: MRR > 0


DIMENSIONS = ("", "channel", "campaign", "country")


def combined(parts: list[tuple[int, RevenueSums]]) -> RevenueSums:
    """The sum of sign × sums over `parts` (sign 1 or -1), all of one run and one unit: the
    sums of a set of accounts made of the sums of its parts. Labels by name; a dimension value
    that holds no member any more is left out."""
    units = {part.unit_denominator for _, part in parts}
    if len(units) != 1:
        raise ValueError(f"sums of different units cannot be added: {sorted(units)}")
    dimensions = list(dict.fromkeys(d for _, part in parts for d in part.blocks))
    return RevenueSums(
        {
            d: _combined_block(d, [(sign, p.blocks[d]) for sign, p in parts if d in p.blocks])
            for d in dimensions
        },
        units.pop(),
    )


def held(sums: RevenueSums) -> RevenueSums:
    """The same sums without the dimension values and plans that hold no member (a segment's
    rows keep every plan of the workspace), plans by name: equal sums of the same accounts,
    whichever other rows were read with them, are equal here."""
    blocks = {}
    for dimension, block in sums.blocks.items():
        keep = [g for g, label in enumerate(block.labels) if block.members[g] or not dimension]
        if dimension == "plan":
            keep.sort(key=lambda g: block.labels[g])
        blocks[dimension] = Block(
            [block.labels[g] for g in keep],
            block.members[keep],
            _rows_of(block.sums, keep),
            _rows_of(block.pending, keep),
        )
    return RevenueSums(blocks, sums.unit_denominator)


def spliced(fresh: RevenueSums, kept: RevenueSums, used: np.ndarray) -> RevenueSums:
    """Sums of the same accounts: `fresh`'s in the slots `used` and its members, `kept`'s in
    the other slots (which the change that made `fresh` cannot move)."""
    blocks = {
        dimension: _spliced_block(fresh.blocks.get(dimension), kept.blocks.get(dimension), used)
        for dimension in dict.fromkeys([*fresh.blocks, *kept.blocks])
    }
    return held(RevenueSums(blocks, fresh.unit_denominator))


def _spliced_block(new: Block | None, old: Block | None, used: np.ndarray) -> Block:
    parts = [b for b in (new, old) if b is not None]
    labels = list(dict.fromkeys(label for b in parts for label in b.labels))
    at = {label: i for i, label in enumerate(labels)}
    members = np.zeros(len(labels), dtype=np.int64)
    if new is not None:
        members[[at[label] for label in new.labels]] = new.members
    width = next(iter(parts[0].sums.counts.values())).shape[1]
    kept_slots = np.setdiff1d(np.arange(width), used)

    def take(of: str) -> SlotSums:
        out = SlotSums()
        for block, columns in ((new, used), (old, kept_slots)):
            if block is None:
                continue
            rows = np.array([at[label] for label in block.labels], dtype=np.int64)
            for field_name in FIELDS:
                target = getattr(out, field_name)
                for key, values in getattr(getattr(block, of), field_name).items():
                    _make_room(target, key, values, (len(labels), width))
                    target[key][np.ix_(rows, columns)] = values[:, columns]
        return out

    return Block(labels, members, take("sums"), take("pending"))


def _make_room(target: dict, key: object, values: np.ndarray, shape: tuple[int, int]) -> None:
    """A zero array for `key` in `target`, of Python ints once `values` are (sums of
    implausibly large amounts: int64 could overflow)."""
    if key not in target:
        target[key] = np.zeros(shape, dtype=values.dtype)
    elif values.dtype == object and target[key].dtype != object:
        target[key] = target[key].astype(object)


def _combined_block(dimension: str, parts: list[tuple[int, Block]]) -> Block:
    # By name: the same sums give the same block, whichever parts they were added from.
    labels = sorted({label for _, block in parts for label in block.labels})
    at = {label: i for i, label in enumerate(labels)}
    members = np.zeros(len(labels), dtype=np.int64)
    for sign, block in parts:
        members[[at[label] for label in block.labels]] += sign * block.members
    keep = np.flatnonzero((members != 0) | (not dimension))  # the total stays

    def added(of: str) -> SlotSums:
        out = SlotSums()
        for sign, block in parts:
            rows = np.array([at[label] for label in block.labels], dtype=np.int64)
            part = getattr(block, of)
            for field_name in FIELDS:
                target, source = getattr(out, field_name), getattr(part, field_name)
                for key, values in source.items():
                    _make_room(target, key, values, (len(labels), values.shape[1]))
                    target[key][rows] += sign * values
        for field_name in FIELDS:
            target = getattr(out, field_name)
            for key in target:
                target[key] = target[key][keep]
        return out

    return Block([labels[i] for i in keep.tolist()], members[keep], added("sums"), added("pending"))


def compute(
    context: Context,
    collector: Collector,
    attributes: AccountAttributes,
    *,
    rows: SubscriptionRows | None = None,
) -> RevenueOutcome:
    """`rows`: a segment's rows (`RowScope.apply`) instead of every row of the workspace."""
    if rows is None:
        rows = load_subscriptions(workspace_id=context.workspace_id)
    used = needed_slots(collector, all_periods(context))
    found = account_sums(context, rows, attributes, used, plans_of=collector)
    outcome = emit(context, collector, found.sums)
    outcome.account_ids = rows.account_ids
    outcome.rows = rows
    outcome.positive = found.positive
    outcome.grids = found.grids
    outcome.first_active = found.grids.first_active
    outcome.first_start = rows.first_starts()
    return outcome


def account_sums(
    context: Context,
    rows: SubscriptionRows,
    attributes: AccountAttributes,
    used: np.ndarray | None = None,
    *,
    plans_of: Collector | None = None,
) -> AccountSums:
    """The family's sums over `rows`, for the slots `used` (indexes into every period of the
    run; None: all) and zero in the others; with `plans_of`, only for the plans that
    collector emits (the other plans' sums are left at zero)."""
    boundaries = context.boundaries()
    periods = all_periods(context)
    used = np.arange(len(periods)) if used is None else used
    slots = make_slots(context, periods).subset(used)

    def summed(
        of: SubscriptionRows,
        grids: EntityGrids,
        groupings: list[GroupIndex],
        *,
        ends_only: bool = False,
    ) -> list[SlotSums]:
        found = slot_sums(context, of, grids, slots, groupings, boundaries, ends_only=ends_only)
        return [expand(sums, used, len(periods)) for sums in found]

    n_accounts = len(rows.account_ids)
    accounts = entity_grids(rows, rows.account, n_accounts, boundaries)
    pending = entity_grids(rows, rows.account, n_accounts, boundaries, pending=True)
    groupings = [attributes.groups(d, rows.account_ids) for d in DIMENSIONS]
    sums = summed(rows, accounts, groupings)
    pending_sums = summed(rows, pending, groupings, ends_only=True)  # pending churn: the ends
    blocks = {
        dimension: Block(
            groups.labels, np.bincount(groups.group, minlength=groups.count), total, pend
        )
        for dimension, groups, total, pend in zip(
            DIMENSIONS, groupings, sums, pending_sums, strict=True
        )
    }

    # By plan: MRR per (account, plan) pair; customers under their plan with the highest MRR.
    plan_rows = rows if plans_of is None else _rows_for_plans(rows, plans_of)
    pair_key = plan_rows.account * max(len(rows.plans), 1) + plan_rows.plan
    unique_keys, pair_entity = np.unique(pair_key, return_inverse=True)
    pair_account = unique_keys // max(len(rows.plans), 1)
    pair_plan = unique_keys % max(len(rows.plans), 1)
    pairs = entity_grids(plan_rows, pair_entity, len(unique_keys), boundaries)
    pairs_pending = entity_grids(plan_rows, pair_entity, len(unique_keys), boundaries, pending=True)
    by_plan = GroupIndex(rows.plans, pair_plan)
    (plan_sums,) = summed(plan_rows, pairs, [by_plan])
    (plan_pending,) = summed(plan_rows, pairs_pending, [by_plan], ends_only=True)
    positive = np.zeros((n_accounts, len(boundaries)), dtype=bool)
    for grid in accounts.grids:
        positive |= grid > 0
    points = np.unique(np.r_[slots.j0, slots.j1])  # the state points the slots compare
    top = top_plan_by_state(context, plan_rows, pair_account, pair_plan, pairs, points)
    counts = count_sums(positive, accounts.first_active, boundaries, slots, top, rows.plans)
    plan_sums.counts = expand(SlotSums(counts=counts), used, len(periods)).counts
    members = np.bincount(pair_plan, minlength=len(rows.plans))
    blocks["plan"] = Block(list(rows.plans), members, plan_sums, plan_pending)
    return AccountSums(RevenueSums(blocks, rows.unit_denominator), accounts, positive)


def _rows_of(sums: SlotSums, groups: list[int]) -> SlotSums:
    return sums.mapped(lambda values: values[groups])


def all_periods(context: Context) -> list[Period]:
    """Every period of the run, months first: the slots of `SlotSums`."""
    return [
        p
        for grain in GRAINS
        for p in periods_between(grain, context.first_month, context.last_month)
    ]


def emit(context: Context, collector: Collector, sums: RevenueSums) -> RevenueOutcome:
    """The family's points from its sums, for the labels that hold members and that the
    collector wants; the figures other families reuse per dimension value."""
    rate_months = make_slots(context, all_periods(context)).rate_month
    scale = sums.unit_denominator * RATE_SCALE * 100  # U -> major units
    currencies = {c for b in sums.blocks.values() for s in (b.sums, b.pending) for c, _ in s.native}
    rates = {c: [context.rates.get(c, m) or 0 for m in rate_months] for c in currencies}
    outcome = RevenueOutcome()
    for dimension, block in sums.blocks.items():
        for g, label in enumerate(block.labels):
            if not collector.wants_group(dimension, label):
                continue  # a change of other accounts: nothing of this group moved
            found = _emit(context, collector, dimension, label, block, g, scale, rate_months, rates)
            if dimension != "plan":
                outcome.by_group[(dimension, label)] = found
    return outcome


def _rows_for_plans(rows: SubscriptionRows, collector: Collector) -> SubscriptionRows:
    """The rows of the accounts with a row of a plan the run emits: all rows, unless a
    narrowed run leaves plans out. A customer counts under its plan with the highest MRR, so
    an account's rows of every plan come along; an account without a row of an emitted plan
    cannot count under one. Accounts keep their indexes."""
    emitted = np.array([collector.wants_group("plan", label) for label in rows.plans], dtype=bool)
    if emitted.all():
        return rows
    holds = np.zeros(len(rows.account_ids), dtype=bool)
    holds[rows.account[emitted[rows.plan]]] = True
    keep = holds[rows.account]
    return rows.rows_where(keep, account=rows.account[keep], account_ids=rows.account_ids)


def needed_slots(collector: Collector, periods: list[Period]) -> np.ndarray:
    """The slots (indexes into `periods`, whose months come first, one per month slot) that the
    emitted periods read: their own, their months, and the months before them that growth, FX
    impact and CLV's churn window look back to. A full recompute reads every slot."""
    if collector.first_emitted_slot() == 0:
        return np.arange(len(periods))
    wanted: set[int] = set()
    for i, period in enumerate(periods):
        if collector.is_emitted(period):
            months = collector.months_of(period)
            wanted.add(i)
            wanted.update(range(max(0, months.start - CLV_MONTHS), months.stop))
    return np.array(sorted(wanted), dtype=np.int64)


def _emit(
    context: Context,
    collector: Collector,
    dimension: str,
    label: str,
    block: Block,
    g: int,
    scale: int,
    rate_months: list[int],
    rates: dict[str, list[int]],
) -> GroupRevenue:
    months = context.month_count
    sums, pending = block.sums, block.pending
    # Money stays in integers of 1/scale major units (exact) until a point is made of it.
    money = sums.in_units(g, rates, len(rate_months))
    counts = {name: [int(v) for v in row[g]] for name, row in sums.counts.items()}
    # A missing rate makes undefined only the values that need it (KPIS.md, Currencies).
    needs = {name: sums.reasons(name, g, rate_months) for name in NEEDS}
    missing, moves = needs["end"][:months], needs["move"][:months]

    def emit(key: str, numerators: list[int], denominators: list[int] | None = None,
             **options: Any) -> None:  # fmt: skip
        collector.monthly(key, dimension, label, numerators, denominators, unit=scale, **options)

    end = money["end"][:months]
    new, react = money["new"][:months], money["react"][:months]
    exp, contr, churn = money["exp"][:months], money["contr"][:months], money["churn"][:months]
    fx = [money["start"][k] - (end[k - 1] if k else 0) for k in range(months)]
    # FX impact revalues the rows active at the month's start: this month's and last month's
    # rates of those rows.
    starts = needs["start"]
    fx_missing = [starts[k] or (missing[k - 1] if k else None) for k in range(months)]
    emit("mrr", end, missing=missing)
    emit("arr", [12 * v for v in end], missing=missing)
    emit("mrr_new", new, missing=moves)
    emit("mrr_reactivation", react, missing=moves)
    emit("mrr_expansion", exp, missing=moves)
    emit("mrr_contraction", contr, missing=moves)
    emit("mrr_churn", churn, missing=moves)
    net_new = [new[k] + react[k] + exp[k] - contr[k] - churn[k] for k in range(months)]
    emit("mrr_net_new", net_new, missing=moves)
    emit("mrr_fx_impact", fx, missing=fx_missing)
    pending_end = pending.in_units(g, rates, len(rate_months))["end"][:months]
    pending_missing = pending.reasons("end", g, rate_months)[:months]
    emit("mrr_pending_churn", pending_end, missing=pending_missing)

    args = (dimension, label)
    active = counts["n_end"][:months]
    collector.monthly("customers_active", *args, active)
    collector.monthly("customers_new", *args, counts["n_new"][:months])
    collector.monthly("customers_reactivated", *args, counts["n_react"][:months])
    collector.monthly("customers_churned", *args, counts["n_churn"][:months])
    emit("arpa", end, active, missing=missing, zero_reason=NO_CUSTOMERS)
    gains = [new[k] + react[k] + exp[k] for k in range(months)]
    losses = [churn[k] + contr[k] for k in range(months)]
    emit("quick_ratio", gains, losses, missing=moves, zero_reason=NO_LOSSES, denominator_unit=scale)

    # The two-ends rates read the start and the movements of the accounts active then.
    two_ends = [a or b for a, b in zip(needs["start"], needs["start_move"], strict=True)]
    _emit_period_rates(collector, args, money, counts, two_ends, end, missing, scale)
    end_major = [Fraction(v, scale) for v in end]
    clv, clv_reason = _emit_lifetime_value(context, collector, args, counts, end_major, missing)
    return GroupRevenue(
        counts["n_new"][:months], [Fraction(v, scale) for v in new], clv, clv_reason, missing, moves
    )


def _emit_period_rates(
    collector: Collector,
    args: tuple[str, str],
    money: dict[str, list[int]],
    counts: dict[str, list[int]],
    slot_missing: list[str | None],
    month_end_mrr: list[int],
    month_missing: list[str | None],
    scale: int,
) -> None:
    """Rates comparing the two ends of each period itself (a slot per period); money in
    integers of 1/scale major units."""
    first_month = collector.context.first_month
    periods = [p for grain in GRAINS for p in collector.periods[grain]]
    for s, period in enumerate(periods):
        if not collector.is_emitted(period):
            continue
        reason = slot_missing[s] or ""
        start, churn = money["start"][s], money["churn"][s]
        contr, exp = money["contr"][s], money["exp"][s]
        n_start, n_churn = counts["n_start"][s], counts["n_churn"][s]
        point = collector.point
        point(
            "customer_churn_rate", period, *args, n_churn, n_start, zero_reason=NO_START_CUSTOMERS
        )
        point(
            "customer_retention_rate",
            period,
            *args,
            n_start - n_churn,
            n_start,
            zero_reason=NO_START_CUSTOMERS,
        )
        start_major = Fraction(start, scale)
        for key, numerator in (
            ("mrr_churn_rate", churn),
            ("gross_mrr_churn_rate", churn + contr),
            ("net_mrr_churn_rate", churn + contr - exp),
            ("nrr", start + exp - contr - churn),
            ("grr", start - contr - churn),
        ):
            point(
                key,
                period,
                *args,
                Fraction(numerator, scale),
                start_major,
                reason=reason,
                zero_reason=NO_START_MRR,
            )
        # Growth compares the `mrr` of the period's end with that of the period before.
        last = min(period.last_month, collector.context.last_month) - first_month
        before = period.first_month - 1 - first_month
        previous = month_end_mrr[before] if before >= 0 else 0
        growth_reason = month_missing[last] or (month_missing[before] if before >= 0 else None)
        point(
            "mrr_growth_rate",
            period,
            *args,
            Fraction(month_end_mrr[last] - previous, scale),
            Fraction(previous, scale),
            reason=growth_reason or "",
            zero_reason=NO_START_MRR,
        )


def _emit_lifetime_value(
    context: Context,
    collector: Collector,
    args: tuple[str, str],
    counts: dict[str, list[int]],
    end: list[Fraction],
    missing: list[str | None],
) -> tuple[list[Fraction | None], list[str | None]]:
    """clv = arpa × gross margin / c, c = the mean of the defined monthly customer churn
    rates of up to six months ending with the period's last month (a state)."""
    months = context.month_count
    churn_rate = [
        Fraction(counts["n_churn"][k], counts["n_start"][k]) if counts["n_start"][k] else None
        for k in range(months)
    ]
    arpa_margin, arpa, mean_churn, reasons = [], [], [], []
    clv: list[Fraction | None] = []
    for k in range(months):
        window = [r for r in churn_rate[max(0, k - CLV_MONTHS + 1) : k + 1] if r is not None]
        c = sum(window, Fraction(0)) / len(window) if window else Fraction(0)
        value = end[k] / counts["n_end"][k] if counts["n_end"][k] else None
        reason = missing[k] or (None if value is not None else NO_CUSTOMERS)
        reason = reason or (None if c else NO_CHURN)
        arpa.append(value or 0)
        arpa_margin.append((value or 0) * context.gross_margin)
        mean_churn.append(c)
        reasons.append(reason)
        clv.append(None if reason or value is None else (value * context.gross_margin / c))
    collector.monthly("clv", *args, arpa_margin, mean_churn, missing=reasons)
    collector.monthly("ltv_revenue", *args, arpa, mean_churn, missing=reasons)
    return clv, reasons
