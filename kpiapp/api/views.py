"""The REST API (PRODUCT.md, REST API): workspaces, the data kinds, channels, campaigns, custom
KPIs, the KPI catalogue and series. Reads use the scoped managers; writes go through the same
forms and services as the data pages, so both validate and recompute alike."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, mixins, serializers, status
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import memberships_of
from accounts.models import ApiToken, User, Workspace
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.api.errors import field_messages
from kpiapp.api.filters import IdFilter
from kpiapp.api.lead_scoring import LeadScoresMixin, scored_lead_serializer
from kpiapp.api.serializers import (
    CampaignSerializer,
    ChannelSerializer,
    CustomKpiSerializer,
    KpiSerializer,
    SeriesSerializer,
    StageChangeSerializer,
    WorkspaceSerializer,
    record_serializer,
)
from kpiapp.data_kinds import DATA_KINDS, DataKind
from kpiapp.models import Campaign, Channel, CustomKpi, CustomKpiValue
from kpiapp.selectors.kpi_lookup import workspace_kpi, workspace_kpis
from kpiapp.selectors.series import SeriesRequestError, kpi_series
from kpiapp.services.custom_kpis import custom_kpi_create, custom_kpi_delete
from kpiapp.services.records import RecordInUse, record_delete, record_save, records_save

BULK_LIMIT = 1000


class WorkspaceList(ListAPIView):
    """The caller's workspaces; with a token, only the token's."""

    serializer_class = WorkspaceSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Workspace]:
        user = self.request.user
        if not isinstance(user, User):  # IsAuthenticated has refused anonymous callers already
            raise exceptions.NotAuthenticated()
        memberships = memberships_of(user)
        if isinstance(self.request.auth, ApiToken):
            memberships = memberships.filter(workspace=self.request.auth.workspace)
        self._roles = dict(memberships.values_list("workspace_id", "role"))
        return Workspace.objects.filter(pk__in=self._roles).order_by("name")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "roles": getattr(self, "_roles", {})}


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request: Request) -> Response:
    return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)


def form_data(data: object) -> dict[str, str]:
    """A JSON record as a form's data: one value per field, as text ("" for null)."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    nested = [k for k, v in data.items() if isinstance(v, (list, dict))]
    if nested:
        message = _("Send one value, not a list or an object.")
        raise exceptions.ValidationError({k: [message] for k in nested})
    return {k: "" if v is None else str(v) for k, v in data.items()}


class RecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Records of one data kind. POST takes one record or a list of up to 1,000 (all or none);
    PUT replaces, PATCH changes the fields sent."""

    kind: DataKind
    serializer_class: type[serializers.ModelSerializer]  # record_serializer(kind)
    lookup_value_regex = r"\d+"
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]

    def scoped_queryset(self) -> QuerySet:
        return self.kind.model.objects.select_related(*self.kind.related).order_by(
            self.kind.default_sort, "pk"
        )

    def _form(self, data: dict, instance: Any, *, partial: bool = False) -> Any:
        values = {}
        if partial:  # the stored values, then what was sent
            unbound = self.kind.form(instance=instance, workspace=self.workspace)
            values = {name: unbound[name].value() for name in unbound.fields}
        values.update(form_data(data))
        values = self.kind.with_defaults(values, currency=self.workspace.currency)
        return self.kind.form(values, instance=instance, workspace=self.workspace)

    def _saved(self, form: Any) -> Any:
        if not form.is_valid():
            raise exceptions.ValidationError(field_messages(form.errors))
        return record_save(membership=self.membership, form=form)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = request.data if isinstance(request.data, list) else None
        if rows is None:
            record = self._saved(self._form(request.data, self.kind.model()))
            return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)
        if not 1 <= len(rows) <= BULK_LIMIT:
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        _("Send 1 to %(limit)s records at a time.") % {"limit": BULK_LIMIT}
                    ]
                }
            )
        forms = [self._form(row, self.kind.model()) for row in rows]
        errors = [
            {"index": i, "errors": field_messages(f.errors)}
            for i, f in enumerate(forms)
            if not f.is_valid()
        ]
        if errors:  # {"rows": [{"index": 3, "errors": {field: [message]}}]}, nothing saved
            return Response({"rows": errors}, status=status.HTTP_400_BAD_REQUEST)
        records = records_save(membership=self.membership, forms=forms)
        return Response(
            self.get_serializer(records, many=True).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        record = self._saved(self._form(request.data, self.get_object(), partial=partial))
        return Response(self.get_serializer(record).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance: Any) -> None:
        try:
            record_delete(membership=self.membership, record=instance)
        except RecordInUse as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from None


def _filterset(kind: DataKind, names: list[str]) -> type[django_filters.FilterSet]:
    """Exact filters; a relation filters by id (no choice list, which would read every row)."""
    fields = [kind.model._meta.get_field(name) for name in names]
    attrs: dict[str, Any] = {
        f.name: IdFilter(field_name=f"{f.name}_id") for f in fields if f.is_relation
    }
    meta = type(
        "Meta", (), {"model": kind.model, "fields": [f.name for f in fields if not f.is_relation]}
    )
    return type(
        f"{kind.model.__name__}Filter", (django_filters.FilterSet,), {**attrs, "Meta": meta}
    )


def _record_viewset(slug: str) -> type[RecordViewSet]:
    kind = DATA_KINDS[slug]
    model_fields = {f.name for f in kind.model._meta.get_fields()}
    extra = [name for name in ("account", "external_id", "kpi", "month") if name in model_fields]
    return type(
        f"{kind.model.__name__}ViewSet",
        (RecordViewSet,),
        {
            "kind": kind,
            "serializer_class": record_serializer(kind),
            "filterset_class": _filterset(kind, sorted({*kind.filters, *extra})),
            "search_fields": list(kind.search),
            "ordering_fields": sorted({s.lstrip("-") for s in kind.sorts}) or ["id"],
            "__doc__": f"{kind.label_plural}: list, read, create (one or many), change, delete.",
        },
    )


RECORD_VIEWSETS = {
    slug: _record_viewset(slug) for slug in DATA_KINDS if slug != "custom_kpi_values"
}

# Classes made at run time, as bases: the checker sees what they are made from.
if TYPE_CHECKING:
    _Deals = RecordViewSet
    _Leads = RecordViewSet
    _CustomValue = serializers.ModelSerializer
else:
    _Deals = RECORD_VIEWSETS["deals"]
    _Leads = RECORD_VIEWSETS["leads"]
    _CustomValue = record_serializer(DATA_KINDS["custom_kpi_values"])


class DealViewSet(_Deals):
    @extend_schema(responses=StageChangeSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="stage-history",
        pagination_class=None,
        filter_backends=[],
    )
    def stage_history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        changes = deal.stage_changes.select_related("changed_by").order_by("changed_at", "pk")
        return Response(StageChangeSerializer(changes, many=True).data)


RECORD_VIEWSETS["deals"] = DealViewSet


class LeadViewSet(LeadScoresMixin, _Leads):
    """Leads: list, read, create (one or many), change, delete; each with its lead score
    (`score`, 0-100, and `score_reasons`, the rules it meets), read-only."""

    serializer_class = scored_lead_serializer(RECORD_VIEWSETS["leads"].serializer_class)


RECORD_VIEWSETS["leads"] = LeadViewSet


class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Where leads, deals and spend come from (created by imports and the data pages)."""

    serializer_class = ChannelSerializer

    def scoped_queryset(self) -> QuerySet:
        return Channel.objects.order_by("name", "pk")


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    serializer_class = CampaignSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = type(
        "CampaignFilter",
        (django_filters.FilterSet,),
        {
            "channel": IdFilter(field_name="channel_id"),
            "Meta": type("Meta", (), {"model": Campaign, "fields": []}),
        },
    )

    def scoped_queryset(self) -> QuerySet:
        return Campaign.objects.order_by("name", "pk")


CUSTOM_VALUE_SERIALIZER = _CustomValue


class CustomKpiValueInputSerializer(_CustomValue):
    """What a client sends for a month's value: the KPI comes from the address."""

    class Meta(_CustomValue.Meta):
        read_only_fields = ["id", "kpi"]


class CustomKpiViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """The team's own KPIs; their values per month are under `…/values/`."""

    serializer_class = CustomKpiSerializer
    lookup_field = "key"
    lookup_value_regex = "custom_[a-z0-9_]+"

    def scoped_queryset(self) -> QuerySet:
        return CustomKpi.objects.order_by("name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kpi = custom_kpi_create(membership=self.membership, **serializer.validated_data)
        return Response(self.get_serializer(kpi).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: CustomKpi) -> None:
        custom_kpi_delete(membership=self.membership, kpi=instance)

    @extend_schema(methods=["GET"], responses=CUSTOM_VALUE_SERIALIZER(many=True))
    @extend_schema(
        methods=["POST"],
        request=CustomKpiValueInputSerializer,
        responses={201: CUSTOM_VALUE_SERIALIZER},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpi = self.get_object()
        kind = DATA_KINDS["custom_kpi_values"]
        output = CUSTOM_VALUE_SERIALIZER
        if request.method == "GET":
            page = self.paginate_queryset(CustomKpiValue.objects.filter(kpi=kpi).order_by("month"))
            return self.get_paginated_response(output(page, many=True).data)
        values = {**form_data(request.data), "kpi": str(kpi.pk)}
        form = kind.form(values, instance=kind.model(), workspace=self.workspace)
        if not form.is_valid():
            raise exceptions.ValidationError(field_messages(form.errors))
        record = record_save(membership=self.membership, form=form)
        return Response(output(record).data, status=status.HTTP_201_CREATED)


class KpiViewSet(WorkspaceViewSet):
    """The KPI catalogue (built-in and custom) and each KPI's series."""

    serializer_class = KpiSerializer
    lookup_field = "key"
    pagination_class = None

    def scoped_queryset(self) -> QuerySet:
        return CustomKpi.objects.none()  # the catalogue is not a table

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(KpiSerializer(workspace_kpis(), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, required=True, description="YYYY-MM, YYYY-Qn or YYYY"),
            OpenApiParameter("end", str, required=True, description="YYYY-MM, YYYY-Qn or YYYY"),
            OpenApiParameter("grain", str, enum=["month", "quarter", "year"]),
            OpenApiParameter("dimension", str, description="e.g. channel; none: the totals"),
            OpenApiParameter(
                "model",
                str,
                enum=["first_touch", "last_touch", "linear", "position_based"],
                description="attribution model of customers_new_attributed and "
                "mrr_new_attributed (default linear)",
            ),
        ],
        responses={200: SeriesSerializer, 304: None},
    )
    @action(detail=True, methods=["get"])
    def series(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = kwargs["key"]
        if workspace_kpi(key) is None:
            raise Http404(_("There is no such KPI."))
        missing = [name for name in ("start", "end") if not request.query_params.get(name)]
        if missing:
            raise exceptions.ValidationError(
                {name: [_("This parameter is required.")] for name in missing}
            )
        try:
            body = kpi_series(
                workspace=self.workspace,
                key=key,
                start=request.query_params["start"],
                end=request.query_params["end"],
                grain=request.query_params.get("grain") or "month",
                dimension=request.query_params.get("dimension") or None,
                model=request.query_params.get("model") or None,
            )
        except SeriesRequestError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from None
        etag = (
            '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        )
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag})
