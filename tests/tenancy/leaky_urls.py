"""The app's addresses plus one API view that fails with an exception DRF does not handle."""

from django.urls import include, path

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.models import KpiSnapshot


class FailingViewSet(WorkspaceViewSet):
    def list(self, request: Request, slug: str) -> Response:
        KpiSnapshot.objects.count()  # inside the scope, as every handler
        raise RuntimeError("a bug in a handler")


router = SimpleRouter()
router.register("failing", FailingViewSet, basename="failing")

urlpatterns = [
    path("api/v1/workspaces/<slug:slug>/", include(router.urls)),
    path("", include("kpiapp.urls")),
]
