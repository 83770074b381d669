"""The demo shows quarterly planning at once: targets for the last four quarters, some hit and
some missed, and for the current one with pacing, milestones and forecasts (issue 18, 4)."""

from __future__ import annotations

from collections import Counter

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.forecast import Forecast
from kpiapp.kpis.periods import Period
from kpiapp.models import Deal, Target
from kpiapp.selectors.targets import kpi_facts, targets_of_quarter
from tests.demo.conftest import DEMO_AS_OF as AS_OF

# The demo company is built once for this package (tests/demo/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("demo")]


@freeze_time(f"{AS_OF} 12:00")  # the demo's as-of is today
def test_the_demo_has_targets_hit_and_missed_and_the_current_quarters_with_forecasts(
    demo_company,
):
    workspace = demo_company.workspace
    current = Period.of_start("quarter", AS_OF)
    with workspace_scope(workspace.id):
        quarters = sorted(set(Target.objects.values_list("quarter_start", flat=True)))
        assert quarters == [Period("quarter", current.first_month - 3 * i).start
                            for i in range(4, -1, -1)]  # fmt: skip
        facts = kpi_facts()
        verdicts = Counter(
            row.pacing.status
            for i in range(1, 5)
            for row in targets_of_quarter(
                quarter=Period("quarter", current.first_month - 3 * i), today=AS_OF, facts=facts
            )
        )
        assert verdicts["hit"] >= 4 and verdicts["missed"] >= 4, verdicts
        rows = {r.kpi.key: r for r in targets_of_quarter(quarter=current, today=AS_OF, facts=facts)}
        assert {"mrr", "customers_new", "customer_churn_rate", "deals_won"} <= set(rows)
        missing = [(k, r.current, r.reason) for k, r in rows.items() if r.pacing is None]
        assert missing == [] and all(r.milestone is not None for r in rows.values())
        assert isinstance(rows["mrr"].forecast, Forecast) and rows["mrr"].forecast.method == "trend"
        # Open deals carry their expected close, so deals won are forecast from the pipeline.
        assert Deal.objects.filter(expected_close_at__gt=AS_OF).exists()
        assert rows["deals_won"].forecast.method == "pipeline"
        assert [o.method for o in rows["deals_won"].forecasts] == ["trend", "pipeline"]
