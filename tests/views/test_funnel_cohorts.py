"""The funnel says why its cohort counts differ from the catalogue's period counts, and marks
the steps of a cohort too young to judge instead of showing "Customers 0" (issue 19)."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index
from kpiapp.models import Lead
from kpiapp.selectors.funnel_maturity import cohort_age
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db
TODAY = date(2025, 5, 20)
# (created, qualified, opportunity, converted)
LEADS = [
    (date(2025, 1, 5), date(2025, 1, 8), date(2025, 1, 20), date(2025, 2, 14)),
    (date(2025, 1, 10), date(2025, 4, 2), None, None),  # qualified late: an April SQL
    (date(2025, 4, 15), date(2025, 4, 18), None, None),
    (date(2025, 4, 16), None, None, None),
]


@pytest.fixture
def leads(workspace):
    with workspace_scope(workspace.id), freeze_time(TODAY):
        for n, (created, qualified, opportunity, converted) in enumerate(LEADS):
            Lead.objects.create(
                external_id=f"L{n}",
                created_at=created,
                qualified_at=qualified,
                opportunity_at=opportunity,
                converted_at=converted,
            )
        snapshot_rebuild(workspace_id=workspace.id)


def _median_days(step: int) -> int:
    return round(statistics.median((row[step] - row[0]).days for row in LEADS if row[step]))


@freeze_time(TODAY)
def test_a_young_cohort_marks_the_steps_it_had_no_time_for(client_as, vera, leads):
    response = client_as(vera).get("/w/acme/funnel/?grain=month&period=2025-04")
    funnel = response.context["funnel"]
    april = Period("month", month_index(date(2025, 4, 1)))
    age = (TODAY - (date(2025, 4, 1) + timedelta(days=14))).days
    assert cohort_age(april, TODAY) == age
    typical = {"sqls": _median_days(1), "opportunities": _median_days(2),
               "customers": _median_days(3)}  # fmt: skip
    assert funnel.young == {step: days for step, days in typical.items() if age < days}
    assert "customers" in funnel.young and "sqls" not in funnel.young
    html = response.content.decode()
    assert "too early" in html and "Why these counts differ from the KPI catalogue" in html


@freeze_time(TODAY)
def test_the_cohort_stands_beside_the_periods_own_counts(client_as, vera, leads):
    funnel = client_as(vera).get("/w/acme/funnel/?grain=month&period=2025-04").context["funnel"]
    steps = dict(funnel.steps)
    counts = dict(zip([s for s, _ in funnel.steps], funnel.period_counts, strict=True))
    april = [row for row in LEADS if row[0].month == 4]
    assert steps["leads"] == counts["leads"] == len(april)
    assert steps["sqls"] == sum(1 for row in april if row[1])  # the cohort's SQLs
    assert counts["sqls"] == sum(1 for row in LEADS if row[1] and row[1].month == 4)
    assert counts["sqls"] != steps["sqls"]


@freeze_time(TODAY)
def test_an_old_cohort_is_judged(client_as, vera, leads):
    funnel = client_as(vera).get("/w/acme/funnel/?grain=month&period=2025-01").context["funnel"]
    assert funnel.young == {}


@freeze_time(TODAY)
def test_a_funnel_without_visits_or_leads_shows_an_empty_state(client_as, vera, workspace):
    html = client_as(vera).get("/w/acme/funnel/").content.decode()
    assert 'id="funnel-chart"' not in html and "No visits or leads in this period" in html


@freeze_time(TODAY)
def test_the_period_picker_names_its_periods(client_as, vera, leads):
    html = client_as(vera).get("/w/acme/funnel/?grain=month&period=2025-04").content.decode()
    assert '<option value="2025-04" selected>April 2025</option>' in html
    assert 'id="funnel-chart"' in html
