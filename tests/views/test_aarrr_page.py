"""/w/<slug>/aarrr/: the five stages from hand-written snapshots, the bottleneck against the
quarter's targets (measured as each target says) or else the benchmarks, empty states, a key
the registry does not know yet, bad input and workspace isolation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period
from kpiapp.kpis.registry import KPI_BY_KEY, KpiDefinition
from kpiapp.models import Target, TeamBenchmark
from kpiapp.selectors import aarrr as selector
from kpiapp.selectors.aarrr import aarrr_view
from tests.report_data import write_snapshots

pytestmark = pytest.mark.django_db
TODAY = "2025-05-20 12:00"  # the last complete month is April, the last complete quarter Q1
JAN, FEB, MAR, APR = (date(2025, m, 1) for m in (1, 2, 3, 4))
Q1 = JAN

# Q1 2025: leads 80 + 90 + 100 = 270 against a target of 300; retention 96 %, 90 %, 93 % in the
# months (the mean, what its target is measured on by default) but 85 % as the quarter's own
# two-ends value; MRR 190,000 at the quarter's end against 200,000.
LEADS = {JAN: 80, FEB: 90, MAR: 100}
RETENTION = {JAN: "0.96", FEB: "0.90", MAR: "0.93"}
RETENTION_QUARTER = "0.85"
MRR = {JAN: "170000.00", FEB: "180000.00", MAR: "190000.00"}
TARGETS = {
    "leads": Decimal(300),
    "customer_retention_rate": Decimal("0.95"),
    "mrr": Decimal(200000),
}


def _url(workspace, query: str = "") -> str:
    return f"/w/{workspace.slug}/aarrr/{query}"


def _quarter_data(workspace) -> None:
    rows: list[tuple] = []
    for month, n in LEADS.items():
        rows.append(("leads", "month", month, str(n)))
    for month, r in RETENTION.items():
        rows.append(("customer_retention_rate", "month", month, r))
    for month, m in MRR.items():
        rows.append(("mrr", "month", month, m))
    rows += [
        ("leads", "quarter", Q1, str(sum(LEADS.values()))),
        ("customer_retention_rate", "quarter", Q1, RETENTION_QUARTER),
        ("mrr", "quarter", Q1, MRR[MAR]),
        ("visits", "quarter", Q1, "9000"),
        ("nps", "quarter", Q1, "41"),
    ]
    write_snapshots(workspace, rows)


def _targets(workspace, **basis: str) -> None:
    with workspace_scope(workspace.id):
        for key, value in TARGETS.items():
            Target.objects.create(
                kpi_key=key, quarter_start=Q1, value=value,
                rate_basis=basis.get(key, "monthly_mean"),
            )  # fmt: skip


def _mean(values: dict) -> Fraction:
    return sum((Fraction(Decimal(v)) for v in values.values()), Fraction(0)) / len(values)


@freeze_time(TODAY)
def test_the_bottleneck_is_the_stage_furthest_behind_its_target(client_as, vera, workspace):
    _quarter_data(workspace)
    _targets(workspace)
    with workspace_scope(workspace.id):
        view = aarrr_view(workspace=workspace, grain="quarter", period=Period("quarter",
                          2025 * 12), today=date(2025, 5, 20))  # fmt: skip
    leads = Fraction(int(TARGETS["leads"]) - sum(LEADS.values()), int(TARGETS["leads"]))
    target = Fraction(TARGETS["customer_retention_rate"])
    retention = (target - _mean(RETENTION)) / target
    mrr = (Fraction(TARGETS["mrr"]) - Fraction(Decimal(MRR[MAR]))) / Fraction(TARGETS["mrr"])
    assert {s.stage: s.shortfall for s in view.bottleneck.judged} == {
        "acquisition": leads,
        "retention": retention,
        "revenue": mrr,
    }
    assert leads > mrr > retention
    assert view.bottleneck_stage is not None
    assert view.bottleneck_stage.stage.key == "acquisition"
    html = client_as(vera).get(_url(workspace, "?grain=quarter")).content.decode()
    assert "Bottleneck: Acquisition" in html
    assert html.count('class="card aarrr-stage is-bottleneck"') == 1
    assert "10.0\u00a0% away from it" in html  # (300 − 270) / 300


@freeze_time(TODAY)
def test_a_target_on_the_quarters_own_value_changes_the_measure_and_the_bottleneck(
    client_as, vera, workspace
):
    _quarter_data(workspace)
    _targets(workspace, customer_retention_rate="quarter_value")
    target = Fraction(TARGETS["customer_retention_rate"])
    retention = (target - Fraction(Decimal(RETENTION_QUARTER))) / target
    leads = Fraction(int(TARGETS["leads"]) - sum(LEADS.values()), int(TARGETS["leads"]))
    assert retention > leads  # 10.5 % against 10 %
    with workspace_scope(workspace.id):
        view = aarrr_view(workspace=workspace, grain="quarter", period=Period("quarter",
                          2025 * 12), today=date(2025, 5, 20))  # fmt: skip
    assert view.bottleneck.behind is not None
    assert view.bottleneck.behind.stage == "retention"
    assert view.bottleneck.behind.value == Decimal(RETENTION_QUARTER)
    vera.language = "de"
    vera.save(update_fields=["language"])
    html = client_as(vera).get(_url(workspace, "?grain=quarter")).content.decode()
    assert "Engpass: Bindung" in html


@freeze_time(TODAY)
def test_a_month_is_held_against_the_targets_of_its_quarter(client_as, vera, workspace):
    _quarter_data(workspace)
    _targets(workspace)
    html = client_as(vera).get(_url(workspace, "?period=2025-02")).content.decode()
    assert "Bottleneck: Acquisition" in html
    assert "Held against the targets of Q1 2025, measured as each target says" in html


@freeze_time(TODAY)
def test_with_every_stage_at_its_target_none_is_named(client_as, vera, workspace):
    _quarter_data(workspace)
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=Q1, value=Decimal(MRR[MAR]))
    html = client_as(vera).get(_url(workspace, "?grain=quarter")).content.decode()
    assert "No stage is behind its target for Q1 2025" in html
    assert "is-bottleneck" not in html
    assert "At or past the target" in html


@freeze_time(TODAY)
def test_without_targets_the_benchmarks_decide_and_say_so(client_as, vera, workspace):
    leads, point = 400, 500
    write_snapshots(workspace, [("leads", "month", APR, str(leads)), ("mrr", "month", APR, "10")])
    with workspace_scope(workspace.id):
        TeamBenchmark.objects.create(kpi_key="leads", grain="month", form="point",
                                     low=Decimal(point), source="Plan")  # fmt: skip
    html = client_as(vera).get(_url(workspace)).content.decode()
    assert "Bottleneck: Acquisition" in html
    assert "furthest behind its benchmark" in html
    assert "No headline KPI has a target for Q2 2025" in html
    expected = Fraction(point - leads, point) * 100  # 20.0 %
    assert f"{float(expected):.1f}\u00a0% away from it" in html


@freeze_time(TODAY)
def test_without_targets_or_benchmarks_the_page_says_why_no_bottleneck(client_as, vera, workspace):
    write_snapshots(workspace, [("mrr", "month", APR, "1000")])
    html = client_as(vera).get(_url(workspace)).content.decode()
    assert "No bottleneck can be named" in html
    assert "is-bottleneck" not in html


@freeze_time(TODAY)
def test_without_any_values_the_page_shows_how_to_start(client_as, vera, workspace):
    response = client_as(vera).get(_url(workspace))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No data yet" in html
    assert "aarrr-stage" not in html


@freeze_time(TODAY)
def test_each_stage_shows_its_headline_companions_trend_and_links(client_as, vera, workspace):
    write_snapshots(workspace, [
        ("leads", "month", MAR, "100"), ("leads", "month", APR, "120"),
        ("visits", "month", APR, "5000"), ("cost_per_lead", "month", APR, "42.5"),
        ("mrr", "month", APR, "190000.00"), ("arpa", "month", APR, "950.00"),
        ("nps", "month", APR, "38"),
    ])  # fmt: skip
    html = client_as(vera).get(_url(workspace)).content.decode()
    for name in ("Acquisition", "Activation", "Retention", "Referral", "Revenue"):
        assert f">{name}" in html
    for key in ("leads", "visits", "cost_per_lead", "mrr", "arpa", "nps", "grr"):
        assert f'href="/w/{workspace.slug}/kpis/{key}/"' in html
    assert "April 2025" in html and "March 2025" in html  # periods in words
    assert 'data-aarrr="aarrr-acquisition"' in html  # its trend line
    assert 'data-aarrr="aarrr-retention"' not in html  # no values: no chart


@freeze_time(TODAY)
def test_a_headline_the_registry_does_not_know_reads_as_no_data_yet(client_as, vera, workspace):
    write_snapshots(workspace, [("mrr", "month", APR, "1000")])
    missing = [k for k in ("activation_rate", "referral_share") if k not in KPI_BY_KEY]
    html = client_as(vera).get(_url(workspace)).content.decode()
    assert html.count("No data yet: this stage") == len(missing)
    for key in missing:
        assert f"/kpis/{key}/" not in html


@freeze_time(TODAY)
def test_a_headline_once_in_the_registry_is_shown_like_any_other(
    client_as, vera, workspace, monkeypatch
):
    known = dict(KPI_BY_KEY)
    known.setdefault(
        "activation_rate",
        KpiDefinition("activation_rate", "Activation rate", "rate", "rate", "up", (), "", "7"),
    )
    monkeypatch.setattr(selector, "KPI_BY_KEY", known)
    write_snapshots(workspace, [("activation_rate", "month", APR, "0.625")])
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="activation_rate", quarter_start=APR, value=Decimal("0.8"))
        view = aarrr_view(workspace=workspace, grain="month", period=Period("month",
                          2025 * 12 + 3), today=date(2025, 5, 20))  # fmt: skip
    stage = next(s for s in view.stages if s.stage.key == "activation")
    assert stage.headline.value == Decimal("0.625")
    assert view.bottleneck_stage is stage
    # April is the only month of Q2 that has ended: its value is the monthly mean so far
    assert stage.judged is not None
    assert stage.judged.shortfall == (Fraction(8, 10) - Fraction(625, 1000)) / Fraction(8, 10)


@freeze_time(TODAY)
def test_a_period_that_is_no_period_is_said_and_the_last_complete_one_shown(
    client_as, vera, workspace
):
    write_snapshots(workspace, [("mrr", "month", APR, "1000")])
    for asked in ("last week", "2031-01", "0001-01"):
        html = client_as(vera).get(_url(workspace, f"?period={asked}")).content.decode()
        assert f"There is no period “{asked}” with values yet; shown is April 2025." in html


@freeze_time(TODAY)
def test_an_outsider_gets_404_and_sees_nothing_of_another_workspace(
    client_as, vera, charlie, workspace, other_workspace
):
    write_snapshots(
        other_workspace, [("leads", "month", APR, "777"), ("leads", "quarter", APR, "777")]
    )
    with workspace_scope(other_workspace.id):
        Target.objects.create(kpi_key="leads", quarter_start=APR, value=Decimal(900))
    assert client_as(charlie).get(_url(workspace)).status_code == 404
    html = client_as(vera).get(_url(workspace)).content.decode()
    assert "No data yet" in html
    assert "777" not in html
    own = client_as(charlie).get(_url(other_workspace)).content.decode()
    assert "777" in own
    assert "Bottleneck: Acquisition" in own
