from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView, TemplateView

from accounts.views.workspaces import home, workspace_create
from kpiapp.data_kinds import DataKindConverter
from kpiapp.ops import health, metrics
from kpiapp.views import (
    aarrr,
    alerts,
    analysis,
    annotations,
    attribution,
    audit,
    benchmarks,
    customers,
    dashboard,
    dashboards,
    data,
    digests,
    imports,
    kpis,
    lead_scoring,
    live,
    plan,
    reports,
    segments,
    share,
    targets,
    workspace_export,
)

register_converter(DataKindConverter, "kind")

kpiapp_patterns = (
    [
        path("", dashboard.dashboard, name="dashboard"),
        path("tiles/", dashboard.pin_tiles, name="pin_tiles"),
        path("dashboards/", dashboards.dashboard_list, name="dashboards"),
        path("dashboards/<int:dashboard_id>/", dashboard.dashboard_page, name="dashboard_page"),
        path(
            "dashboards/<int:dashboard_id>/edit/",
            dashboards.dashboard_edit,
            name="dashboard_edit",
        ),
        path(
            "dashboards/<int:dashboard_id>/delete/",
            dashboards.dashboard_delete,
            name="dashboard_delete",
        ),
        path("segments/", segments.segment_list, name="segments"),
        path("segments/<int:segment_id>/delete/", segments.segment_remove, name="segment_delete"),
        path("live/", live.live, name="live"),
        path("mrr/", analysis.movements, name="mrr"),
        path("funnel/", analysis.funnel_page, name="funnel"),
        path("cohorts/", analysis.cohort_page, name="cohorts"),
        path("aarrr/", aarrr.aarrr_page, name="aarrr"),
        path("customers/", customers.customer_list, name="customers"),
        path("customers/export.csv", customers.customer_export, name="customers_export"),
        path("customers/<int:pk>/", customers.customer_page, name="customer"),
        path("attribution/", attribution.attribution_page, name="attribution"),
        path(
            "attribution/journeys/<int:account_id>/",
            attribution.journey_page,
            name="attribution_journey",
        ),
        path("benchmarks/", benchmarks.benchmarks, name="benchmarks"),
        path("kpis/", kpis.kpi_catalogue, name="kpis"),
        path("kpis/custom/new/", kpis.custom_kpi_new, name="custom_kpi_new"),
        path("kpis/<str:key>/", kpis.kpi_detail, name="kpi"),
        path("kpis/<str:key>/edit/", kpis.custom_kpi_edit, name="custom_kpi_edit"),
        path("kpis/<str:key>/records/", kpis.kpi_records, name="kpi_records"),
        path("targets/", targets.targets, name="targets"),
        path("alerts/", alerts.alerts, name="alerts"),
        path("annotations/", annotations.annotation_list, name="annotations"),
        path(
            "annotations/<int:annotation_id>/edit/",
            annotations.annotation_edit,
            name="annotation_edit",
        ),
        path("leads/scoring/", lead_scoring.lead_scoring, name="lead_scoring"),
        path("plan/", plan.plan_page, name="plan"),
        path("reports/", reports.report_list, name="reports"),
        path("reports/new/", reports.report_new, name="report_new"),
        path("reports/<int:report_id>/", reports.report_page, name="report"),
        path("reports/<int:report_id>/edit/", reports.report_edit, name="report_edit"),
        path("reports/<int:report_id>/delete/", reports.report_delete_view, name="report_delete"),
        path(
            "reports/<int:report_id>/duplicate/",
            reports.report_duplicate_view,
            name="report_duplicate",
        ),
        path("reports/<int:report_id>/comments/", reports.comment_post, name="report_comment"),
        path(
            "reports/<int:report_id>/comments/<int:comment_id>/delete/",
            reports.comment_remove,
            name="report_comment_delete",
        ),
        path("reports/<int:report_id>/digest/", reports.digest_post, name="report_digest"),
        path("reports/<int:report_id>/export.csv", reports.export_csv, name="report_csv"),
        path("reports/<int:report_id>/export.pdf", reports.export_pdf, name="report_pdf"),
        path("reports/<int:report_id>/share-links/", reports.share_links_page, name="share_links"),
        path(
            "reports/<int:report_id>/share-links/<int:link_id>/revoke/",
            reports.share_link_revoke_view,
            name="share_link_revoke",
        ),
        path("settings/audit/", audit.audit_log, name="audit_log"),
        path("settings/audit/export.csv", audit.audit_log_csv, name="audit_log_csv"),
        path("settings/export/", workspace_export.export_page, name="workspace_export"),
        path(
            "settings/export/start/", workspace_export.export_start, name="workspace_export_start"
        ),
        path(
            "settings/export/<int:export_id>/status/",
            workspace_export.export_status_json,
            name="workspace_export_status",
        ),
        path(
            "settings/export/<int:export_id>/download/",
            workspace_export.export_download,
            name="workspace_export_download",
        ),
        path("data/", data.index, name="data"),
        path("data/<kind:kind>/", data.record_list_page, name="records"),
        path("data/<kind:kind>/new/", data.record_create, name="record_create"),
        path("data/<kind:kind>/export.csv", data.record_export, name="records_export"),
        path("data/<kind:kind>/<int:pk>/", data.record_detail, name="record"),
        path("data/<kind:kind>/<int:pk>/edit/", data.record_edit, name="record_edit"),
        path("data/<kind:kind>/<int:pk>/delete/", data.record_delete_view, name="record_delete"),
        path("data/<kind:kind>/import/", imports.upload, name="import"),
        path("data/<kind:kind>/import/<int:job_id>/", imports.job_page, name="import_job"),
        path("data/<kind:kind>/import/<int:job_id>/start/", imports.job_start, name="import_start"),
        path("data/<kind:kind>/import/<int:job_id>/retry/", imports.job_retry, name="import_retry"),
        path(
            "data/<kind:kind>/import/<int:job_id>/status/", imports.job_status, name="import_status"
        ),
    ],
    "kpiapp",
)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("workspaces/new/", workspace_create, name="workspace_create"),
    path("w/<slug:slug>/", include(kpiapp_patterns)),
    path("w/<slug:slug>/settings/", include("accounts.settings_urls")),
    path("api/v1/", include("kpiapp.api.urls")),
    path("digests/unsubscribe/<str:token>/", digests.unsubscribe, name="digest_unsubscribe"),
    path("share/<str:token>/", share.shared_report, name="share"),
    path("share/<str:token>/export.csv", share.shared_csv, name="share_csv"),
    path("share/<str:token>/export.pdf", share.shared_pdf, name="share_pdf"),
    path("share/<str:token>/kpis/<str:key>/records/", share.shared_records, name="share_records"),
    path(
        "legal/impressum/",
        TemplateView.as_view(template_name="legal/impressum.html"),
        name="impressum",
    ),
    path(
        "legal/datenschutz/",
        TemplateView.as_view(template_name="legal/datenschutz.html"),
        name="datenschutz",
    ),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg")),
    path("admin/", admin.site.urls),
]
