"""Whether a funnel cohort is old enough to judge: its leads reach each later step after a
typical time (the median, over the workspace's leads that reached it, of the days from
creation); a cohort whose typical lead (created mid-period) is younger than that has not had
the time, so its "0 customers" says nothing yet (issue 19)."""

from __future__ import annotations

import statistics
from datetime import date

from kpiapp.kpis.periods import Period
from kpiapp.models import Lead

# A funnel step of the lead cohort -> the lead's date that marks it.
STEP_DATES = {
    "sqls": "qualified_at",
    "opportunities": "opportunity_at",
    "customers": "converted_at",
}


def typical_days(*, channel: str | None) -> dict[str, int]:
    """Per step, the median days from a lead's creation to reaching it (steps no lead has
    reached are left out: nothing to judge by)."""
    leads = Lead.objects.all()
    if channel is not None:
        leads = leads.filter(channel__name=channel) if channel else leads.filter(channel=None)
    rows = leads.values_list("created_at", *STEP_DATES.values())
    lags: dict[str, list[int]] = {step: [] for step in STEP_DATES}
    for created, *reached in rows:
        for step, when in zip(STEP_DATES, reached, strict=True):
            if when is not None:
                lags[step].append((when - created).days)
    return {step: round(statistics.median(days)) for step, days in lags.items() if days}


def cohort_age(period: Period, today: date) -> int:
    """Days from the middle of the period, when its typical lead was created, to today."""
    middle = period.start + (period.end - period.start) / 2
    return (today - middle).days


def too_young(*, period: Period, today: date, channel: str | None) -> dict[str, int]:
    """The steps of `period`'s cohort that are too young to judge, each with its typical days."""
    age = cohort_age(period, today)
    return {step: days for step, days in typical_days(channel=channel).items() if age < days}
