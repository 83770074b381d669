"""Report test data shared by the page, API, export, content and digest tests: snapshot rows
written straight into the workspace, and a saved report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Membership, User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import KpiSnapshot, Report, Target
from kpiapp.services.reports import report_create

TODAY = "2025-04-15"  # the last closed month is 2025-03


def write_snapshots(workspace: Workspace, rows: list[tuple[Any, ...]]) -> None:
    """rows: (key, grain, period start, value[, dimension, dimension value, reason])."""
    with workspace_scope(workspace.id):
        KpiSnapshot.objects.bulk_create(
            KpiSnapshot(
                kpi_key=key, grain=grain, period_start=start,
                value=None if value is None else Decimal(value),
                dimension=rest[0] if rest else "", dimension_value=rest[1] if rest else "",
                reason=rest[2] if len(rest) > 2 else "", computed_at=timezone.now(),
            )
            for key, grain, start, value, *rest in rows
        )  # fmt: skip


def make_report(user: User, workspace: Workspace, **fields: Any) -> Report:
    """A shared monthly "Board update" of the last three months (MRR, customer churn);
    `fields` override any of its values."""
    data = {
        "title": "Board update",
        "visibility": "shared",
        "grain": "month",
        "range_kind": "last_n_months",
        "range_months": 3,
        "comparison": "previous",
        "sections": [{"kpi": "mrr", "note": "Up again"}, {"kpi": "customer_churn_rate"}],
    } | fields
    membership = Membership.all_workspaces.get(user=user, workspace=workspace)
    with workspace_scope(workspace.id):
        return report_create(membership=membership, data=data)


def write_report_snapshots(workspace: Workspace) -> None:
    """MRR (also by plan) from December to March, visits and customer churn (one month
    undefined), and an MRR target for Q1 2025: the `snapshots` fixture."""
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 1, 1), "10000.00"),
        ("mrr", "month", date(2025, 2, 1), "11000.00"),
        ("mrr", "month", date(2025, 3, 1), "12345.67"),
        ("mrr", "month", date(2024, 12, 1), "9000.00"),
        ("mrr", "month", date(2025, 3, 1), "2500.00", "plan", "Pro"),
        ("mrr", "month", date(2025, 2, 1), "2000.00", "plan", "Pro"),
        ("visits", "month", date(2025, 3, 1), "4321"),
        ("customer_churn_rate", "month", date(2025, 2, 1), "0.020000"),
        ("customer_churn_rate", "month", date(2025, 3, 1), None, "", "", "no customers at start"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 1, 1), value=Decimal(12000))


def report_form(**fields: str) -> dict[str, str]:
    """The report form's fields as a browser posts them (a monthly report of MRR and customer
    churn); `fields` override any of them."""
    data = {
        "title": "Monthly numbers",
        "visibility": "shared",
        "language": "en",
        "grain": "month",
        "range_kind": "last_n_months",
        "range_months": "3",
        "start_period": "",
        "end_period": "",
        "dimension": "",
        "dimension_value": "",
        "comparison": "previous",
        "section-TOTAL_FORMS": "3",
        "section-INITIAL_FORMS": "0",
        "section-MIN_NUM_FORMS": "0",
        "section-MAX_NUM_FORMS": "20",
        "section-0-kpi": "customer_churn_rate",
        "section-0-note": "",
        "section-0-ORDER": "2",
        "section-1-kpi": "mrr",
        "section-1-note": "Our main number",
        "section-1-ORDER": "1",
        "section-2-kpi": "",
        "section-2-note": "",
        "section-2-ORDER": "",
    }
    return data | fields
