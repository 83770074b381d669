"""Staff-only admin for every domain model. Lists are filtered by workspace first: the admin
works across workspaces by design (STYLE.md, known limits), so each list says whose row it is.
"""

from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from kpiapp import models as m


class WorkspaceAdmin(admin.ModelAdmin):
    list_filter: ClassVar[tuple[str, ...]] = ("workspace",)
    list_select_related = ("workspace",)
    raw_id_fields: ClassVar[tuple[str, ...]] = ()

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        return ("workspace", *super().get_list_display(request))


@admin.register(m.Channel)
class ChannelAdmin(WorkspaceAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    exclude = ("key",)


@admin.register(m.Campaign)
class CampaignAdmin(WorkspaceAdmin):
    list_display = ("name", "channel")
    search_fields = ("name", "channel__name")
    exclude = ("key",)
    raw_id_fields = ("channel",)


@admin.register(m.Account)
class AccountAdmin(WorkspaceAdmin):
    list_display = ("name", "external_id", "country", "industry", "channel", "created_at")
    search_fields = ("name", "external_id", "industry")
    list_filter = ("workspace", "country")
    raw_id_fields = ("channel", "campaign")


class StageChangeInline(admin.TabularInline):
    model = m.DealStageChange
    extra = 0
    raw_id_fields = ("changed_by",)
    exclude = ("workspace",)


@admin.register(m.Deal)
class DealAdmin(WorkspaceAdmin):
    list_display = (
        "external_id",
        "name",
        "account",
        "stage",
        "kind",
        "amount_cents",
        "currency",
        "created_at",
        "closed_at",
        "owner",
    )
    search_fields = ("external_id", "name", "owner", "account__name")
    list_filter = ("workspace", "stage", "kind")
    raw_id_fields = ("account", "lead", "channel", "campaign")
    inlines = [StageChangeInline]


@admin.register(m.Subscription)
class SubscriptionAdmin(WorkspaceAdmin):
    list_display = (
        "external_id",
        "account",
        "plan",
        "amount_cents",
        "currency",
        "interval",
        "quantity",
        "started_at",
        "ended_at",
    )
    search_fields = ("external_id", "plan", "account__name")
    list_filter = ("workspace", "interval")
    raw_id_fields = ("account",)


@admin.register(m.Lead)
class LeadAdmin(WorkspaceAdmin):
    list_display = (
        "external_id",
        "email_or_company",
        "channel",
        "campaign",
        "created_at",
        "qualified_at",
        "opportunity_at",
        "converted_at",
    )
    search_fields = ("external_id", "email_or_company")
    raw_id_fields = ("channel", "campaign", "account")


@admin.register(m.Traffic)
class TrafficAdmin(WorkspaceAdmin):
    list_display = ("month", "day", "channel", "visits")
    search_fields = ("channel__name",)
    raw_id_fields = ("channel",)


@admin.register(m.Spend)
class SpendAdmin(WorkspaceAdmin):
    list_display = ("month", "channel", "campaign", "category", "amount_cents", "currency")
    search_fields = ("channel__name", "campaign__name")
    list_filter = ("workspace", "category")
    raw_id_fields = ("channel", "campaign")


@admin.register(m.NpsResponse)
class NpsAdmin(WorkspaceAdmin):
    list_display = ("account", "responded_at", "score")
    search_fields = ("account__name", "comment", "external_id")
    raw_id_fields = ("account",)


@admin.register(m.Usage)
class UsageAdmin(WorkspaceAdmin):
    list_display = ("account", "month", "active_users", "seats", "key_actions")
    search_fields = ("account__name",)
    raw_id_fields = ("account",)


@admin.register(m.Touchpoint)
class TouchpointAdmin(WorkspaceAdmin):
    list_display = ("occurred_at", "type", "channel", "lead", "account")
    search_fields = ("external_id", "lead__external_id", "account__name")
    raw_id_fields = ("lead", "account")


@admin.register(m.AlertRule)
class AlertRuleAdmin(WorkspaceAdmin):
    list_display = ("kpi_key", "kind", "grain", "recipients", "active")
    list_filter = ("kind", "active")


@admin.register(m.AlertEvent)
class AlertEventAdmin(WorkspaceAdmin):
    list_display = ("rule", "grain", "period_start", "condition", "value", "fired_at")
    raw_id_fields = ("rule",)


@admin.register(m.AlertDelivery)
class AlertDeliveryAdmin(WorkspaceAdmin):
    list_display = ("event", "channel", "target", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    raw_id_fields = ("event", "recipient")


@admin.register(m.WebhookSecret)
class WebhookSecretAdmin(WorkspaceAdmin):
    list_display = ("workspace", "created_at")


@admin.register(m.ExchangeRate)
class ExchangeRateAdmin(WorkspaceAdmin):
    list_display = ("month", "currency", "rate")
    search_fields = ("currency",)


@admin.register(m.CustomKpi)
class CustomKpiAdmin(WorkspaceAdmin):
    list_display = ("key", "name", "unit", "direction", "aggregation")
    search_fields = ("key", "name")


@admin.register(m.CustomKpiValue)
class CustomKpiValueAdmin(WorkspaceAdmin):
    list_display = ("kpi", "month", "value")
    search_fields = ("kpi__name", "kpi__key")
    raw_id_fields = ("kpi",)


@admin.register(m.ImportJob)
class ImportJobAdmin(WorkspaceAdmin):
    list_display = ("filename", "kind", "status", "created_by", "created_at")
    list_filter = ("workspace", "kind", "status")
    search_fields = ("filename",)
    exclude = ("data",)
    raw_id_fields = ("created_by",)


@admin.register(m.WorkspaceExport)
class WorkspaceExportAdmin(WorkspaceAdmin):
    list_display = ("created_at", "requested_by", "status", "size", "finished_at")
    list_filter = ("workspace", "status")
    exclude = ("data",)
    raw_id_fields = ("requested_by",)


@admin.register(m.KpiSnapshot)
class KpiSnapshotAdmin(WorkspaceAdmin):
    """Read-only: snapshots are rebuilt by the engine, never edited."""

    list_display = ("kpi_key", "grain", "period_start", "dimension", "dimension_value", "value")
    list_filter = ("workspace", "grain", "dimension", "partial")
    search_fields = ("kpi_key", "dimension_value")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.PartialSums)
class PartialSumsAdmin(WorkspaceAdmin):
    """Read-only: the recompute keeps them (`kpiapp.kpis.partials`), never a person."""

    list_display = ("bucket", "generation", "digest")
    exclude = ("payload",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.RecomputeState)
class RecomputeStateAdmin(WorkspaceAdmin):
    list_display = ("dirty_since", "started_at", "finished_at", "duration_ms", "snapshot_count")
    readonly_fields = ("changed_at", "run_count", "definition_version")


@admin.register(m.Target)
class TargetAdmin(WorkspaceAdmin):
    list_display = ("kpi_key", "quarter_start", "dimension", "dimension_value", "value")
    list_filter = ("workspace", "quarter_start")
    search_fields = ("kpi_key", "dimension_value", "note")
    raw_id_fields = ("updated_by", "plan")


@admin.register(m.Plan)
class PlanAdmin(WorkspaceAdmin):
    list_display = ("quarter_start", "goal_kind", "goal_value", "updated_at")
    list_filter = ("workspace", "quarter_start")
    raw_id_fields = ("updated_by",)


@admin.register(m.TargetChange)
class TargetChangeAdmin(WorkspaceAdmin):
    list_display = ("kpi_key", "quarter_start", "action", "old_value", "new_value", "changed_at")
    list_filter = ("workspace", "action")
    search_fields = ("kpi_key",)
    raw_id_fields = ("changed_by",)


@admin.register(m.TeamBenchmark)
class TeamBenchmarkAdmin(WorkspaceAdmin):
    list_display = ("kpi_key", "grain", "form", "low", "high", "source")
    search_fields = ("kpi_key", "source")
    raw_id_fields = ("created_by",)


@admin.register(m.BenchmarkPick)
class BenchmarkPickAdmin(WorkspaceAdmin):
    list_display = ("kpi_key", "grain", "ref")
    search_fields = ("kpi_key", "ref")


@admin.register(m.Report)
class ReportAdmin(WorkspaceAdmin):
    list_display = ("title", "owner", "visibility", "grain", "range_kind", "updated_at")
    search_fields = ("title",)
    list_filter = ("workspace", "visibility")
    raw_id_fields = ("owner", "updated_by")


@admin.register(m.ReportComment)
class ReportCommentAdmin(WorkspaceAdmin):
    list_display = ("report", "author", "created_at")
    raw_id_fields = ("report", "author")


@admin.register(m.ShareLink)
class ShareLinkAdmin(WorkspaceAdmin):
    list_display = ("report", "prefix", "expires_at", "revoked_at", "view_count")
    raw_id_fields = ("report", "created_by")
    readonly_fields = ("token_hash", "password_hash")


@admin.register(m.DigestSubscription)
class DigestSubscriptionAdmin(WorkspaceAdmin):
    list_display = ("report", "user", "cadence", "created_at")
    list_filter = ("workspace", "cadence")
    raw_id_fields = ("report", "user")


@admin.register(m.DigestDelivery)
class DigestDeliveryAdmin(WorkspaceAdmin):
    list_display = ("subscription", "period_key", "status", "sent_at")
    raw_id_fields = ("subscription",)


@admin.register(m.LeadScoringRule)
class LeadScoringRuleAdmin(WorkspaceAdmin):
    list_display = ("label", "kind", "points", "value", "minimum", "maximum")
    list_filter = ("kind",)


@admin.register(m.Dashboard)
class DashboardAdmin(WorkspaceAdmin):
    list_display = ("name", "is_default", "created_at")
    search_fields = ("name",)


@admin.register(m.Annotation)
class AnnotationAdmin(WorkspaceAdmin):
    list_display = ("day", "text", "kpi_key", "created_at")
    search_fields = ("text",)
    raw_id_fields = ("created_by",)


@admin.register(m.Segment)
class SegmentAdmin(WorkspaceAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
