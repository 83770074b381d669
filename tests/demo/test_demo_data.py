"""The demo company generator: deterministic, plausible, consistent and set-based."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Q

import pytest

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.demo import journeys
from kpiapp.demo.company import demo_data_generate
from kpiapp.demo.seed import DemoResult
from kpiapp.demo.writer import BATCH_SIZE
from kpiapp.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    DealKind,
    DealStage,
    ExchangeRate,
    Lead,
    NpsResponse,
    Spend,
    SpendCategory,
    Subscription,
    Touchpoint,
    TouchpointType,
    Traffic,
    Usage,
)
from tests.demo.conftest import DEMO_AS_OF, DEMO_SEED

# The demo company is built once for this package (tests/demo/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]
AS_OF = DEMO_AS_OF
SEED = DEMO_SEED
LEGACY_TOUCHED = 30  # the customers from before the window, at least, are touched directly
WINDOW = [date(2023 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(36)]  # 2023-11..2026-10

DATE_FIELDS: dict[Any, tuple[str, ...]] = {
    Account: ("created_at",),
    Lead: ("created_at", "qualified_at", "opportunity_at", "converted_at"),
    Deal: ("created_at", "closed_at"),
    Subscription: ("started_at", "trial_ends_at", "ended_at", "cancelled_at"),
    Usage: ("month", "first_value_at"),
    NpsResponse: ("responded_at",),
    Traffic: ("month", "day"),
    Spend: ("month",),
    ExchangeRate: ("month",),
    Touchpoint: ("occurred_at",),
}


def _snapshot(workspace: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """Every generated value that matters, without ids or workspace."""
    with workspace_scope(workspace.id):
        return {
            "accounts": list(
                Account.objects.order_by("external_id").values_list(
                    "external_id",
                    "name",
                    "country",
                    "industry",
                    "employees",
                    "channel__key",
                    "campaign__key",
                    "created_at",
                )
            ),
            "leads": list(
                Lead.objects.order_by("external_id").values_list(
                    "external_id",
                    "email_or_company",
                    "channel__key",
                    "campaign__key",
                    "created_at",
                    "qualified_at",
                    "opportunity_at",
                    "converted_at",
                    "account__external_id",
                )
            ),
            "deals": list(
                Deal.objects.order_by("external_id").values_list(
                    "external_id",
                    "account__external_id",
                    "lead__external_id",
                    "name",
                    "owner",
                    "stage",
                    "kind",
                    "amount_cents",
                    "services_amount_cents",
                    "currency",
                    "created_at",
                    "closed_at",
                    "lost_reason",
                )
            ),
            "subscriptions": list(
                Subscription.objects.order_by("external_id", "started_at").values_list(
                    "external_id",
                    "account__external_id",
                    "plan",
                    "amount_cents",
                    "currency",
                    "interval",
                    "quantity",
                    "discount_percent",
                    "started_at",
                    "trial_ends_at",
                    "ended_at",
                    "cancelled_at",
                    "churn_reason",
                )
            ),
            "usage": list(
                Usage.objects.order_by("account__external_id", "month").values_list(
                    "account__external_id",
                    "month",
                    "seats",
                    "active_users",
                    "key_actions",
                    "first_value_at",
                )
            ),
            "spend": list(
                Spend.objects.order_by(
                    "month", "category", "channel__key", "campaign__key"
                ).values_list("month", "category", "channel__key", "campaign__key", "amount_cents")
            ),
            "fx": list(ExchangeRate.objects.order_by("month").values_list("month", "rate")),
            "touchpoints": list(
                Touchpoint.objects.order_by("external_id").values_list(
                    "external_id",
                    "lead__external_id",
                    "account__external_id",
                    "occurred_at",
                    "channel__key",
                    "campaign__key",
                    "type",
                )
            ),
        }


@pytest.fixture
def demo(demo_company: DemoResult) -> tuple[Workspace, dict]:
    """The shared demo company's workspace and the rows the generator counted."""
    return demo_company.workspace, demo_company.rows


def test_generation_is_set_based_repeatable_and_counted(
    workspace: Workspace,
    demo: tuple[Workspace, dict],
    django_assert_max_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared, shared_counts = demo
    # The touchpoints are the most rows: their batches, as large as the database takes, come
    # on top of the rest (SQLite takes a few hundred rows per statement, PostgreSQL 2,000).
    # Built a few statements' worth at a time here (the large company's million rows are
    # built 100,000 at a time): the rows are the same, each part may add one statement.
    fields = Touchpoint._meta.concrete_fields
    batch = min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * BATCH_SIZE))
    monkeypatch.setattr(journeys, "BATCH_ROWS", batch * 3)
    parts = math.ceil(shared_counts["Touchpoint"] / (batch * 3))
    statements = math.ceil(shared_counts["Touchpoint"] / batch) + parts
    with django_assert_max_num_queries(205 + statements):
        counts = demo_data_generate(workspace=workspace, seed=SEED, as_of=AS_OF)

    assert counts == shared_counts
    assert _snapshot(workspace) == _snapshot(shared)
    with workspace_scope(workspace.id):
        for model in (*DATE_FIELDS, Channel, Campaign):
            assert counts[model.__name__] == model.objects.count(), model
    assert counts["Channel"] == 6
    assert 12 <= counts["Campaign"] <= 18
    assert counts["Account"] >= 200
    assert counts["Lead"] >= 2000
    assert counts["Deal"] >= 500
    assert counts["Usage"] >= 2000
    assert counts["NpsResponse"] >= 100


def test_another_seed_gives_another_company(
    other_workspace: Workspace, demo: tuple[Workspace, dict]
) -> None:
    demo_data_generate(workspace=other_workspace, seed=SEED + 1, as_of=AS_OF)
    mine, theirs = _snapshot(demo[0]), _snapshot(other_workspace)
    kinds = ("accounts", "leads", "deals", "subscriptions", "usage", "spend", "fx", "touchpoints")
    for kind in kinds:
        assert mine[kind] != theirs[kind], kind


def test_nothing_is_dated_after_as_of(db: None, demo: tuple[Workspace, dict]) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        for model, fields in DATE_FIELDS.items():
            for name in fields:
                assert not model.objects.filter(**{f"{name}__gt": AS_OF}).exists(), (model, name)
        for model in (Usage, Traffic, Spend, ExchangeRate):
            assert not model.objects.exclude(month__day=1).exists(), model


def test_subscriptions_tell_the_story_of_upgrades_churn_trials_and_returns(
    db: None, demo: tuple[Workspace, dict]
) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        rows = list(Subscription.objects.order_by("external_id", "started_at"))
        chains: dict[str, list[Subscription]] = defaultdict(list)
        for row in rows:
            chains[row.external_id].append(row)
        changed = [chain for chain in chains.values() if len(chain) >= 2]
        assert len(changed) >= 20
        for chain in changed:
            for earlier, later in itertools.pairwise(chain):
                assert earlier.ended_at == later.started_at
                assert earlier.account_id == later.account_id

        churned = [row for row in rows if row.churn_reason]
        assert len(churned) >= 30
        assert all(row.ended_at and row.cancelled_at for row in churned)
        assert all(row.started_at <= row.cancelled_at <= row.ended_at for row in churned)

        trials = [row for row in rows if row.trial_ends_at]
        assert len(trials) >= 10
        assert all(row.trial_ends_at - row.started_at == timedelta(days=14) for row in trials)

        assert {row.plan for row in rows} == {"Starter", "Professional", "Enterprise"}
        assert {row.interval for row in rows} == {"month", "year"}
        assert any(row.discount_percent > 0 for row in rows)

        subs_per_account: dict[int, set[str]] = defaultdict(set)
        for row in rows:
            subs_per_account[row.account_id].add(row.external_id)
        assert sum(len(ids) > 1 for ids in subs_per_account.values()) >= 3  # reactivations


def test_usd_subscriptions_come_with_a_rate_for_every_month(
    db: None, demo: tuple[Workspace, dict]
) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        assert Subscription.objects.filter(currency="USD").exists()
        assert set(Subscription.objects.values_list("currency", flat=True)) == {"EUR", "USD"}
        rates = list(
            ExchangeRate.objects.order_by("month").values_list("month", "currency", "rate")
        )
    assert [month for month, _, _ in rates] == WINDOW
    assert {currency for _, currency, _ in rates} == {"USD"}
    assert all(0.85 < rate < 1 for _, _, rate in rates)


def test_leads_follow_the_funnel_and_converted_ones_belong_to_their_account(
    db: None, demo: tuple[Workspace, dict]
) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        leads = Lead.objects.all()
        assert not leads.filter(qualified_at__lt=F("created_at")).exists()
        assert not leads.filter(opportunity_at__lt=F("qualified_at")).exists()
        assert not leads.filter(converted_at__lt=F("opportunity_at")).exists()
        assert not leads.filter(opportunity_at__isnull=False, qualified_at__isnull=True).exists()
        assert not leads.filter(converted_at__isnull=False, opportunity_at__isnull=True).exists()
        converted = leads.filter(converted_at__isnull=False)
        assert converted.count() >= 150
        assert not converted.filter(account__isnull=True).exists()
        assert not leads.filter(converted_at__isnull=True, account__isnull=False).exists()
        assert not converted.exclude(account__channel=F("channel")).exists()
        assert not converted.filter(
            ~Q(account__campaign=F("campaign")) | Q(account__campaign__isnull=True),
            campaign__isnull=False,
        ).exists()

        total = leads.count()
        qualified = leads.filter(qualified_at__isnull=False).count()
        opportunities = leads.filter(opportunity_at__isnull=False).count()
    assert 0.25 < qualified / total < 0.5
    assert 0.3 < opportunities / qualified < 0.55
    assert 0.15 < converted.count() / opportunities < 0.4


def test_deals_are_consistent_with_their_stage(db: None, demo: tuple[Workspace, dict]) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        deals = Deal.objects.all()
        closed = deals.filter(stage__in=[DealStage.WON, DealStage.LOST])
        assert not closed.filter(closed_at__isnull=True).exists()
        assert (
            not deals.exclude(stage__in=[DealStage.WON, DealStage.LOST])
            .filter(closed_at__isnull=False)
            .exists()
        )
        assert deals.exclude(stage__in=[DealStage.WON, DealStage.LOST]).count() >= 10
        assert not deals.filter(created_at__isnull=True).exists()
        assert not deals.filter(closed_at__lt=F("created_at")).exists()
        assert not deals.filter(stage=DealStage.LOST, lost_reason="").exists()
        assert set(deals.values_list("kind", flat=True)) == set(DealKind.values)
        assert not deals.filter(stage=DealStage.WON, account__isnull=True).exists()
        assert 5 <= len(set(deals.values_list("owner", flat=True))) <= 6
        new_won = deals.filter(kind=DealKind.NEW, stage=DealStage.WON)
        assert new_won.count() == Lead.objects.filter(converted_at__isnull=False).count() + len(
            set(Account.objects.filter(leads__isnull=True).values_list("id", flat=True))
        )


def test_traffic_spend_usage_and_nps_are_plausible(db: None, demo: tuple[Workspace, dict]) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        monthly = set(Traffic.objects.filter(day__isnull=True).values_list("channel", "month"))
        daily = set(Traffic.objects.filter(day__isnull=False).values_list("channel", "month"))
        assert monthly and daily
        assert not monthly & daily
        assert {month for _, month in daily} == set(WINDOW[-3:])
        assert all(
            day.replace(day=1) == month
            for month, day in Traffic.objects.filter(day__isnull=False).values_list("month", "day")
        )

        sales = Spend.objects.filter(category=SpendCategory.SALES)
        assert sorted(sales.values_list("month", flat=True)) == WINDOW
        assert not sales.filter(channel__isnull=False).exists()
        assert not Spend.objects.filter(category=SpendCategory.MARKETING, channel=None).exists()
        assert Spend.objects.filter(campaign__isnull=False).exists()

        assert not Usage.objects.filter(active_users__gt=F("seats")).exists()
        with_value = Usage.objects.filter(first_value_at__isnull=False)
        assert with_value.count() == len(set(with_value.values_list("account", flat=True)))
        for account, month in with_value.values_list("account", "month"):
            assert not Usage.objects.filter(account=account, month__lt=month).exists()

        scores = list(NpsResponse.objects.values_list("score", flat=True))
        assert all(0 <= score <= 10 for score in scores)
        promoters = sum(score >= 9 for score in scores)
        detractors = sum(score <= 6 for score in scores)
        assert 10 < 100 * (promoters - detractors) / len(scores) < 80
        assert NpsResponse.objects.exclude(comment="").exists()


def test_leads_have_journeys_of_one_to_eight_touchpoints_in_mixed_channels(
    db: None, demo: tuple[Workspace, dict]
) -> None:
    workspace = demo[0]
    with workspace_scope(workspace.id):
        leads = {lead.id: lead for lead in Lead.objects.all()}
        touches = list(Touchpoint.objects.order_by("occurred_at", "id"))
        campaign_channel = dict(Campaign.objects.values_list("id", "channel_id"))
    journeys: dict[int, list[Touchpoint]] = defaultdict(list)
    for touch in touches:
        if touch.lead_id is not None:
            journeys[touch.lead_id].append(touch)
    assert set(journeys) == set(leads)  # every lead has a journey
    assert all(1 <= len(journey) <= 8 for journey in journeys.values())

    def mean(ids: list[int]) -> float:
        return sum(len(journeys[i]) for i in ids) / len(ids)

    converted = [i for i, lead in leads.items() if lead.converted_at]
    never_qualified = [i for i, lead in leads.items() if not lead.qualified_at]
    assert mean(converted) > mean(never_qualified) + 2
    assert all(len(journeys[i]) >= 3 for i in converted)

    own_first = sum(journey[0].channel_id == leads[i].channel_id for i, journey in journeys.items())
    assert 0.6 < own_first / len(journeys) < 0.95  # most likely, not always
    mixed = [j for j in journeys.values() if len({t.channel_id for t in j}) > 1]
    assert len(mixed) / len(journeys) > 0.2
    assert {t.type for t in touches} == set(TouchpointType.values) - {TouchpointType.OTHER}

    for i, journey in journeys.items():
        lead = leads[i]
        assert journey[0].occurred_at >= lead.created_at - timedelta(days=42)
        if lead.converted_at:
            assert journey[-1].occurred_at <= lead.converted_at
        for touch in journey:
            if touch.type == TouchpointType.DEMO:
                assert lead.qualified_at and touch.occurred_at >= lead.qualified_at
    assert any(t.occurred_at < leads[t.lead_id].created_at for t in touches if t.lead_id)
    assert all(campaign_channel[t.campaign_id] == t.channel_id for t in touches if t.campaign_id)

    on_accounts = [t for t in touches if t.account_id is not None]
    assert all(t.lead_id is None for t in on_accounts)
    assert len({t.account_id for t in on_accounts}) >= LEGACY_TOUCHED
