"""A segment of several conditions, computed on demand with the engine's own code.

Snapshots hold each KPI per single dimension value; "country:DE;plan:Pro" is neither a sum nor
a share of those rows. For the account-level KPIs (KPIS.md sections 1 to 3: MRR, its
movements, customers, churn and retention rates, ARPA, quick ratio, CLV) and the cohort table,
this runs the revenue and cohort families over the segment's rows only:

- country, channel and campaign select accounts: those matching every such condition, with the
  channel and campaign `dimensions.load_account_attributes` gives an account (its own, else its
  earliest converted lead's), as in the snapshots' breakdowns;
- a plan condition reads the plan breakdown group of that run (MRR per account and plan,
  customers under their plan with the highest MRR), so "plan:Pro" alone equals the stored
  plan:Pro rows and "country:DE" alone the stored country:DE rows, to the cent. The cohort
  table and the customers behind a movement read the rows of that plan.

Two values of one dimension match nobody (an account has one country; a pair one plan): the
run is then empty, and says so with zeros and undefined rates, never another segment's numbers.
Reads only, like the engine: `selectors/segment_points.py` caches and shows the points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from accounts.models import Workspace
from kpiapp.kpis import retention, revenue
from kpiapp.kpis.dimensions import AccountAttributes, load_account_attributes, load_names
from kpiapp.kpis.engine import ACCOUNT_LEVEL_KEYS, build_context
from kpiapp.kpis.mrr_states import (
    RowScope,
    SubscriptionRows,
    entity_grids,
    load_subscriptions,
)
from kpiapp.kpis.registry import COHORT_KEYS
from kpiapp.kpis.results import Collector, Point
from kpiapp.kpis.segments import Condition

# The KPIs a segment of several conditions is computed for; the others read snapshots.
ON_DEMAND_KEYS = frozenset(ACCOUNT_LEVEL_KEYS) | frozenset(COHORT_KEYS)
ACCOUNT_DIMENSIONS = ("channel", "campaign", "country")


@dataclass(frozen=True)
class SegmentScope:
    """Whose rows a segment covers: `accounts` (None: every account) and the `plan` whose
    breakdown group is read (None: the total)."""

    accounts: frozenset[int] | None
    plan: str | None

    @property
    def kpi_rows(self) -> RowScope:
        """The run of the KPIs keeps every plan of the accounts: the plan group is read."""
        return RowScope(self.accounts)

    @property
    def plan_rows(self) -> RowScope:
        """The cohorts and the customers of a movement: the accounts' rows of the plan."""
        return RowScope(self.accounts, self.plan)

    @property
    def group(self) -> tuple[str, str]:
        return ("plan", self.plan) if self.plan is not None else ("", "")


def segment_scope(
    conditions: tuple[Condition, ...], attributes: AccountAttributes, account_ids: list[int]
) -> SegmentScope:
    """The accounts matching every country, channel and campaign condition; the plan."""
    accounts: frozenset[int] | None = None
    for dimension in ACCOUNT_DIMENSIONS:
        values = {c.value for c in conditions if c.dimension == dimension}
        if not values:
            continue
        labels = attributes.labels(dimension, account_ids)
        (value,) = values if len(values) == 1 else ("",)  # two values: nobody matches both
        matching = frozenset(
            a for a, label in zip(account_ids, labels, strict=True) if value and label == value
        )
        accounts = matching if accounts is None else accounts & matching
    plans = list(dict.fromkeys(c.value for c in conditions if c.dimension == "plan"))
    if len(plans) > 1:
        accounts = frozenset()  # a row has one plan: nobody matches two
    return SegmentScope(accounts, plans[0] if plans else None)


def segment_row_scope(workspace: Workspace, conditions: tuple[Condition, ...]) -> RowScope:
    """The rows of the segment's accounts (of its plan): whose movements make its values."""
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    return segment_scope(conditions, attributes, list(attributes.by_account)).plan_rows


def segment_points(
    workspace: Workspace, conditions: tuple[Condition, ...], *, today: date | None = None
) -> list[Point]:
    """The segment's points of every ON_DEMAND_KEYS KPI at every period, labelled as the
    total (dimension ""), and its cohort cells (dimension "age"), as the engine computes them
    for the whole workspace."""
    context = build_context(workspace, today=today)
    channels, campaigns = load_names(workspace_id=workspace.id)
    attributes = load_account_attributes(
        workspace_id=workspace.id, channels=channels, campaigns=campaigns
    )
    rows = load_subscriptions(workspace_id=workspace.id)
    scope = segment_scope(conditions, attributes, rows.account_ids)
    collector = Collector(context, keys=set(ACCOUNT_LEVEL_KEYS))
    outcome = revenue.compute(context, collector, attributes, rows=scope.kpi_rows.apply(rows))
    group = scope.group
    points = [
        p._replace(dimension="", dimension_value="")
        for p in collector.points
        if (p.dimension, p.dimension_value) == group
    ]
    cohorts = Collector(context, keys=set(COHORT_KEYS))
    if scope.plan is not None:
        outcome = _plan_outcome(context.boundaries(), scope.plan_rows.apply(rows))
    retention.compute(context, cohorts, outcome)
    return points + cohorts.points


def _plan_outcome(boundaries: np.ndarray, rows: SubscriptionRows) -> revenue.RevenueOutcome:
    """What the cohort family reads, of one plan's rows: each account's MRR of that plan."""
    grids = entity_grids(rows, rows.account, len(rows.account_ids), boundaries)
    positive = np.zeros((grids.count, len(boundaries)), dtype=bool)
    for grid in grids.grids:
        positive |= grid > 0
    return revenue.RevenueOutcome(
        account_ids=rows.account_ids, positive=positive, rows=rows, grids=grids
    )
