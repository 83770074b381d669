"""A workspace with at least one row in every table that belongs to a workspace: imported
records of every kind (with the snapshots their recompute writes) and everything people make
through the services. The deletion and export tests use it."""

from __future__ import annotations

from decimal import Decimal

from accounts import services as acc
from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.imports.mapping import Mapping
from kpiapp.kpis.periods import Period
from kpiapp.models import (
    AlertDelivery,
    AlertEvent,
    Deal,
    DealStageChange,
    DigestDelivery,
    WorkspaceExport,
)
from kpiapp.models.plans import Plan
from kpiapp.services.alerts import alert_rule_create, webhook_secret
from kpiapp.services.annotations import annotation_create
from kpiapp.services.benchmarks import benchmark_pick_set, team_benchmark_set
from kpiapp.services.custom_kpis import custom_kpi_create
from kpiapp.services.dashboard import dashboard_create, dashboard_tile_move, dashboard_tiles_set
from kpiapp.services.digests import digest_subscribe
from kpiapp.services.imports import data_import, import_job_create
from kpiapp.services.lead_scoring import scoring_rule_create
from kpiapp.services.reports import comment_add, report_create
from kpiapp.services.segments import segment_create
from kpiapp.services.share_links import share_link_create
from kpiapp.services.snapshots import snapshot_rebuild
from kpiapp.services.targets import target_set
from tests.conftest import membership_of

FILES = {
    "accounts": "external_id,name,country,channel,created_at\nA1,Kunde Eins,DE,Ads,2025-01-10\n"
    "A2,Kunde Zwei,AT,Ads,2025-02-10\n",
    "leads": "external_id,email_or_company,channel,campaign,created_at,account\n"
    "L1,lead@example.com,Ads,Herbst,2025-01-02,A1\n",
    "deals": "external_id,account,lead,name,stage,amount,created_at,closed_at\n"
    "D1,A1,L1,Erstauftrag,won,12000,2025-01-05,2025-01-09\n",
    "subscriptions": "external_id,account,amount,interval,started_at\n"
    "S1,A1,1000,month,2025-01-10\n",
    "traffic": "month,channel,visits\n2025-01,Ads,1500\n",
    "spend": "month,channel,campaign,category,amount\n2025-01,Ads,Herbst,marketing,900\n",
    "nps": "external_id,account,responded_at,score\nN1,A1,2025-02-01,9\n",
    "usage": "account,month,active_users,seats\nA1,2025-02,4,5\n",
    "exchange_rates": "month,currency,rate\n2025-01,USD,0.92\n",
    "custom_kpi_values": "kpi,month,value\ncustom_tickets,2025-01,42\n",
    "touchpoints": "lead,occurred_at,channel,type\nL1,2024-12-20,Ads,ad_click\n",
}


def fill_every_table(workspace: Workspace, owner: User) -> None:
    member = membership_of(owner, workspace)
    with workspace_scope(workspace.id):
        custom_kpi_create(
            membership=member,
            name="Tickets",
            unit="number",
            direction="down",
            aggregation="sum",
            key="custom_tickets",
        )
        for kind, text in FILES.items():
            result = data_import(
                workspace=workspace, kind=kind, data=text.encode(), mapping=Mapping(), user=owner
            )
            assert result.ok, (kind, result.errors)
        deal = Deal.objects.get(external_id="D1")
        DealStageChange.objects.create(deal=deal, from_stage="demo", to_stage="won")
        snapshot_rebuild(workspace_id=workspace.id)
        import_job_create(
            membership=member, kind="accounts", filename="a.csv", data=FILES["accounts"].encode()
        )
        quarter = Period("quarter", 2025 * 12)
        target_set(membership=member, kpi_key="mrr", quarter=quarter, value=Decimal(5000))
        team_benchmark_set(
            membership=member,
            kpi_key="nps",
            grain="month",
            form="point",
            low=Decimal(40),
            high=None,
            source="Umfrage",
        )
        benchmark_pick_set(
            membership=member, kpi_key="nps", grain="quarter", ref="nps.quarter.all.band.31.nd"
        )
        report = report_create(
            membership=member,
            data={
                "title": "Monatsbericht",
                "visibility": "shared",
                "grain": "month",
                "range_kind": "last_closed_month",
                "comparison": "previous",
                "sections": [{"kpi": "mrr"}],
            },
        )
        comment_add(membership=member, report=report, body="Sieht gut aus.")
        share_link_create(membership=member, report=report)
        subscription = digest_subscribe(membership=member, report=report, cadence="monthly")
        DigestDelivery.objects.create(subscription=subscription, period_key="2025-01")
        WorkspaceExport.objects.create(requested_by=owner, status="failed")
        Plan.objects.create(quarter_start=quarter.start, goal_kind="mrr_new",
                            goal_value=Decimal(3000), basis_month=2025 * 12)  # fmt: skip
        rule = alert_rule_create(membership=member, values={
            "kpi_key": "mrr", "grain": "month", "kind": "anomaly", "recipients": "me",
        })  # fmt: skip
        event = AlertEvent.objects.create(rule=rule, grain="month", period_start=quarter.start,
                                          condition="unusually_high", value=Decimal(1))  # fmt: skip
        AlertDelivery.objects.create(event=event, channel="email", target=f"user:{owner.pk}",
                                     recipient=owner)  # fmt: skip
        webhook_secret()
        scoring_rule_create(membership=member, values={
            "kind": "touchpoint_type", "label": "Demo angefragt", "points": 30, "value": "demo",
        })  # fmt: skip
        sales = dashboard_create(membership=member, name="Vertrieb")  # and the default one
        dashboard_tiles_set(membership=member, dashboard=sales, keys=["mrr", "win_rate"])
        dashboard_tile_move(membership=member, dashboard=sales, key="win_rate", step=-1)
        annotation_create(membership=member, day=quarter.start, text="Preisliste geändert",
                          kpi_key="mrr")  # fmt: skip
        segment_create(membership=member, name="Deutschland Pro", text="country:DE;plan:Pro")
    acc.invitation_send(actor=member, email="neu@example.com", role="viewer")
    acc.api_token_create(membership=member, name="Skript")
