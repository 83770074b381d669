"""seed_demo saves a plan for the current quarter, with its targets linked to it."""

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Plan, Target
from kpiapp.selectors.plans import plan_result

# The demo company is built once for this package (tests/demo/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("demo")]


def test_the_demo_has_a_saved_plan_for_the_current_quarter(demo_company):
    with workspace_scope(demo_company.workspace.id):
        plan = Plan.objects.get()
        assert plan.quarter_start == date(2026, 10, 1)
        assert plan.goal_kind == "mrr_new" and plan.goal_value > 0
        assert plan.shares == {"Partner": "0.2"}
        computed = plan_result(plan)
        assert computed.complete
        linked = Target.objects.filter(plan=plan)
        channels = {t.dimension_value for t in linked if t.dimension == "channel"}
        assert "Partner" in channels and len(channels) >= 5
        assert {t.kpi_key for t in linked} == {
            "mrr_new", "customers_new", "opportunities", "sqls", "leads", "marketing_spend",
        }  # fmt: skip
        assert linked.get(kpi_key="mrr_new", dimension="").value == plan.goal_value
