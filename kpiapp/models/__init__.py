"""Kennzahl's domain models, one module per aggregate; every one is workspace-owned."""

from kpiapp.models.alerts import (
    AlertDelivery,
    AlertEvent,
    AlertKind,
    AlertRule,
    WebhookSecret,
)
from kpiapp.models.annotations import Annotation
from kpiapp.models.benchmarks import BenchmarkPick, TeamBenchmark
from kpiapp.models.custom_kpis import CustomKpi, CustomKpiValue
from kpiapp.models.customers import Account
from kpiapp.models.dashboards import Dashboard
from kpiapp.models.deals import Deal, DealKind, DealStage, DealStageChange
from kpiapp.models.feedback import NpsResponse, Usage
from kpiapp.models.fx import ExchangeRate
from kpiapp.models.imports import ImportJob, ImportStatus
from kpiapp.models.journeys import Touchpoint, TouchpointType
from kpiapp.models.marketing import Campaign, Channel, Lead, Spend, SpendCategory, Traffic
from kpiapp.models.plans import GoalKind, Plan
from kpiapp.models.reports import (
    Cadence,
    Comparison,
    DigestDelivery,
    DigestSubscription,
    RangeKind,
    Report,
    ReportComment,
    ShareLink,
    Visibility,
)
from kpiapp.models.scoring import LeadScoringRule, ScoringRuleKind
from kpiapp.models.segments import Segment
from kpiapp.models.snapshots import Grain, KpiSnapshot, PartialSums, RecomputeState
from kpiapp.models.subscriptions import BillingInterval, Subscription
from kpiapp.models.targets import Target, TargetChange
from kpiapp.models.workspace_exports import ExportStatus, WorkspaceExport

__all__ = [
    "Account",
    "AlertDelivery",
    "AlertEvent",
    "AlertKind",
    "AlertRule",
    "Annotation",
    "BenchmarkPick",
    "BillingInterval",
    "Cadence",
    "Campaign",
    "Channel",
    "Comparison",
    "CustomKpi",
    "CustomKpiValue",
    "Dashboard",
    "Deal",
    "DealKind",
    "DealStage",
    "DealStageChange",
    "DigestDelivery",
    "DigestSubscription",
    "ExchangeRate",
    "ExportStatus",
    "GoalKind",
    "Grain",
    "ImportJob",
    "ImportStatus",
    "KpiSnapshot",
    "Lead",
    "LeadScoringRule",
    "NpsResponse",
    "PartialSums",
    "Plan",
    "RangeKind",
    "RecomputeState",
    "Report",
    "ReportComment",
    "ScoringRuleKind",
    "Segment",
    "ShareLink",
    "Spend",
    "SpendCategory",
    "Subscription",
    "Target",
    "TargetChange",
    "TeamBenchmark",
    "Touchpoint",
    "TouchpointType",
    "Traffic",
    "Usage",
    "Visibility",
    "WebhookSecret",
    "WorkspaceExport",
]
