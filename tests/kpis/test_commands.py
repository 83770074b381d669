"""recompute_kpis and kpi_series (PRODUCT.md, command line)."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

from django.core.management import CommandError, call_command

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, KpiSnapshot, Subscription


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def customer(workspace):
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="Alpha")
        Subscription.objects.create(
            external_id="S",
            account=account,
            amount_cents=120_000,
            currency="EUR",
            interval="year",
            started_at=date(2025, 1, 15),
        )
    return workspace


@pytest.mark.django_db
@freeze_time("2025-05-20 10:00")
def test_recompute_kpis_recomputes_and_says_what_it_did(customer):
    output = _run("recompute_kpis", "--workspace", "acme")
    with workspace_scope(customer.id):
        count = KpiSnapshot.objects.count()
    assert f"Recomputed {count} snapshots for acme" in output
    assert "MRR 2025-05 (to date): 100.00 EUR" in output  # 1,200 € a year


@pytest.mark.django_db
@freeze_time("2025-05-20 10:00")
def test_kpi_series_prints_the_api_json(customer):
    _run("recompute_kpis", "--workspace", "acme")
    series = json.loads(
        _run(
            "kpi_series",
            "--workspace",
            "acme",
            "--kpi",
            "mrr",
            "--start",
            "2024-12",
            "--end",
            "2025-Q2",
            "--grain",
            "quarter",
        )
    )
    assert series["kpi"] == "mrr" and series["unit"] == "money" and series["currency"] == "EUR"
    assert [(p["period"], p["value"], p["partial"]) for p in series["points"]] == [
        ("2025-Q1", "100.00", False),
        ("2025-Q2", "100.00", True),
    ]
    churn = json.loads(
        _run(
            "kpi_series",
            "--workspace",
            "acme",
            "--kpi",
            "customer_churn_rate",
            "--start",
            "2025-01",
            "--end",
            "2025-02",
        )
    )["points"]
    assert churn[0]["value"] is None
    assert churn[0]["reason"] == "no customers at the start of the period"
    assert churn[1]["value"] == "0.000000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kpi", "nope"], "There is no KPI"),
        (["--kpi", "mrr", "--dimension", "owner"], "does not break down by"),
        (["--kpi", "mrr", "--start", "2025-13"], "is not a month"),
        (["--kpi", "mrr", "--start", "2025-05", "--end", "2025-01"], "lies before the start"),
    ],
)
def test_kpi_series_refuses_bad_requests_clearly(customer, args, message):
    base = {"--start": "2025-01", "--end": "2025-03"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    with pytest.raises(CommandError, match=message):
        _run("kpi_series", "--workspace", "acme", *[x for pair in base.items() for x in pair])


@pytest.mark.django_db
def test_both_commands_refuse_an_unknown_workspace():
    with pytest.raises(CommandError, match="No workspace"):
        _run("recompute_kpis", "--workspace", "nowhere")
    with pytest.raises(CommandError, match="No workspace"):
        _run(
            "kpi_series",
            "--workspace",
            "nowhere",
            "--kpi",
            "mrr",
            "--start",
            "2025",
            "--end",
            "2025",
        )
