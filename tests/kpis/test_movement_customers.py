"""Movements to customers: for every movement KPI and every month (and a sample of quarters
and years) of a generated company, the customers listed behind the value add up to it, each
customer is on the customer list, and the customer page's movements of a month are the same
amounts (the drill-through test's style)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period
from kpiapp.models import Account, KpiSnapshot
from kpiapp.selectors.customer_profile import customer_profile
from kpiapp.selectors.customers import MOVEMENT_KEYS, customer_rows, movement_customers
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import make_workspace
from tests.kpis.company import TODAY, add_subscription_moves, small_company

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
CLASSES = [k for k in MOVEMENT_KEYS if k != "mrr_fx_impact"]


@pytest.fixture(scope="module")
def company(django_db_setup: None, django_db_blocker: Any) -> Iterator[Workspace]:
    with django_db_blocker.unblock():
        owner = User.objects.create_user(email="moves-owner@example.com")
        workspace = make_workspace("moves", owner, "Moves GmbH")
        with workspace_scope(workspace.id), freeze_time(TODAY):
            small_company()
            _upgrades_downgrades_and_returns()
            snapshot_rebuild(workspace_id=workspace.id)
    yield workspace
    with django_db_blocker.unblock():
        workspace.delete()
        owner.delete()


def _upgrades_downgrades_and_returns(seed: int = 5) -> None:
    """What the base company lacks: expansions, contractions and later returns."""
    add_subscription_moves(random.Random(seed), list(Account.objects.order_by("pk")))


def _cents(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@freeze_time(TODAY)
def test_each_movement_of_each_period_adds_up_to_its_kpi_value(company):
    checked: dict[str, int] = defaultdict(int)
    with workspace_scope(company.id):
        rows = customer_rows(workspace=company, today=TODAY)
        listed = {r.account_id for r in rows}
        snapshots = KpiSnapshot.objects.filter(kpi_key__in=MOVEMENT_KEYS, dimension="")
        for s in snapshots.order_by("kpi_key", "grain", "period_start"):
            if s.grain != "month" and s.period_start.month not in (1, 4):
                continue  # quarters: Q1 and Q2; years: all
            period = Period.of_start(s.grain, s.period_start)
            result = movement_customers(
                workspace=company, key=s.kpi_key, period=period, rows=rows, today=TODAY
            )
            assert s.value is not None
            assert _cents(result.total) == s.value, (s.kpi_key, period.label)
            assert {c.customer.account_id for c in result.customers} <= listed
            if s.value:
                checked[s.kpi_key] += 1
    # every class of movement happens in this company, in several months
    assert all(checked[k] >= 3 for k in CLASSES), dict(checked)


@freeze_time(TODAY)
def test_a_customers_page_shows_the_amounts_it_adds_to_each_movement(company):
    period = Period.of_start("month", TODAY.replace(month=3, day=1))
    with workspace_scope(company.id):
        rows = customer_rows(workspace=company, today=TODAY)
        seen = 0
        for key in CLASSES:
            result = movement_customers(
                workspace=company, key=key, period=period, rows=rows, today=TODAY
            )
            for entry in result.customers[:3]:
                account = Account.objects.get(pk=entry.customer.account_id)
                profile = customer_profile(workspace=company, account=account, today=TODAY)
                moves = [m for m in profile.movements if m.month == period and m.key == key]
                assert [m.amount for m in moves] == [entry.amount], (key, account.name)
                assert moves[0].causes, (key, account.name)  # a subscription row changed
                seen += 1
    assert seen >= 3
