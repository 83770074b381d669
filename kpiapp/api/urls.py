"""/api/v1/: the workspaces, then everything of one workspace under /workspaces/<slug>/."""

from django.urls import include, path, re_path

from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from kpiapp.api import (
    alerts,
    annotations,
    audit,
    customers,
    imports,
    lead_scoring,
    planning,
    plans,
    reports,
    segments,
    team,
    views,
)
from kpiapp.api.docs import api_docs

router = SimpleRouter()
for slug, viewset in views.RECORD_VIEWSETS.items():
    router.register(slug.replace("_", "-"), viewset, basename=f"api-{slug}")
router.register("channels", views.ChannelViewSet, basename="api-channels")
router.register("campaigns", views.CampaignViewSet, basename="api-campaigns")
router.register("custom-kpis", views.CustomKpiViewSet, basename="api-custom-kpis")
router.register("kpis", views.KpiViewSet, basename="api-kpis")
router.register("targets", planning.TargetViewSet, basename="api-targets")
router.register("alerts/events", alerts.AlertEventViewSet, basename="api-alert-events")
router.register("alerts", alerts.AlertRuleViewSet, basename="api-alerts")
router.register("annotations", annotations.AnnotationViewSet, basename="api-annotations")
router.register(
    "lead-scoring/rules", lead_scoring.ScoringRuleViewSet, basename="api-lead-scoring-rules"
)
router.register("plans/preview", plans.PlanPreviewViewSet, basename="api-plan-preview")
router.register("plans", plans.PlanViewSet, basename="api-plans")
router.register("benchmarks", planning.BenchmarkViewSet, basename="api-benchmarks")
router.register("imports", imports.ImportJobViewSet, basename="api-imports")
router.register("reports", reports.ReportViewSet, basename="api-reports")
router.register("digests", reports.DigestViewSet, basename="api-digests")
router.register("members", team.MemberViewSet, basename="api-members")
router.register("invitations", team.InvitationViewSet, basename="api-invitations")
router.register("tokens", team.TokenViewSet, basename="api-tokens")
router.register("audit", audit.AuditEventViewSet, basename="api-audit")
router.register("customers", customers.CustomerViewSet, basename="api-customers")
router.register("segments", segments.SegmentViewSet, basename="api-segments")

urlpatterns = [
    path("workspaces/", views.WorkspaceList.as_view(), name="api-workspaces"),
    path("workspaces/<slug:slug>/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    re_path(r"^[\s\S]*$", views.not_found),  # anything else under /api/v1/: a JSON 404, not a page
]
