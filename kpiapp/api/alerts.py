"""Alerts in the API: `alerts/` (the rules; editors create and delete them) and
`alerts/events/` (what fired, newest first). Values in the KPI's own unit, like targets:
money in major units, rates and changes as fractions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.models import AlertEvent, AlertRule
from kpiapp.services.alerts import alert_rule_create, alert_rule_delete


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "id", "kpi_key", "grain", "dimension", "dimension_value", "kind", "threshold",
            "change", "compare_with", "recipients", "webhook_url", "webhook_format", "active",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "active", "created_at"]


class AlertEventSerializer(serializers.ModelSerializer):
    kpi_key = serializers.CharField(source="rule.kpi_key", read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "rule", "kpi_key", "grain", "period_start", "condition", "value",
                  "reference", "fired_at"]  # fmt: skip


class AlertRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """The workspace's alerts; a change of a rule is a new rule (delete, then create)."""

    serializer_class = AlertRuleSerializer

    def scoped_queryset(self) -> QuerySet:
        return AlertRule.objects.order_by("kpi_key", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = AlertRuleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        rule = alert_rule_create(membership=self.membership, values=values)
        return Response(AlertRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: AlertRule) -> None:
        alert_rule_delete(membership=self.membership, rule=instance)


class AlertEventViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    serializer_class = AlertEventSerializer

    def scoped_queryset(self) -> QuerySet:
        return AlertEvent.objects.select_related("rule").order_by("-fired_at", "-id")
