"""The demo's saved plan for the current quarter: a new-MRR goal 15 % above what the last six
months brought in a quarter, with Partner assumed to bring a fifth of it, so a newcomer sees
the plan, its targets and their pacing at once."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from accounts.models import Membership, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Plan
from kpiapp.selectors.plans import basis_month_for, plan_basis
from kpiapp.services.plans import plan_check, plan_save

RAISE = Decimal("1.15")


def demo_plan(*, workspace: Workspace, owner_email: str, as_of: date) -> Plan | None:
    """Save the plan of the quarter containing `as_of` (None if there is nothing to plan
    from, or a plan exists)."""
    quarter = Period.containing("quarter", month_index(as_of))
    with workspace_scope(workspace.id):
        if Plan.objects.filter(quarter_start=quarter.start).exists():
            return None
        membership = Membership.objects.select_related("user", "workspace").get(
            user__email=owner_email
        )
        basis = plan_basis(quarter, basis_month_for(quarter, as_of))
        six_months = sum((c.new_mrr for c in basis.channels), Fraction(0))
        if not six_months:
            return None
        per_quarter = Decimal(six_months.numerator) / Decimal(six_months.denominator) / 2
        goal = (per_quarter * RAISE / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 1000
        shares = {"Partner": "0.2"} if any(c.name == "Partner" for c in basis.channels) else {}
        checked, _errors = plan_check(goal_kind="mrr_new", goal_value=str(goal), shares=shares,
                                     overrides={})  # fmt: skip
        if checked is None:
            return None
        return plan_save(membership=membership, quarter=quarter, checked=checked, today=as_of)
