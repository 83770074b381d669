"""Forecast backtest (KPIS.md, 8): for every past quarter with at least 4 complete months
before it, forecast its KPIs as of the end of its first month and compare with what happened;
print the mean absolute percentage error (MAPE) per KPI, leaving out quarters whose actual is 0.

    python bench/forecast.py                 # PostgreSQL kennzahl_bench_forecast on 127.0.0.1
    python bench/forecast.py --rebuild       # seed and import again
    DATABASE_URL=postgres://... python bench/forecast.py

Two workspaces: `bench-forecast-demo` (seed_demo, seed 1, as of 2026-11-30: 36 months) and
`bench-forecast-maven` (the public Maven CRM data set in ../shared/datasets, imported with the
`maven-crm` preset; deal KPIs only). The trend methods are backtested from the monthly
snapshots exactly as the product computes them (kpiapp.kpis.forecast). The pipeline method is
not: a deal's expected close date is not kept as it was at the time, so a backtest would read
today's dates back into the past.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiapp.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kennzahl_bench_forecast")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import User, Workspace  # noqa: E402
from accounts.services import WorkspaceSettings, workspace_create  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from kpiapp.demo.seed import demo_seed  # noqa: E402
from kpiapp.kpis import forecast as fc  # noqa: E402
from kpiapp.kpis.periods import Period, month_end, month_index, month_start  # noqa: E402
from kpiapp.kpis.registry import KPIS  # noqa: E402
from kpiapp.kpis.target_rules import MONTHLY_MEAN, measured_on, monthly_mean  # noqa: E402
from kpiapp.models import KpiSnapshot  # noqa: E402
from kpiapp.services.imports import data_import  # noqa: E402
from kpiapp.services.snapshots import snapshot_rebuild  # noqa: E402

DEMO, MAVEN = "bench-forecast-demo", "bench-forecast-maven"
DEMO_AS_OF = date(2026, 11, 30)
MAVEN_DIR = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / "maven-crm-sales-opportunities"
)
DEMO_KPIS = (
    "mrr", "arr", "customers_active", "arpa", "mrr_new", "mrr_churn", "customers_new",
    "customers_churned", "leads", "deals_won", "customer_churn_rate", "win_rate",
)  # fmt: skip
MAVEN_KPIS = ("deals_won", "deals_lost", "pipeline_value", "win_rate", "avg_deal_size")
BY_KEY = {k.key: k for k in KPIS}


def build(rebuild: bool) -> dict[str, Workspace]:
    call_command("migrate", verbosity=0)
    found = {w.slug: w for w in Workspace.objects.filter(slug__in=[DEMO, MAVEN])}
    if rebuild or DEMO not in found:
        found[DEMO] = demo_seed(slug=DEMO, seed=1, as_of=DEMO_AS_OF, reset=True).workspace
    if rebuild or MAVEN not in found:
        if MAVEN in found:
            found[MAVEN].delete()
        owner, _ = User.objects.get_or_create(email="bench-forecast@kennzahl.example")
        workspace = workspace_create(owner=owner, slug=MAVEN,
                                     settings_=WorkspaceSettings(name="Maven CRM"))  # fmt: skip
        with workspace_scope(workspace.id):
            for kind, name in (("accounts", "accounts.csv"), ("deals", "sales_pipeline.csv")):
                data = (MAVEN_DIR / name).read_bytes()
                result = data_import(workspace=workspace, kind=kind, data=data, preset="maven-crm")
                if result.errors:
                    raise SystemExit(f"The Maven {kind} did not import: {result.errors[:3]}")
            snapshot_rebuild(workspace_id=workspace.id, today=date(2018, 3, 31))
        found[MAVEN] = workspace
    return found


def _series(keys: tuple[str, ...]) -> dict[tuple[str, str, int], float | None]:
    rows = KpiSnapshot.objects.filter(kpi_key__in=keys, dimension="").only(
        "kpi_key", "grain", "period_start", "value"
    )
    return {
        (s.kpi_key, s.grain, month_index(s.period_start)): None
        if s.value is None
        else float(s.value)
        for s in rows
    }


def backtest(keys: tuple[str, ...], last_month: int) -> dict[str, tuple[float | None, int, int]]:
    """Per KPI: (MAPE, quarters compared, quarters without a forecast)."""
    values = _series(keys)
    months = sorted({m for (_, g, m) in values if g == "month"})
    first = months[0] if months else 0
    result = {}
    for key in keys:
        kpi = BY_KEY[key]
        errors, missing = [], 0
        quarter = Period.containing("quarter", first + 4)
        if quarter.first_month - first < 4:
            quarter = Period("quarter", quarter.first_month + 3)
        while quarter.last_month <= last_month:
            outcome, actual = _one(kpi, quarter, values)
            if isinstance(outcome, fc.Forecast) and actual is not None:
                error = fc.absolute_percentage_error(outcome.value, actual)
                if error is not None:
                    errors.append(error)
            elif actual is not None:
                missing += 1
            quarter = Period("quarter", quarter.first_month + 3)
        result[key] = (statistics.fmean(errors) if errors else None, len(errors), missing)
    return result


def _one(kpi, quarter: Period, values) -> tuple[fc.Outcome, float | None]:
    """The forecast as of the end of the quarter's first month, and the actual."""
    m1 = quarter.first_month

    def month(m: int) -> float | None:
        return values.get((kpi.key, "month", m))

    if kpi.kind == "state":
        history = [(m, month(m)) for m in range(m1 - 5, m1 + 1)]
        return fc.stock_trend(history, quarter.last_month), month(quarter.last_month)
    if kpi.kind == "flow":
        history = [(m, month(m), _days(m)) for m in range(m1 - 5, m1 + 1)]
        days_left = sum(_days(m) for m in range(m1 + 1, quarter.last_month + 1))
        outcome = fc.flow_trend(history, month(m1) or 0, days_left)
        return outcome, values.get((kpi.key, "quarter", m1))
    if measured_on(kpi.kind) == MONTHLY_MEAN:
        mean, _ = monthly_mean([month(m) for m in quarter.months])
        return fc.so_far(month(m1)), None if mean is None else float(mean)
    return fc.so_far(month(m1)), values.get((kpi.key, "quarter", m1))


def _days(m: int) -> int:
    return (month_end(m) - month_start(m)).days + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    workspaces = build(args.rebuild)
    runs = ((DEMO, DEMO_KPIS, month_index(DEMO_AS_OF) - 1),  # the last complete quarter
            (MAVEN, MAVEN_KPIS, month_index(date(2017, 12, 1))))  # fmt: skip
    print("Forecast backtest: as of the end of each quarter's first month (KPIS.md, 8)")
    print(f"{'data set':<10} {'KPI':<22} {'method':<8} {'MAPE':>8} {'quarters':>9} {'none':>5}")
    for slug, keys, last in runs:
        with workspace_scope(workspaces[slug].id):
            result = backtest(keys, last)
        for key, (mape, count, missing) in result.items():
            kind = BY_KEY[key].kind
            method = "trend" if kind in ("state", "flow") else "so_far"
            shown = "–" if mape is None else f"{mape * 100:.1f} %"
            name = "demo" if slug == DEMO else "Maven"
            print(f"{name:<10} {key:<22} {method:<8} {shown:>8} {count:>9} {missing:>5}")


if __name__ == "__main__":
    main()
