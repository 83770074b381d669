"""Factories and readers for the golden KPI tests (KPIS.md).

Every factory creates one row in the workspace in scope (tests run inside `workspace_scope`,
see the `ws` fixture). Dates are ISO strings ("2025-03-15"); money is given in major units of
its currency ("123.45") and stored as cents. `rebuild()` recomputes the snapshots with "today"
frozen, `kpi()` reads one snapshot back.
"""

from __future__ import annotations

import itertools
import re
import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from freezegun import freeze_time

from accounts.models import Workspace
from kpiapp.models import (
    Account,
    Campaign,
    Channel,
    CustomKpi,
    CustomKpiValue,
    Deal,
    DealStageChange,
    ExchangeRate,
    KpiSnapshot,
    Lead,
    NpsResponse,
    Spend,
    Subscription,
    Traffic,
    Usage,
)
from kpiapp.models.marketing import name_key
from kpiapp.services.snapshots import snapshot_rebuild

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# A day well after every data set of these tests: all of 2025 is complete, 2026-01 is partial.
DEFAULT_TODAY = "2026-01-15"

_serial = itertools.count(1)


def day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def cents(amount: str | int | Decimal | None) -> int | None:
    if amount is None:
        return None
    value = Decimal(str(amount)) * 100
    assert value == value.to_integral_value(), f"{amount} is not a whole number of cents"
    return int(value)


def _next(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


# --- marketing ---------------------------------------------------------------------------


def channel(name: str) -> Channel:
    return Channel.objects.create(name=name, key=name_key(name))


def campaign(of: Channel, name: str) -> Campaign:
    return Campaign.objects.create(channel=of, name=name, key=name_key(name))


def lead(
    created: str,
    *,
    channel: Channel | None = None,
    campaign: Campaign | None = None,
    qualified: str | None = None,
    opportunity: str | None = None,
    converted: str | None = None,
    account: Account | None = None,
) -> Lead:
    return Lead.objects.create(
        external_id=_next("lead"),
        created_at=day(created),
        qualified_at=day(qualified),
        opportunity_at=day(opportunity),
        converted_at=day(converted),
        channel=channel,
        campaign=campaign,
        account=account,
    )


def spend(
    month: str,
    amount: str | int,
    *,
    category: str = "marketing",
    channel: Channel | None = None,
    campaign: Campaign | None = None,
    currency: str = "EUR",
) -> Spend:
    return Spend.objects.create(
        month=day(month),
        category=category,
        amount_cents=cents(amount),
        currency=currency,
        channel=channel,
        campaign=campaign,
    )


def traffic(month: str, visits: int, *, channel: Channel, on: str | None = None) -> Traffic:
    return Traffic.objects.create(month=day(month), day=day(on), channel=channel, visits=visits)


# --- customers and revenue ---------------------------------------------------------------


def account(
    name: str | None = None,
    *,
    channel: Channel | None = None,
    campaign: Campaign | None = None,
    country: str = "",
) -> Account:
    ext = _next("acc")
    return Account.objects.create(
        external_id=ext, name=name or ext, channel=channel, campaign=campaign, country=country
    )


def sub(
    of: Account,
    started: str,
    *,
    amount: str | int,
    currency: str = "EUR",
    interval: str = "month",
    interval_count: int = 1,
    quantity: int = 1,
    discount: str | int = 0,
    trial_ends: str | None = None,
    ended: str | None = None,
    cancelled: str | None = None,
    plan: str = "",
) -> Subscription:
    """One subscription row; `amount` is the net unit price per interval in major units."""
    return Subscription.objects.create(
        external_id=_next(f"{of.external_id}-sub"),
        account=of,
        plan=plan,
        amount_cents=cents(amount),
        currency=currency,
        interval=interval,
        interval_count=interval_count,
        quantity=quantity,
        discount_percent=Decimal(str(discount)),
        started_at=day(started),
        trial_ends_at=day(trial_ends),
        ended_at=day(ended),
        cancelled_at=day(cancelled),
    )


def fx(month: str, currency: str, rate: str) -> ExchangeRate:
    """`rate` units of the workspace currency (EUR) per 1 unit of `currency`."""
    return ExchangeRate.objects.create(month=day(month), currency=currency, rate=Decimal(rate))


# --- deals -------------------------------------------------------------------------------


def deal(
    stage: str,
    *,
    kind: str = "new",
    amount: str | int | None = None,
    services: str | int | None = None,
    currency: str = "EUR",
    created: str | None = None,
    closed: str | None = None,
    owner: str = "",
    channel: Channel | None = None,
    campaign: Campaign | None = None,
    lead: Lead | None = None,
    account: Account | None = None,
) -> Deal:
    return Deal.objects.create(
        external_id=_next("deal"),
        stage=stage,
        kind=kind,
        amount_cents=cents(amount),
        services_amount_cents=cents(services),
        currency=currency,
        created_at=day(created),
        closed_at=day(closed),
        owner=owner,
        channel=channel,
        campaign=campaign,
        lead=lead,
        account=account,
    )


def moved(of: Deal, at: str, from_stage: str, to_stage: str) -> DealStageChange:
    """A stage change; `at` is a date (noon in Berlin) or an ISO timestamp with an offset."""
    if "T" in at:
        when = datetime.fromisoformat(at)
        assert when.tzinfo is not None, "stage changes are aware datetimes"
    else:
        when = datetime.combine(date.fromisoformat(at), time(12), BERLIN)
    return DealStageChange.objects.create(
        deal=of, changed_at=when, from_stage=from_stage, to_stage=to_stage
    )


# --- experience --------------------------------------------------------------------------


def nps(of: Account, answered: str, score: int) -> NpsResponse:
    return NpsResponse.objects.create(
        external_id=_next("nps"), account=of, responded_at=day(answered), score=score
    )


def usage(
    of: Account,
    month: str,
    *,
    active_users: int | None = None,
    seats: int | None = None,
    key_actions: int | None = None,
    first_value: str | None = None,
) -> Usage:
    return Usage.objects.create(
        account=of,
        month=day(month),
        active_users=active_users,
        seats=seats,
        key_actions=key_actions,
        first_value_at=day(first_value),
    )


def custom_kpi(
    key: str,
    *,
    aggregation: str,
    values: dict[str, str],
    unit: str = "number",
    direction: str = "up",
) -> CustomKpi:
    kpi = CustomKpi.objects.create(
        key=key, name=key, unit=unit, direction=direction, aggregation=aggregation
    )
    for month, value in values.items():
        CustomKpiValue.objects.create(kpi=kpi, month=day(month), value=Decimal(value))
    return kpi


# --- recompute and read back -------------------------------------------------------------


def rebuild(ws: Workspace, today: str = DEFAULT_TODAY, utc_time: str = "12:00:00") -> None:
    """Recompute every snapshot as if it were noon (UTC) of `today` (or `utc_time`)."""
    with freeze_time(f"{today} {utc_time}"):
        snapshot_rebuild(workspace_id=ws.id)


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def period(text: str) -> tuple[str, date]:
    """The grain and first day of "2025-03" (month), "2025-Q1" (quarter) or "2025" (year)."""
    match = _PERIOD.match(text)
    assert match, f"bad period {text!r}"
    year = int(match[1])
    if match[2]:
        return "month", date(year, int(match[2]), 1)
    if match[3]:
        return "quarter", date(year, (int(match[3]) - 1) * 3 + 1, 1)
    return "year", date(year, 1, 1)


def _find(key: str, at: str, grain: str | None, dimension: str, value: str) -> Any:
    parsed_grain, start = period(at)
    return KpiSnapshot.objects.filter(
        kpi_key=key,
        grain=grain or parsed_grain,
        period_start=start,
        dimension=dimension,
        dimension_value=value,
    ).first()


def kpi(
    key: str,
    at: str = "2025-03",
    grain: str | None = None,
    dimension: str = "",
    value: str = "",
) -> KpiSnapshot:
    """The snapshot of `key` for a period ("2025-03", "2025-Q1", "2025") and dimension value."""
    snapshot = _find(key, at, grain, dimension, value)
    if snapshot is None:
        near = KpiSnapshot.objects.filter(kpi_key=key)
        periods = sorted({f"{s.grain} {s.period_start}" for s in near})[:12]
        values = sorted({f"{s.dimension}={s.dimension_value!r}" for s in near if s.dimension})
        raise AssertionError(
            f"no snapshot {key} {at} {dimension}={value!r}; "
            f"{near.count()} of {key}: periods {periods}, dimension values {values[:20]}"
        )
    if snapshot.value is None:
        assert snapshot.reason, f"{key} {at}: undefined without a reason"
    else:
        assert snapshot.reason == "", f"{key} {at}: a value {snapshot.value} and a reason"
    return snapshot


def val(key: str, at: str = "2025-03", dimension: str = "", value: str = "") -> Decimal | None:
    return kpi(key, at, dimension=dimension, value=value).value


def undefined(key: str, at: str, dimension: str = "", value: str = "") -> str:
    """Assert that `key` is undefined (value None, never 0) and return its reason."""
    snapshot = kpi(key, at, dimension=dimension, value=value)
    assert snapshot.value is None, f"{key} {at} should be undefined, is {snapshot.value}"
    assert snapshot.reason.strip(), f"{key} {at} is undefined without a reason"
    return snapshot.reason


def absent(key: str, at: str) -> None:
    snapshot = _find(key, at, None, "", "")
    assert snapshot is None, f"{key} {at} should not be computed (after today): {snapshot.value}"
