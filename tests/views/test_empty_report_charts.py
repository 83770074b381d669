"""A report's KPI without any value in its periods shows an empty state with the reason, not
empty axes (issue 19: NPS); a KPI with values keeps its chart."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from tests.report_data import TODAY, make_report, write_snapshots

pytestmark = pytest.mark.django_db


@freeze_time(TODAY)
def test_a_section_without_values_says_so(client_as, alice, workspace):
    reason = "no NPS answers in the period"
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 3, 1), "1000.00"),
        ("nps", "month", date(2025, 2, 1), None, "", "", reason),
        ("nps", "month", date(2025, 3, 1), None, "", "", reason),
    ])  # fmt: skip
    report = make_report(alice, workspace, sections=[{"kpi": "mrr"}, {"kpi": "nps"}])
    html = client_as(alice).get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert 'id="report-chart-0"' in html  # MRR has a value
    assert 'id="report-chart-1"' not in html and "No value in these periods" in html
    assert reason in html
