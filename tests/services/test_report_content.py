"""A report's content: the values, comparisons, targets and pacing every surface shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import CustomKpi, Target
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.targets import kpi_facts
from tests.report_data import make_report, write_snapshots

pytestmark = pytest.mark.django_db


def content(workspace, report, today):
    with workspace_scope(workspace.id):
        return report_content(report=report, workspace=workspace, today=today, kpis=kpi_facts())


def test_the_same_period_last_year_is_compared_and_a_rate_changes_in_points(alice, workspace):
    write_snapshots(workspace, [
        ("customer_churn_rate", "quarter", date(2024, 1, 1), "0.030000"),
        ("customer_churn_rate", "quarter", date(2025, 1, 1), "0.025000"),
        ("mrr", "quarter", date(2024, 1, 1), "8000.00"),
        ("mrr", "quarter", date(2025, 1, 1), "10000.00"),
    ])  # fmt: skip
    report = make_report(
        alice,
        workspace,
        grain="quarter",
        range_kind="last_closed_quarter",
        range_months=None,
        comparison="last_year",
        sections=[{"kpi": "customer_churn_rate"}, {"kpi": "mrr"}],
    )
    churn, mrr = content(workspace, report, date(2025, 4, 2)).sections
    row = churn.latest
    assert (row.period.label, row.compare_period.label) == ("2025-Q1", "2024-Q1")
    assert row.change == Decimal("-0.005") and row.change_in_points and row.change_good is True
    assert mrr.latest.change == Decimal("0.25") and not mrr.latest.change_in_points
    assert mrr.latest.change_good is True


def test_the_last_quarter_is_paced_against_its_target(alice, workspace):
    write_snapshots(workspace, [
        ("mrr", "month", date(2024, 12, 1), "10000.00"),
        ("mrr", "month", date(2025, 1, 1), "10500.00"),
        ("mrr", "month", date(2025, 2, 1), "11000.00"),
        ("mrr", "quarter", date(2025, 1, 1), "11000.00"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 1, 1), value=12000)
    report = make_report(
        alice,
        workspace,
        range_kind="quarter_to_date",
        range_months=None,
        sections=[{"kpi": "mrr"}],
        include_targets=True,
    )
    result = content(workspace, report, date(2025, 2, 14))
    section = result.sections[0]
    assert [r.period.label for r in section.rows] == ["2025-01", "2025-02"]
    # Beside each month its milestone from 10,000 to 12,000, not the quarter's target.
    assert [round(r.target, 2) for r in section.rows] == [Decimal("10666.67"), Decimal("11333.33")]
    assert section.pacing is not None and section.pacing.status == "on_track"
    assert section.pacing.progress == Decimal("0.5")  # 1,000 of 2,000 to gain
    assert [t.target.kpi_key for t in result.targets] == ["mrr"]
    assert result.targets_quarter.label == "2025-Q1"


def test_a_yearly_report_has_no_targets_and_a_deleted_kpi_is_left_out(alice, workspace):
    with workspace_scope(workspace.id):
        custom = CustomKpi.objects.create(
            key="custom_audits", name="Audits", unit="number", direction="up", aggregation="sum"
        )
    write_snapshots(workspace, [("arr", "year", date(2024, 1, 1), "120000.00")])
    report = make_report(
        alice,
        workspace,
        grain="year",
        range_months=24,
        sections=[{"kpi": "arr"}, {"kpi": "custom_audits"}],
    )
    with workspace_scope(workspace.id):
        custom.delete()
    result = content(workspace, report, date(2025, 3, 1))
    assert [p.label for p in result.periods] == ["2023", "2024"]
    assert [s.kpi.key for s in result.sections] == ["arr"]
    assert result.missing_kpis == ["custom_audits"]
    assert [r.value for r in result.sections[0].rows] == [None, Decimal("120000.00")]
    assert not result.sections[0].has_targets
