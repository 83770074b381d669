"""A KPI's page (issue 19, item 6): the rules of its own family, a breakdown of the last
complete period with what each value rests on, and an empty state instead of an empty chart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis import policies
from kpiapp.kpis.policies import kpi_policies
from kpiapp.kpis.registry import KPIS
from kpiapp.models import Deal
from kpiapp.services.snapshots import snapshot_rebuild
from tests.report_data import write_snapshots

pytestmark = pytest.mark.django_db
TODAY = "2025-05-05 12:00"  # May is five days old; April is the last complete month


def test_the_mrr_rules_belong_to_the_subscription_kpis_only():
    subscription_keys = {k.key for k in KPIS if k.section in ("1", "2")}
    for kpi in KPIS:
        shown = kpi_policies(kpi.key)
        assert shown, kpi.key  # every built-in KPI states some rule
        has_mrr_rules = policies.SUBSCRIPTIONS in shown
        assert has_mrr_rules == (kpi.key in subscription_keys | {"clv", "ltv_revenue"}), kpi.key
    for key, own in [
        ("win_rate", policies.WIN_RATE),
        ("sales_cycle_days", policies.SALES_CYCLE),
        ("cac", policies.SPEND),
        ("clv", policies.LIFETIME),
        ("nps", policies.NPS),
    ]:
        assert own in kpi_policies(key)
    assert kpi_policies("custom_demos") == ()  # a team's own KPI has none


@pytest.fixture
def deals(workspace):
    """April: Anna wins one and loses one, Ben wins one; May (running): Anna wins one."""
    rows = [
        ("D1", "Anna", "won", date(2025, 4, 10)),
        ("D2", "Anna", "lost", date(2025, 4, 12)),
        ("D3", "Ben", "won", date(2025, 4, 20)),
        ("D4", "Anna", "won", date(2025, 5, 2)),
    ]
    with workspace_scope(workspace.id), freeze_time(TODAY):
        for external_id, owner, stage, closed in rows:
            Deal.objects.create(
                external_id=external_id,
                owner=owner,
                stage=stage,
                created_at=date(2025, 3, 1),
                closed_at=closed,
            )
        snapshot_rebuild(workspace_id=workspace.id)
    return rows


@freeze_time(TODAY)
def test_a_breakdown_shows_the_last_complete_month_with_its_counts(client_as, vera, deals):
    response = client_as(vera).get("/w/acme/kpis/win_rate/?dimension=owner")
    breakdown = response.context["page"].breakdown
    assert breakdown.period.label == "2025-04"  # not May, five days old
    april = [d for d in deals if d[3].month == 4]
    expected = {}
    for owner in ("Anna", "Ben"):
        mine = [d for d in april if d[1] == owner]
        won = sum(1 for d in mine if d[2] == "won")
        expected[owner] = (won, len(mine))
    rows = {label: (value, basis) for (label, _, value, _), basis in
            zip(breakdown.rows, breakdown.bases, strict=True)}  # fmt: skip
    for owner, (won, closed) in expected.items():
        value, basis = rows[owner]
        assert round(value, 4) == round(won / closed, 4) and basis == f"{won} of {closed}"
    html = response.content.decode()
    assert "By Owner, April 2025" in html or "By owner, April 2025" in html
    assert "1 of 2" in html and "Churn is recognised" not in html


@freeze_time(TODAY)
def test_a_kpi_without_any_value_shows_an_empty_state_not_an_empty_chart(client_as, vera, deals):
    html = client_as(vera).get("/w/acme/kpis/nps/").content.decode()
    assert 'id="trend-chart"' not in html and "No value in these periods" in html
    assert "no NPS answers in the period" in html  # the reason, in words
    assert 'id="trend-chart"' in client_as(vera).get("/w/acme/kpis/win_rate/").content.decode()


@freeze_time("2025-04-15 12:00")
def test_a_kpi_pages_periods_show_their_change_by_the_one_rule(client_as, vera, workspace):
    february, march = Decimal("-2242.00"), Decimal("13258.00")
    write_snapshots(workspace, [
        ("mrr_net_new", "month", date(2025, 1, 1), "1000.00"),
        ("mrr_net_new", "month", date(2025, 2, 1), str(february)),
        ("mrr_net_new", "month", date(2025, 3, 1), str(march)),
    ])  # fmt: skip
    response = client_as(vera).get("/w/acme/kpis/mrr_net_new/")
    page = response.context["page"]
    changes = {p.label: c for p, c in zip(page.periods, page.changes, strict=True)}
    assert changes["2025-03"].absolute and changes["2025-03"].amount == march - february
    assert not changes["2025-02"].absolute  # from a positive base: a percentage
    assert changes["2025-02"].amount == february / Decimal("1000.00") - 1
    assert changes["2025-01"].amount is None  # nothing before it
    assert "+€15,500.00" in response.content.decode()
