from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from accounts.views.workspaces import home, workspace_create
from kpiapp.views import dashboard

kpiapp_patterns = (
    [
        path("", dashboard.dashboard, name="dashboard"),
    ],
    "kpiapp",
)

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("workspaces/new/", workspace_create, name="workspace_create"),
    path("w/<slug:slug>/", include(kpiapp_patterns)),
    path("w/<slug:slug>/settings/", include("accounts.settings_urls")),
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
