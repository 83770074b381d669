"""Saved segments in the API: `segments/`. Everyone reads them; editors create and delete
them (a change is a new segment). `conditions` is a list of {dimension, value} with the
dimension among plan, country, channel and campaign; `segment` is the same as the address's
`?segment=` carries it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.kpis.segments import SEGMENT_DIMENSIONS, Condition, segment_text
from kpiapp.models import Segment
from kpiapp.services.segments import segment_create, segment_delete


class ConditionSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=SEGMENT_DIMENSIONS)
    value = serializers.CharField(max_length=200)


class SegmentSerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True)
    segment = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = Segment
        fields = ["id", "name", "conditions", "segment", "created_at"]
        read_only_fields = ["id", "segment", "created_at"]
        # The unique name is checked by the service, in the product's words.
        validators: list = []


class SegmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    serializer_class = SegmentSerializer

    def scoped_queryset(self) -> QuerySet:
        return Segment.objects.order_by("name", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = SegmentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        text = segment_text([Condition(c["dimension"], c["value"]) for c in data["conditions"]])
        segment = segment_create(membership=self.membership, name=data["name"], text=text)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Segment) -> None:
        segment_delete(membership=self.membership, segment=instance)
