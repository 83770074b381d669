"""What the API answers: records as the data pages show them (money in major units as decimal
strings, relations as ids), the workspaces, the KPI catalogue and a KPI's series."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Workspace
from kpiapp.data_kinds import DataKind
from kpiapp.models import Campaign, Channel, CustomKpi, DealStageChange
from kpiapp.models.money import major_units


@extend_schema_field(
    {"type": "string", "format": "decimal", "nullable": True, "example": "1234.50"}
)
class MajorUnits(serializers.Field):
    """Cents stored, major units shown and taken: 123450 <-> "1234.50". (Writes are checked
    by the record's form, which takes the same major units.)"""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, cents: int | None) -> str | None:
        return None if cents is None else f"{major_units(cents):.2f}"

    def to_internal_value(self, data: object) -> Decimal:
        return Decimal(str(data))


def record_serializer(kind: DataKind) -> type[serializers.ModelSerializer]:
    """A record of `kind` with the fields its form edits (money as `amount`, not cents)."""
    money = kind.form.money_fields
    attrs: dict[str, Any] = {name: MajorUnits(source=column) for name, column in money.items()}
    meta = type(
        "Meta",
        (),
        {"model": kind.model, "fields": ["id", *kind.form_fields], "read_only_fields": ["id"]},
    )
    name = f"{kind.model.__name__}Serializer"
    return type(name, (serializers.ModelSerializer,), {**attrs, "Meta": meta})


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = [
            "slug",
            "name",
            "currency",
            "language",
            "time_zone",
            "activation_days",
            "referral_channel",
            "role",
        ]

    def get_role(self, workspace: Workspace) -> str:
        return self.context["roles"][workspace.pk]


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "name"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "channel"]


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.EmailField(source="changed_by.email", allow_null=True, default=None)

    class Meta:
        model = DealStageChange
        fields = ["id", "changed_at", "from_stage", "to_stage", "changed_by"]


class CustomKpiSerializer(serializers.ModelSerializer):
    key = serializers.RegexField(r"^custom_[a-z0-9_]+$", max_length=60, required=False)

    class Meta:
        model = CustomKpi
        fields = ["key", "name", "unit", "direction", "aggregation"]


class KpiSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.CharField()
    direction = serializers.CharField()
    dimensions = serializers.ListField(child=serializers.CharField())
    definition = serializers.CharField()


class PointSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM, YYYY-Qn or YYYY")
    dimension = serializers.CharField(allow_null=True)
    dimension_value = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True, help_text="A decimal string, or null")
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why the value is null")
    # DRF's metaclass takes declared fields off the class: this is not `Serializer.partial`.
    partial = serializers.BooleanField(  # type: ignore[assignment]  # a field
        help_text="The period is not over yet"
    )


class SeriesSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    grain = serializers.ChoiceField(choices=["month", "quarter", "year"])
    unit = serializers.CharField()
    currency = serializers.CharField()
    points = PointSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
