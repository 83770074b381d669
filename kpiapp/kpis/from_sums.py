"""Runs of the engine from partial sums (`kpiapp.kpis.partials`): every bucket's sums made
from all rows (a full run stores them), a few buckets' sums made anew from those buckets' rows
alone (a change of their accounts' subscriptions), and the points of the KPIs those sums give."""

from __future__ import annotations

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis import acquisition, custom, engagement, funnel, partials, pipeline, revenue
from kpiapp.kpis.context import Context
from kpiapp.kpis.dependencies import AccountGroups
from kpiapp.kpis.dimensions import AccountAttributes, load_account_attributes, load_names
from kpiapp.kpis.mrr_states import SubscriptionRows, load_subscriptions
from kpiapp.kpis.partials import StoredSums
from kpiapp.kpis.registry import COHORT_KEYS
from kpiapp.kpis.results import Collector, Point


def all_sums(
    context: Context,
    attributes: AccountAttributes,
    rows: SubscriptionRows,
    usage: np.ndarray,
    first_values: np.ndarray,
) -> StoredSums:
    """Every bucket's sums and their total, from the rows of all accounts (a run that read
    them all anyway)."""
    buckets = list(range(partials.BUCKETS))
    inputs = partials.split(rows, usage, first_values, buckets)
    found = {b: partials.family_sums(context, attributes, inputs[b]) for b in buckets}
    total = partials.combined([(1, found[b]) for b in buckets])
    basis = partials.Basis.of(context, rows.unit_denominator)
    return StoredSums(basis, total, found, complete=True)


# The KPIs a change of some accounts' subscriptions can move that `run_from_sums` makes: the
# families of the partial sums and acquisition's, which read revenue's outcome and spend.
FROM_SUMS_KEYS = (
    revenue.KEYS
    | set(COHORT_KEYS)
    | {"seat_utilisation", "engagement_score", "time_to_first_value_days"}
    | {"cac", "cac_payback_months", "clv_cac_ratio"}
)


def sums_updated(
    workspace: Workspace,
    stored: StoredSums,
    *,
    accounts: frozenset[int],
    context: Context,
    since_month: int | None = None,
) -> StoredSums | None:
    """The stored sums after a change of `accounts`' subscriptions from `since_month` on
    (None: of any day): their buckets' sums made anew from those buckets' rows alone (of
    revenue, only for the periods that end in or after it), and the total without their old
    sums and with the new ones. None when the stored sums do not hold for this run (another
    basis, a billing interval their unit cannot hold, a bucket missing)."""
    touched = sorted({int(a) % partials.BUCKETS for a in accounts})
    if not stored.basis.matches(context) or not set(touched) <= stored.buckets.keys():
        return None
    wanted = (touched, partials.BUCKETS)
    rows = load_subscriptions(workspace_id=workspace.id, buckets=wanted)
    try:
        rows = rows.in_unit(stored.basis.unit_denominator)
    except ValueError:
        return None  # a new billing interval: the stored unit cannot hold its amounts exactly
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns, buckets=wanted
    )
    usage, first_values = engagement.load_bucket_usage(context, buckets=wanted)
    inputs = partials.split(rows, usage, first_values, touched)
    used = partials.slots_from(context, since_month)
    fresh = {
        b: partials.family_sums(
            context, attributes, inputs[b], None if used is None else (stored.buckets[b], used)
        )
        for b in touched
    }
    total = partials.combined(
        [(1, stored.total)]
        + [(-1, stored.buckets[b]) for b in touched]
        + [(1, fresh[b]) for b in touched]
    )
    return StoredSums(stored.basis, total, fresh, complete=False, generation=stored.generation)


def run_from_sums(
    workspace: Workspace,
    sums: StoredSums,
    *,
    context: Context,
    keys: set[str],
    since_month: int | None = None,
    groups: AccountGroups | None = None,
) -> list[Point] | None:
    """The points `engine.compute_workspace` makes for `keys`, from the sums of all accounts
    (`sums_updated`): None when the keys need more than the sums give (the caller computes
    from all rows)."""
    if not keys <= FROM_SUMS_KEYS:
        return None
    channels, campaigns = load_names(workspace_id=workspace.id)
    collector = Collector(context, keys=keys, since_month=since_month, groups=groups)
    outcome = partials.emit(context, collector, sums.total)
    acquisition.compute(
        context,
        collector,
        outcome,
        pipeline.DealOutcome({}),
        funnel.FunnelOutcome({}),
        channels,
        campaigns,
    )
    custom.compute(context, collector)
    return collector.points
