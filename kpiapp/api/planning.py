"""Targets (with progress and pacing, as on the targets page) and benchmarks (the library the
workspace is judged by, and the team's own)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kpiapp.api.base import WorkspaceViewSet
from kpiapp.kpis import forecast as fc
from kpiapp.kpis.periods import Period, month_index, parse_period, today_in
from kpiapp.kpis.target_rules import DEFAULT_RATE_BASIS, QUARTER_VALUE
from kpiapp.models import Target, TeamBenchmark
from kpiapp.plausibility import DATE_WINDOW, month_in_window
from kpiapp.selectors.benchmarks import library_overview
from kpiapp.selectors.targets import TargetRow, kpi_facts, targets_of_quarter
from kpiapp.services.benchmarks import team_benchmark_delete, team_benchmark_set
from kpiapp.services.targets import target_remove, target_set


def _fraction(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value.numerator) / Decimal(value.denominator):.6f}"


class MilestoneSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM: the month we are in (or the quarter's last)")
    value = serializers.CharField(help_text="where the KPI should stand at that month's end")


class ForecastSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="the value expected at the quarter's end")
    method = serializers.CharField(help_text="trend, pipeline, so_far or actual (quarter over)")
    low = serializers.CharField()
    high = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    """Values in the KPI's own unit: rates as fractions ("0.025" for 2.5 %), money in major
    units. Progress, expected and projection are fractions of the target or values; status is
    on_track, at_risk, off_track (or null: neutral KPIs, quarters not begun)."""

    id = serializers.IntegerField(read_only=True)
    kpi = serializers.CharField()
    quarter = serializers.RegexField(r"^\d{4}-Q[1-4]$", help_text="YYYY-Qn")
    dimension = serializers.CharField(required=False, allow_blank=True, default="")
    dimension_value = serializers.CharField(required=False, allow_blank=True, default="")
    value = serializers.DecimalField(max_digits=24, decimal_places=6)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    current = serializers.DecimalField(
        max_digits=24, decimal_places=6, read_only=True, allow_null=True
    )
    progress = serializers.CharField(read_only=True, allow_null=True)
    expected = serializers.CharField(read_only=True, allow_null=True)
    projection = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True, allow_null=True)
    measured_on = serializers.ChoiceField(
        choices=["quarter_end", "quarter_sum", "quarter_value", "monthly_mean"], required=False,
        help_text="stocks: quarter_end, flows: quarter_sum; rates, ratios and means: "
        "quarter_value or monthly_mean (the default)",
    )  # fmt: skip
    statement = serializers.CharField(read_only=True, help_text="how the target is judged")
    milestone = MilestoneSerializer(read_only=True, allow_null=True)
    forecast = ForecastSerializer(read_only=True, allow_null=True)
    forecast_reason = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="why there is no forecast (too little history, …)",
    )
    forecasts = ForecastSerializer(read_only=True, many=True, help_text="trend and pipeline")
    confirm = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="set a target that is already met on the quarter's first day or more than "
        "10× away from the current value",
    )  # fmt: skip


def _forecast(outcome: fc.Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    if isinstance(outcome, fc.NoForecast):
        return None
    return {"value": f"{outcome.value:.6f}", "method": outcome.method,
            "low": f"{outcome.low:.6f}", "high": f"{outcome.high:.6f}"}  # fmt: skip


def _row(row: TargetRow, currency: str) -> dict[str, Any]:
    t, pacing = row.target, row.pacing
    return {
        "id": t.pk,
        "kpi": t.kpi_key,
        "quarter": Period.of_start("quarter", t.quarter_start).label,
        "dimension": t.dimension,
        "dimension_value": t.dimension_value,
        "value": t.value,
        "note": t.note,
        "current": row.current,
        "progress": _fraction(pacing.progress) if pacing else None,
        "expected": _fraction(pacing.expected) if pacing else None,
        "projection": _fraction(pacing.projection) if pacing else None,
        "status": (pacing.status or None) if pacing else None,
        "measured_on": row.measured_on,
        "statement": row.statement(currency),
        "milestone": {"month": row.milestone_month.label, "value": _fraction(row.milestone)}
        if row.milestone is not None and row.milestone_month is not None
        else None,
        "forecast": _forecast(row.forecast),
        "forecast_reason": row.forecast_reason or None,
        "forecasts": [f for o in row.forecasts if (f := _forecast(o)) is not None],
    }


def _basis(measured_on: str | None) -> str:
    return QUARTER_VALUE if measured_on == QUARTER_VALUE else DEFAULT_RATE_BASIS


class TargetViewSet(mixins.DestroyModelMixin, WorkspaceViewSet):
    """Quarterly targets: list a quarter's with their progress, set (or change) one, remove
    one. Every change is recorded in the targets' history."""

    serializer_class = TargetSerializer
    pagination_class = None  # a quarter's targets at once

    def scoped_queryset(self) -> QuerySet:
        return Target.objects.order_by("quarter_start", "kpi_key", "pk")

    def _quarter(self, label: str | None) -> Period:
        today = today_in(self.workspace.time_zone)
        if not label:
            return Period.containing("quarter", month_index(today))
        try:
            grain, first = parse_period(label)
        except ValueError:
            grain = None
        if grain != "quarter":
            raise exceptions.ValidationError({"quarter": [_("Write the quarter as YYYY-Qn.")]})
        if not month_in_window(first):
            raise exceptions.ValidationError({"quarter": [str(DATE_WINDOW)]})
        return Period("quarter", first)

    @extend_schema(
        parameters=[
            OpenApiParameter("quarter", str, description="YYYY-Qn; default: the current quarter")
        ],
        responses=TargetSerializer(many=True),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self._rows(self._quarter(request.query_params.get("quarter")))
        currency = self.workspace.currency
        return Response(TargetSerializer([_row(r, currency) for r in rows], many=True).data)

    def _rows(self, quarter: Period) -> Sequence[TargetRow]:  # `list` is a handler in here
        today = today_in(self.workspace.time_zone)
        return targets_of_quarter(quarter=quarter, today=today, facts=kpi_facts())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = TargetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        quarter = self._quarter(data["quarter"])
        target = target_set(
            membership=self.membership,
            kpi_key=data["kpi"],
            quarter=quarter,
            value=data["value"],
            dimension=data["dimension"],
            dimension_value=data["dimension_value"],
            note=data["note"],
            rate_basis=_basis(data.get("measured_on")),
            confirmed=data["confirm"],
        )
        row = next(r for r in self._rows(quarter) if r.target.pk == target.pk)
        data = TargetSerializer(_row(row, self.workspace.currency)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Target) -> None:
        target_remove(membership=self.membership, target=instance)


class BenchmarkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, allow_null=True, help_text="team rows only")
    kpi = serializers.CharField()
    grain = serializers.ChoiceField(choices=["month", "quarter", "year"])
    segment = serializers.CharField(read_only=True)
    form = serializers.ChoiceField(choices=["point", "band", "at_least", "at_most"])
    low = serializers.DecimalField(max_digits=24, decimal_places=6)
    high = serializers.DecimalField(
        max_digits=24, decimal_places=6, required=False, allow_null=True, default=None
    )
    # DRF's metaclass takes declared fields off the class: this is not `Field.source`.
    source = serializers.CharField(max_length=300)  # type: ignore[assignment]  # a field
    # Library notes run longer than a team's (at most 300 characters, checked by the model).
    note = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True, help_text="the source's public address, if any")
    source_label = serializers.CharField(
        read_only=True,
        help_text="primary, primary copy, secondary or seed article; empty for team rows",
    )
    in_use = serializers.BooleanField(read_only=True, help_text="judges the workspace's KPI")


class BenchmarkViewSet(mixins.DestroyModelMixin, WorkspaceViewSet):
    """The built-in library (BENCHMARKS.md) with the team's own rows, which win over it."""

    serializer_class = BenchmarkSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet:
        return TeamBenchmark.objects.order_by("kpi_key", "grain", "pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team_ids = {(t.kpi_key, t.grain): t.pk for t in TeamBenchmark.objects.all()}
        rows = [
            {
                "id": team_ids.get((r.row.key, r.row.grain)) if r.row.segment == "team" else None,
                "kpi": r.row.key,
                "grain": r.row.grain,
                "segment": r.row.segment,
                "form": r.row.form,
                "low": r.row.low,
                "high": r.row.high,
                "source": r.row.source,
                "note": str(r.row.note),
                "in_use": r.in_use,
                "year": r.row.year,
                "url": r.row.url,
                "source_label": r.row.label,
            }
            for r in library_overview(segment=self.workspace.benchmark_segment)
        ]
        return Response(BenchmarkSerializer(rows, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = BenchmarkSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        row = team_benchmark_set(
            membership=self.membership,
            kpi_key=data["kpi"],
            grain=data["grain"],
            form=data["form"],
            low=data["low"],
            high=data["high"],
            source=data["source"],
            note=data["note"],
        )
        body = {
            "id": row.pk,
            "kpi": row.kpi_key,
            "grain": row.grain,
            "segment": "team",
            "form": row.form,
            "low": row.low,
            "high": row.high,
            "source": row.source,
            "note": row.note,
            "in_use": True,
        }
        return Response(BenchmarkSerializer(body).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: TeamBenchmark) -> None:
        team_benchmark_delete(membership=self.membership, benchmark=instance)
