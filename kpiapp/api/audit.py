"""`audit/`: the workspace's audit log, read-only, for owners and admins (filters as on the
page: `action`, `actor`, `since`, `until`; newest first, paginated).

`action`, `object_type` and `detail` are the raw record for scripts: the action key, and the
detail as stored (field names, codes, KPI keys, plain decimals, ISO times). `description` is
the same event in words, in the reader's language, as the audit page shows it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import capfirst

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers

from accounts.models import AuditEvent
from accounts.roles import Role
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.selectors.audit import AuditEventFilter
from kpiapp.selectors.audit_text import AuditPresenter


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    description = serializers.SerializerMethodField(
        help_text="The event in words, in the reader's language (action, object, details)."
    )
    detail = serializers.JSONField(
        source="data",
        read_only=True,
        help_text="The raw detail as stored: field names, codes, KPI keys, decimals, ISO times.",
    )

    def get_description(self, event: AuditEvent) -> str:
        presenter = self.context.get("audit_presenter")
        if presenter is None:
            presenter = self.context["audit_presenter"] = AuditPresenter(
                self.context["request"].workspace
            )
        return capfirst(presenter.present(event).text)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "description",
            "object_type",
            "subject",
            "detail",
            "ip_address",
        ]
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """Owners and admins read who changed what; nobody writes it through the API."""

    serializer_class = AuditEventSerializer
    read_role = Role.ADMIN
    write_role = Role.ADMIN  # no write method exists: POST answers 405 (403 below admin)
    http_method_names = ["get", "head", "options"]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilter

    def scoped_queryset(self) -> QuerySet:
        return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
