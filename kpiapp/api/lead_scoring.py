"""Lead scoring in the API: `lead-scoring/rules/` (viewers read; editors create, change and
delete), and the leads' `score` with its `score_reasons` (read-only, on `leads/`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.kpis.lead_scoring import Score
from kpiapp.kpis.periods import today_in
from kpiapp.models import Lead, LeadScoringRule
from kpiapp.selectors.lead_scoring import lead_scores, scoring_rules
from kpiapp.services.lead_scoring import (
    FIELDS,
    scoring_rule_create,
    scoring_rule_delete,
    scoring_rule_update,
)


class ScoringRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadScoringRule
        fields = ["id", *FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]


class ScoreReasonSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id")
    label = serializers.CharField()  # type: ignore[assignment]  # DRF collects it as a field
    points = serializers.IntegerField()


class ScoringRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """The rules the leads' scores are made of: fit (industry, company size, country) and
    engagement (touchpoints in the last 30 days, a touchpoint of a type), each with points
    between -100 and 100."""

    serializer_class = ScoringRuleSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet:
        return LeadScoringRule.objects.order_by("kind", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ScoringRuleSerializer(scoring_rules(), many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ScoringRuleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rule = scoring_rule_create(membership=self.membership, values=dict(given.validated_data))
        return Response(ScoringRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        partial = kwargs.pop("partial", False)
        given = ScoringRuleSerializer(rule, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        values = {name: getattr(rule, name) for name in FIELDS}
        values.update(given.validated_data)
        rule = scoring_rule_update(membership=self.membership, rule=rule, values=values)
        return Response(ScoringRuleSerializer(rule).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance: LeadScoringRule) -> None:
        scoring_rule_delete(membership=self.membership, rule=instance)


# The read-only `score` and `score_reasons` of a lead, read from the scores the viewset computed
# for the leads it answers with (context["scores"]). No docstring: the schema would show it.
class _ScoreFields(serializers.Serializer):
    score = serializers.SerializerMethodField()
    score_reasons = serializers.SerializerMethodField()

    def _score(self, lead: Lead) -> Score | None:
        return self.context.get("scores", {}).get(lead.pk)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_score(self, lead: Lead) -> int | None:
        score = self._score(lead)
        return score.score if score else None

    @extend_schema_field(ScoreReasonSerializer(many=True))
    def get_score_reasons(self, lead: Lead) -> Any:
        score = self._score(lead)
        return ScoreReasonSerializer(score.reasons if score else [], many=True).data


def scored_lead_serializer(
    base: type[serializers.ModelSerializer],
) -> type[serializers.ModelSerializer]:
    """The leads' record serializer (`base`, made at run time) with `score` and
    `score_reasons`."""
    meta = type(
        "Meta",
        (base.Meta,),
        {
            "fields": [*base.Meta.fields, "score", "score_reasons"],
            "read_only_fields": [
                *getattr(base.Meta, "read_only_fields", []),
                "score",
                "score_reasons",
            ],
        },
    )
    return type("LeadSerializer", (_ScoreFields, base), {"Meta": meta})


class LeadScoresMixin(WorkspaceViewSet):
    """Computes the scores of the leads a response carries, in a few queries per response."""

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        instance = args[0] if args else None
        if instance is not None:
            leads = list(instance) if kwargs.get("many") else [instance]
            leads = [lead for lead in leads if isinstance(lead, Lead)]
            self._scores = lead_scores(leads, today_in(self.workspace.time_zone))
        return super().get_serializer(*args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        return {**context, "scores": getattr(self, "_scores", {})}
