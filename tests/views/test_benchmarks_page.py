"""The benchmarks page: the library with the rows in use, and the team's own benchmarks."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.benchmarks import library
from kpiapp.models import BenchmarkPick, TeamBenchmark

pytestmark = pytest.mark.django_db
URL = "/w/acme/benchmarks/"


def test_the_library_marks_the_rows_in_use_for_the_segment(client_as, vera, workspace):
    rows = client_as(vera).get(URL).context["rows"]
    churn = [r for r in rows if r.row.key == "customer_churn_rate" and r.in_use]
    assert [(r.row.segment, r.row.form) for r in churn] == [("smb", "at_most")]  # default: smb


@freeze_time("2025-05-20 12:00")
def test_a_team_benchmark_wins_and_judges_the_dashboard(client_as, erik, vera, company):
    data = {
        "kpi_key": "customer_churn_rate",
        "grain": "month",
        "form": "at_most",
        "low": "40",
        "high": "",
        "source": "Board plan 2025",
        "note": "",
    }
    assert client_as(erik).post(URL, data).status_code == 302
    with workspace_scope(company.id):
        assert TeamBenchmark.objects.get().low == Decimal("0.4")  # 40 %
    tiles = {t.key: t for t in client_as(vera).get("/w/acme/").context["tiles"]}
    assert tiles["customer_churn_rate"].benchmark.source == "Board plan 2025"
    assert tiles["customer_churn_rate"].verdict == "better"  # 33 % ≤ 40 %


def test_bad_benchmarks_are_refused_and_viewers_cannot_add(client_as, erik, vera, workspace):
    band = {
        "kpi_key": "nps",
        "grain": "quarter",
        "form": "band",
        "low": "40",
        "high": "30",
        "source": "x",
        "note": "",
    }
    response = client_as(erik).post(URL, band)
    assert response.status_code == 400 and "upper end" in response.content.decode()
    assert client_as(vera).post(URL, {**band, "high": "50"}).status_code == 403
    with workspace_scope(workspace.id):
        assert not TeamBenchmark.objects.exists()


CHURN = "/w/acme/kpis/customer_churn_rate/?grain=month"
RECURLY_2019 = "https://recurly.com/research/annual-subscription-billling-metrics-report/"


def _segment(workspace, segment):
    workspace.benchmark_segment = segment
    workspace.save(update_fields=["benchmark_segment"])


@freeze_time("2025-05-20 12:00")
def test_the_kpi_page_shows_every_reference_with_its_verdict_label_and_link(
    client_as, vera, company
):
    _segment(company, "early")  # no churn row for early: the four rows of `all`
    response = client_as(vera).get(CHURN)
    refs = response.context["page"].references
    assert [(r.row.form, str(r.row.low.normalize())) for r in refs] == [
        ("point", "0.0515"),
        ("point", "0.0491"),
        ("band", "0.03"),
        ("at_most", "0.03"),
    ]
    assert [r.verdict for r in refs] == ["worse"] * 4  # 33 % churn in April
    assert [r.in_use for r in refs] == [True, False, False, False]  # the newest year
    assert refs[0].label == "Market median (Recurly, 2019, B2B subscriptions, not only SaaS)"
    assert refs[3].label == "Rule of thumb (source: SingularitySales blog)"
    html = response.content.decode()
    assert f'href="{RECURLY_2019}" target="_blank" rel="noopener noreferrer"' in html
    assert "Your value (April 2025):" in html and html.count("verdict-worse") == 4
    # the decimals the source quotes, not the KPI's one decimal
    assert "5.15\u00a0%" in html and "3\u00a0% – 7\u00a0%" in html


@freeze_time("2025-05-20 12:00")
def test_the_kpi_page_in_german_labels_honestly(client_as, vera, company):
    _segment(company, "early")
    vera.language = "de"
    vera.save(update_fields=["language"])
    response = client_as(vera).get(CHURN)
    html = response.content.decode()
    assert "Markt-Median (Recurly, 2019, B2B-Abonnements, nicht nur SaaS)" in html
    assert "Faustregel (Quelle: SingularitySales-Blog)" in html
    assert "schlechter" in html


@freeze_time("2025-05-20 12:00")
def test_a_row_at_another_grain_gives_a_conversion_note_not_a_verdict(client_as, vera, company):
    _segment(company, "early")
    refs = (
        client_as(vera).get("/w/acme/kpis/mrr_growth_rate/?grain=month").context["page"].references
    )
    yearly = next(r for r in refs if r.row.grain == "year")
    assert yearly.verdict is None and "(1 + g)^12 − 1" in yearly.conversion
    assert all(r.conversion == "" for r in refs if r.row.grain == "month")


@freeze_time("2025-05-20 12:00")
def test_the_benchmarks_page_puts_your_value_beside_each_reference(client_as, vera, company):
    response = client_as(vera).get(URL)
    groups = {g.kpi.key: g for g in response.context["groups"]}
    churn = groups["customer_churn_rate"].references  # smb: Bessemer's ≤ 3 %
    assert [(r.row.segment, r.value, r.verdict) for r in churn] == [
        ("smb", Decimal("0.333333"), "worse")
    ]
    nrr = groups["nrr"].references  # year rows: the last complete year, 2024
    assert {r.period.label for r in nrr} == {"2024"}
    html = response.content.decode()
    assert "Your value (April 2025):" in html and 'class="verdict verdict-worse">worse<' in html
    assert "(read in a mirror of this page)" in html  # Benchmarkit: read in a copy, said so
    assert "Market median (Benchmarkit, 2025, private B2B SaaS companies) – read in a copy" in html


@freeze_time("2025-05-20 12:00")
def test_an_admin_picks_the_reference_of_the_tiles_and_a_team_row_still_wins(
    client_as,
    adam,
    erik,
    vera,
    company,
):
    _segment(company, "early")
    recurly_page = next(r for r in library() if r.source.startswith('Recurly Research, "Churn'))
    pick = {
        "action": "pick",
        "kpi": "customer_churn_rate",
        "grain": "month",
        "ref": recurly_page.ref,
    }
    assert client_as(erik).post(URL, pick).status_code == 403  # admins choose
    assert (
        client_as(adam).post(URL, {**pick, "ref": "nrr.year.all.point.1.01.2025"}).status_code
        == 302
    )
    with workspace_scope(company.id):
        assert not BenchmarkPick.objects.exists()  # a row of another KPI is refused
    assert client_as(adam).post(URL, pick).status_code == 302
    tile = {t.key: t for t in client_as(vera).get("/w/acme/").context["tiles"]}[
        "customer_churn_rate"
    ]
    assert tile.benchmark.ref == recurly_page.ref
    html = client_as(vera).get("/w/acme/").content.decode()
    assert "Market average (Recurly, B2B subscriptions, not only SaaS)" in html
    team = {
        "kpi_key": "customer_churn_rate",
        "grain": "month",
        "form": "at_most",
        "low": "40",
        "high": "",
        "source": "Board plan 2025",
        "note": "",
    }
    assert client_as(erik).post(URL, team).status_code == 302
    cache.clear()  # the page cache is bumped on commit, which a test transaction never does
    tile = {t.key: t for t in client_as(vera).get("/w/acme/").context["tiles"]}[
        "customer_churn_rate"
    ]
    assert tile.benchmark.source == "Board plan 2025"
    assert client_as(adam).post(URL, {**pick, "ref": ""}).status_code == 302  # back to the rule
    with workspace_scope(company.id):
        assert not BenchmarkPick.objects.exists()


def test_picking_a_reference_is_in_the_audit_log_in_words(client_as, adam, company):
    from accounts.models import AuditEvent
    from kpiapp.kpis.benchmark_words import reference_label

    _segment(company, "early")
    row = next(r for r in library() if r.source.startswith('Recurly Research, "Churn'))
    pick = {"action": "pick", "kpi": "customer_churn_rate", "grain": "month", "ref": row.ref}
    assert client_as(adam).post(URL, pick).status_code == 302
    assert client_as(adam).post(URL, {**pick, "ref": ""}).status_code == 302
    with workspace_scope(company.id):
        assert AuditEvent.objects.filter(action="benchmark.picked").count() == 2
    log = client_as(adam).get("/w/acme/settings/audit/").content.decode()
    assert "Reference picked" in log
    assert reference_label(row) in log and "the default reference" in log
    assert "customer_churn_rate" not in log
