"""`annotations/`: the workspace's annotations (a date, a text, optionally a KPI), oldest
first. Viewers read them; editors add, change and delete them. Filters: `kpi` (that KPI's
and those for every chart), `since` and `until` (dates, inclusive)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.models import Annotation
from kpiapp.services.annotations import annotation_create, annotation_delete, annotation_update


class AnnotationSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="day")
    kpi_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="A KPI's key, or empty for an annotation on every chart.",
    )
    created_by = serializers.EmailField(source="created_by.email", read_only=True, default=None)

    class Meta:
        model = Annotation
        fields = ["id", "date", "text", "kpi_key", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        # Length and blank text: the service says it in words, as on the page.
        extra_kwargs = {"text": {"max_length": None, "allow_blank": True}}


class AnnotationFilter(django_filters.FilterSet):
    kpi = django_filters.CharFilter(
        method="of_kpi",
        label=_("KPI"),
        help_text="A KPI's key: its annotations and those for every chart.",
    )
    since = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From"))
    until = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = Annotation
        fields: list[str] = []

    def of_kpi(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(kpi_key="") | Q(kpi_key=value))


class AnnotationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    serializer_class = AnnotationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AnnotationFilter

    def scoped_queryset(self) -> QuerySet:
        return Annotation.objects.select_related("created_by").order_by("day", "id")

    def _values(self, request: Request, *, partial: bool, instance: Annotation | None) -> dict:
        given = AnnotationSerializer(instance, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        return {
            "day": data.get("day", instance.day if instance else None),
            "text": data.get("text", instance.text if instance else ""),
            "kpi_key": data.get("kpi_key", instance.kpi_key if instance else ""),
        }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._values(request, partial=False, instance=None)
        note = annotation_create(membership=self.membership, **values)
        return Response(AnnotationSerializer(note).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        note = self.get_object()
        values = self._values(request, partial=kwargs.get("partial", False), instance=note)
        note = annotation_update(membership=self.membership, annotation=note, **values)
        return Response(AnnotationSerializer(note).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance: Annotation) -> None:
        annotation_delete(membership=self.membership, annotation=instance)
