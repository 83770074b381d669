"""Drill-through: the records behind a KPI value add up to it, to the cent."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.kpis.drill import SUPPORTED, drill
from kpiapp.kpis.periods import Period
from kpiapp.kpis.registry import KPI_BY_KEY, decimals_for
from kpiapp.models import (
    Account,
    Channel,
    Deal,
    KpiSnapshot,
    Lead,
    NpsResponse,
    Spend,
    Subscription,
    Traffic,
    Usage,
)
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import make_workspace
from tests.kpis.company import TODAY, add_subscription_moves, small_company

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
VIEWER = "drill-viewer@example.com"


@pytest.fixture(scope="module")
def company(django_db_setup: None, django_db_blocker: Any) -> Iterator[Workspace]:
    """One company for this module's read-only checks, built once (not once per test), with a
    viewer (VIEWER) to open its pages."""
    with django_db_blocker.unblock():
        owner = User.objects.create_user(email="drill-owner@example.com")
        workspace = make_workspace("drill", owner, "Drill GmbH")
        viewer = User.objects.create_user(email=VIEWER)
        Membership.all_workspaces.create(user=viewer, workspace=workspace, role=Role.VIEWER)
        with workspace_scope(workspace.id), freeze_time(TODAY):
            small_company()
            _answers_visits_and_sales_spend()
            _moves_usage_and_services()
            snapshot_rebuild(workspace_id=workspace.id)
    yield workspace
    with django_db_blocker.unblock():
        workspace.delete()
        User.objects.filter(email__in=[owner.email, VIEWER]).delete()


def _answers_visits_and_sales_spend(seed: int = 11) -> None:
    rng = random.Random(seed)
    accounts = list(Account.objects.order_by("pk"))
    channels = list(Channel.objects.order_by("pk"))
    for _ in range(120):
        answered = date(2024, 3, 1) + timedelta(days=rng.randint(0, 480))
        NpsResponse.objects.create(
            account=rng.choice(accounts), score=rng.randint(0, 10), responded_at=answered
        )
    for month in range(16):
        first = date(2024 + month // 12, month % 12 + 1, 1)
        Traffic.objects.create(month=first, channel=channels[0], visits=rng.randint(500, 900))
        for day in (3, 17):  # the other channel records days
            Traffic.objects.create(
                month=first,
                day=first.replace(day=day),
                channel=channels[1],
                visits=rng.randint(50, 90),
            )
        Spend.objects.create(
            month=first,
            channel=channels[month % 2],
            category="sales",
            currency="USD",
            amount_cents=rng.randint(20_000, 40_000),
        )


def _moves_usage_and_services(seed: int = 13) -> None:
    """Upgrades, downgrades, returns and notices; usage rows; services on won deals;
    opportunities: what the base company lacks."""
    rng = random.Random(seed)
    accounts = list(Account.objects.order_by("pk"))
    add_subscription_moves(rng, accounts)
    for sub in Subscription.objects.filter(ended_at__isnull=True).order_by("pk")[:6]:
        sub.cancelled_at = date(2025, 4, 1) + timedelta(days=rng.randint(0, 40))
        sub.ended_at = date(2025, 7, 1)  # notice given, the service runs until July
        sub.save()
    for account in accounts:
        for month in range(6):
            first = date(2024, 12 + month, 1) if month == 0 else date(2025, month, 1)
            reached = first + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.3 else None
            Usage.objects.create(
                account=account,
                month=first,
                active_users=rng.randint(0, 12),
                seats=rng.choice([0, 5, 10]),
                key_actions=rng.randint(0, 400),
                first_value_at=reached,
            )
    for deal in Deal.objects.filter(stage="won").order_by("pk")[::2]:
        deal.services_amount_cents = rng.randint(10_000, 90_000)
        deal.save()
    for lead in Lead.objects.order_by("pk")[::2]:
        lead.opportunity_at = lead.qualified_at + timedelta(days=3)
        lead.save()


def _rounded(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@freeze_time(TODAY)
def test_every_records_list_adds_up_to_its_kpi_value(company):
    checked: dict[str, int] = {}
    with workspace_scope(company.id):
        for key in sorted(SUPPORTED):
            points = list(
                KpiSnapshot.objects.filter(kpi_key=key, value__isnull=False)
                .exclude(dimension="plan")
                .exclude(value=0)
                .order_by("grain", "period_start", "dimension", "dimension_value")
            )
            for s in points[::5][:10]:  # a fixed sample across grains and breakdowns
                period = Period.of_start(s.grain, s.period_start)
                result = drill(
                    workspace=company,
                    key=key,
                    period=period,
                    today=TODAY,
                    dimension=s.dimension,
                    value=s.dimension_value,
                )
                places = decimals_for(key)
                expected = s.value.quantize(Decimal(1).scaleb(-places))
                got = _rounded(result.value, places)
                assert got == expected, (key, s.grain, period.label, s.dimension)
                checked[key] = checked.get(key, 0) + 1
    assert set(checked) == SUPPORTED, sorted(SUPPORTED - set(checked))
    assert sum(checked.values()) >= 450


@freeze_time(TODAY)
def test_the_records_page_lists_and_links_them(client_as, company):
    viewer = client_as(User.objects.get(email=VIEWER))
    response = viewer.get("/w/drill/kpis/customers_active/records/?period=2025-05")
    assert response.status_code == 200
    result = response.context["result"]
    assert result.total == response.context["snapshot"].value
    assert "/w/drill/data/accounts/" in response.content.decode()
    assert viewer.get("/w/drill/kpis/clv/records/?period=2025-05").status_code == 404
    assert viewer.get("/w/drill/kpis/mrr/records/?period=nope").status_code == 404
    bad = "/w/drill/kpis/mrr/records/?period=2025-05&dimension=owner&value=x"
    assert viewer.get(bad).status_code == 404


@freeze_time(TODAY)
def test_every_breakdown_the_kpi_page_links_has_records(company):
    """The breakdown table links each value (but plan) to its records: each link answers, and
    its records add up to the value the table shows."""
    period = Period.of_start("month", date(2025, 3, 1))
    linked = {(k, d) for k in SUPPORTED for d in KPI_BY_KEY[k].dimensions if d != "plan"}
    checked: set[tuple[str, str]] = set()
    with workspace_scope(company.id):
        shown = KpiSnapshot.objects.filter(
            grain="month", period_start=period.start, value__isnull=False
        ).exclude(dimension__in=("", "plan"))
        for s in shown.order_by("kpi_key", "dimension", "dimension_value"):
            if (s.kpi_key, s.dimension) not in linked:
                continue
            result = drill(
                workspace=company,
                key=s.kpi_key,
                period=period,
                today=TODAY,
                dimension=s.dimension,
                value=s.dimension_value,
            )
            assert result.value is not None, (s.kpi_key, s.dimension, s.dimension_value)
            places = decimals_for(s.kpi_key)
            expected = s.value.quantize(Decimal(1).scaleb(-places))
            got = _rounded(result.value, places)
            assert got == expected, (s.kpi_key, s.dimension, s.dimension_value)
            checked.add((s.kpi_key, s.dimension))
    # 131 of the 143 linked breakdowns have values in March 2025 (deal-based averages by
    # channel or owner, e.g., have none: no deal closed that month in those groups).
    assert len(checked) >= 130, sorted(linked - checked)
