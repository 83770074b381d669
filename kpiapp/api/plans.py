"""/api/v1/workspaces/<slug>/plans/: a quarter's plan backwards from a goal, with its computed
steps per channel, the targets it set and how they are pacing (PRODUCT.md, second round).

Viewers read (and may compute a what-if at `plans/preview/`), editors create and change. A
plan's values are in the API's units: rates and shares as fractions ("0.3" for 30 %), money in
major units, days as days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.api.errors import service_errors
from kpiapp.kpis.periods import Period, parse_period, today_in
from kpiapp.kpis.plan import GOAL_KINDS, PlanResult
from kpiapp.models import Plan
from kpiapp.plausibility import DATE_WINDOW, month_in_window
from kpiapp.selectors.plan_display import INPUT_UNITS, channel_display, mix_problem
from kpiapp.selectors.plans import basis_month_for, linked_targets, plan_pacing
from kpiapp.services.plans import CheckedPlan, incomplete, plan_check, plan_compute, plan_save

PLACES = {"money": 2, "rate": 6, "days": 2, "count": 0}


def _text(value: Any, unit: str = "count") -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    number = Fraction(value)
    exact = Decimal(number.numerator) / Decimal(number.denominator)
    return f"{exact:.{PLACES.get(unit, 6)}f}"


class PlanInputSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="the value the plan uses")
    trailing = serializers.CharField(allow_null=True, help_text="the team's last six months")
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    overridden = serializers.BooleanField()


class PlanStepSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="new_mrr, won, opportunities, sqls, leads, visits, spend, leads_due"
    )
    value = serializers.CharField(allow_null=True, help_text="null when it cannot be computed")
    formula = serializers.CharField(help_text="the arithmetic with the numbers used")
    input = serializers.CharField(allow_blank=True, help_text="the input it divides by")
    reason = serializers.CharField(allow_blank=True, help_text="why it cannot be computed")


class PlanChannelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    share = serializers.CharField()
    trailing_share = serializers.CharField()
    share_overridden = serializers.BooleanField()
    inputs = PlanInputSerializer(many=True)
    steps = PlanStepSerializer(many=True)


class PlanTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kpi = serializers.CharField()
    dimension = serializers.CharField(allow_blank=True)
    dimension_value = serializers.CharField(allow_blank=True)
    value = serializers.DecimalField(max_digits=24, decimal_places=6)
    current = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    of_due = serializers.CharField(
        allow_null=True, help_text="reached ÷ due by today (a fraction; 1 is on schedule)"
    )
    status = serializers.CharField(allow_null=True)


class PlanBottleneckSerializer(serializers.Serializer):
    step = serializers.CharField()
    channel = serializers.CharField()
    of_due = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, allow_null=True, help_text="null in a preview")
    quarter = serializers.RegexField(r"^\d{4}-Q[1-4]$", help_text="YYYY-Qn")
    goal_kind = serializers.ChoiceField(choices=list(GOAL_KINDS))
    goal_value = serializers.DecimalField(max_digits=24, decimal_places=2)
    shares = serializers.DictField(
        child=serializers.DecimalField(max_digits=8, decimal_places=6), required=False,
        default=dict, help_text="channel → its share of the goal (0.3); the rest follow the "
        "last six months' mix",
    )  # fmt: skip
    overrides = serializers.DictField(
        child=serializers.DictField(child=serializers.DecimalField(max_digits=24,
                                                                   decimal_places=6)),
        required=False, default=dict,
        help_text="channel → {input: assumed value}; inputs: mrr_per_deal, win_rate, "
        "sql_to_opportunity_rate, lead_to_sql_rate, visitor_to_lead_rate, cost_per_lead, "
        "sales_cycle_days",
    )  # fmt: skip
    window = serializers.CharField(read_only=True, help_text="the trailing months, YYYY-MM..")
    new_mrr_needed = serializers.CharField(read_only=True, allow_null=True)
    complete = serializers.BooleanField(read_only=True, help_text="whether it can be saved")
    problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    channels = PlanChannelSerializer(many=True, read_only=True)
    totals = serializers.DictField(child=serializers.CharField(allow_null=True), read_only=True)
    targets = PlanTargetSerializer(many=True, read_only=True)
    bottleneck = PlanBottleneckSerializer(read_only=True, allow_null=True)


def _channels(result: PlanResult, currency: str) -> list[dict[str, Any]]:
    channels = []
    for channel in result.channels:
        shown = channel_display(channel, result, currency)
        formulas = {row.key: (row.formula, row.reason) for row in shown.steps}
        channels.append(
            {
                "channel": channel.name,
                "share": _text(channel.share, "rate"),
                "trailing_share": _text(channel.trailing_share, "rate"),
                "share_overridden": channel.share_overridden,
                "inputs": [
                    {
                        "key": item.key,
                        "value": _text(item.value, _unit(item.key)),
                        "trailing": _text(item.source.value, _unit(item.key))
                        if item.source
                        else None,
                        "numerator": _text(item.source.numerator, "rate") if item.source else None,
                        "denominator": _text(item.source.denominator, "rate")
                        if item.source
                        else None,
                        "overridden": item.overridden,
                    }
                    for item in channel.inputs.values()
                ],
                "steps": [
                    {
                        "key": step.key,
                        "value": _text(step.value, "money" if step.key in ("new_mrr", "spend")
                                       else "count"),
                        "formula": formulas[step.key][0] if channel.planned else "",
                        "input": step.by,
                        "reason": formulas[step.key][1] if channel.planned else "",
                    }
                    for step in channel.steps.values()
                ],
            }
        )  # fmt: skip
    return channels


def _unit(key: str) -> str:
    return INPUT_UNITS[key]


def _body(
    *, plan: Plan | None, quarter: Period, checked: CheckedPlan, result: PlanResult, request
) -> dict[str, Any]:
    currency = request.workspace.currency
    body: dict[str, Any] = {
        "id": plan.pk if plan else None,
        "quarter": quarter.label,
        "goal_kind": checked.goal_kind,
        "goal_value": checked.goal_value,
        "shares": checked.shares,
        "overrides": checked.overrides,
        "window": f"{Period('month', result.basis.first_month).label}.."
        f"{Period('month', result.basis.last_month).label}",
        "new_mrr_needed": _text(result.goal.new_mrr, "money"),
        "complete": result.complete,
        "problems": [p for p in [mix_problem(result)] if p] + incomplete(result),
        "channels": _channels(result, currency),
        "totals": {
            key: _text(value, "money" if key in ("new_mrr", "spend") else "count")
            for key, value in result.totals.items()
        },
        "targets": [],
        "bottleneck": None,
    }
    if plan is not None:
        pacing = plan_pacing(plan, today_in(request.workspace.time_zone))
        by_target = {p.row.target.pk: p for p in pacing.by_step.values()}
        for target in linked_targets(plan):
            paced = by_target.get(target.pk)
            body["targets"].append(
                {
                    "id": target.pk, "kpi": target.kpi_key, "dimension": target.dimension,
                    "dimension_value": target.dimension_value, "value": target.value,
                    "current": paced.row.current if paced else None,
                    "of_due": _text(paced.of_due, "rate") if paced and paced.of_due is not None
                    else None,
                    "status": (paced.row.pacing.status or None)
                    if paced and paced.row.pacing else None,
                }
            )  # fmt: skip
        if pacing.bottleneck:
            step, channel, of_due = pacing.bottleneck
            body["bottleneck"] = {"step": step, "channel": channel, "of_due": _text(of_due, "rate")}
    return body


def _quarter(label: str) -> Period:
    try:
        grain: str
        grain, first = parse_period(label)
    except ValueError:
        grain, first = "", 0
    if grain != "quarter":
        raise exceptions.ValidationError({"quarter": [_("Write the quarter as YYYY-Qn.")]})
    if not month_in_window(first):
        raise exceptions.ValidationError({"quarter": [str(DATE_WINDOW)]})
    return Period("quarter", first)


def _checked(data: dict[str, Any]) -> CheckedPlan:
    checked, errors = plan_check(
        goal_kind=data["goal_kind"], goal_value=data["goal_value"],
        shares={k: str(v) for k, v in data.get("shares", {}).items()},
        overrides={c: {k: str(v) for k, v in given.items()}
                   for c, given in data.get("overrides", {}).items()},
    )  # fmt: skip
    if errors or checked is None:
        raise exceptions.ValidationError(errors)
    return checked


def _stored(plan: Plan) -> CheckedPlan:
    return CheckedPlan(plan.goal_kind, plan.goal_value, dict(plan.shares), dict(plan.overrides))


class PlanViewSet(WorkspaceViewSet):
    """Quarterly plans: list, read, create (one per quarter), change. Saving sets the targets
    of the steps (leads, SQLs, opportunities, won deals, spend per channel and the new MRR),
    each linked to the plan; a plan that cannot be computed (a rate of 0, a channel without
    figures and no assumed value) is refused with the reasons."""

    serializer_class = PlanSerializer
    pagination_class = None  # one plan per quarter

    def scoped_queryset(self) -> QuerySet:
        return Plan.objects.order_by("-quarter_start")

    def _answer(self, plan: Plan, code: int = status.HTTP_200_OK) -> Response:
        quarter = Period.of_start("quarter", plan.quarter_start)
        checked = _stored(plan)
        result = plan_compute(checked, quarter, plan.basis_month)
        body = _body(plan=plan, quarter=quarter, checked=checked, result=result,
                     request=self.request)  # fmt: skip
        return Response(PlanSerializer(body).data, status=code)

    @extend_schema(responses=PlanSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response([self._answer(plan).data for plan in self.get_queryset()])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_queryset().filter(pk=_pk(kwargs.get("pk"))).first()
        if plan is None:
            raise exceptions.NotFound()
        return self._answer(plan)

    @extend_schema(request=PlanSerializer, responses={201: PlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = PlanSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        quarter = _quarter(given.validated_data["quarter"])
        checked = _checked(given.validated_data)
        try:
            plan = plan_save(membership=self.membership, quarter=quarter, checked=checked,
                             today=today_in(self.workspace.time_zone))  # fmt: skip
        except DjangoValidationError as error:
            raise service_errors(error) from None
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_queryset().filter(pk=_pk(kwargs.get("pk"))).first()
        if plan is None:
            raise exceptions.NotFound()
        quarter = Period.of_start("quarter", plan.quarter_start)
        stored = {"quarter": quarter.label, "goal_kind": plan.goal_kind,
                  "goal_value": plan.goal_value, "shares": plan.shares,
                  "overrides": plan.overrides}  # fmt: skip
        data = {**stored, **request.data} if kwargs.get("partial") else request.data
        given = PlanSerializer(data=data)
        given.is_valid(raise_exception=True)
        if given.validated_data["quarter"] != quarter.label:
            raise exceptions.ValidationError(
                {"quarter": [_("A plan stays in its quarter; make a new plan for another.")]}
            )
        checked = _checked(given.validated_data)
        try:
            plan_save(membership=self.membership, quarter=quarter, checked=checked,
                      today=today_in(self.workspace.time_zone), plan=plan)  # fmt: skip
        except DjangoValidationError as error:
            raise service_errors(error) from None
        plan.refresh_from_db()
        return self._answer(plan)

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


class PlanPreviewViewSet(WorkspaceViewSet):
    """POST a plan's goal and assumptions to see its steps without saving anything (a
    what-if); viewers may, since nothing is written."""

    serializer_class = PlanSerializer
    write_role = Role.VIEWER
    pagination_class = None

    def scoped_queryset(self) -> QuerySet:
        return Plan.objects.none()

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = PlanSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        quarter = _quarter(given.validated_data["quarter"])
        checked = _checked(given.validated_data)
        plan = Plan.objects.filter(quarter_start=quarter.start).first()
        today = today_in(self.workspace.time_zone)
        basis_month = plan.basis_month if plan else basis_month_for(quarter, today)
        result = plan_compute(checked, quarter, basis_month)
        body = _body(plan=None, quarter=quarter, checked=checked, result=result, request=request)
        return Response(PlanSerializer(body).data)


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.NotFound() from None
