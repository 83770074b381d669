"""`customers/`: every account with subscription rows, read-only, with its MRR and ARR now (the
workspace currency, at the current month's rates), plan, status and first and last paid month
(`YYYY-MM`), as on the customer list. Filters `status`, `plan`, `channel`, `country`, `search`
(in the name); `ordering` by a column (`-mrr` first by default); pages of 100 (`page_size` up
to 500)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.api.pagination import MAX_PAGE_SIZE, PAGE_SIZE
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account
from kpiapp.selectors.customers import (
    SORTS,
    STATUSES,
    CustomerFilters,
    CustomerRow,
    customer_rows,
    filter_customers,
    sort_customers,
)


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The account's id (accounts/<id>/).")
    name = serializers.CharField()
    mrr = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        allow_null=True,
        help_text="Now, in the workspace currency; null when an exchange rate is missing.",
    )
    arr = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    mrr_reason = serializers.CharField(allow_null=True, help_text="Why `mrr` is null.")
    currency = serializers.CharField()
    plan = serializers.CharField()
    status = serializers.ChoiceField(choices=list(STATUSES))
    first_paid_month = serializers.CharField(allow_null=True, help_text="YYYY-MM")
    last_paid_month = serializers.CharField(allow_null=True, help_text="YYYY-MM")
    channel = serializers.CharField()
    country = serializers.CharField()


def _data(row: CustomerRow, currency: str) -> dict[str, Any]:
    return {
        "id": row.account_id,
        "name": row.name,
        "mrr": row.mrr,
        "arr": row.arr,
        "mrr_reason": row.reason or None,
        "currency": currency,
        "plan": row.plan,
        "status": row.status,
        "first_paid_month": row.first_paid.label if row.first_paid else None,
        "last_paid_month": row.last_paid.label if row.last_paid else None,
        "channel": row.channel,
        "country": row.country,
    }


class CustomerPages(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CustomerViewSet(WorkspaceViewSet):
    """Customers are computed from the subscription rows: read them here, change the rows."""

    serializer_class = CustomerSerializer
    pagination_class = CustomerPages
    http_method_names = ["get", "head", "options"]
    write_role = Role.VIEWER  # no write method exists: every member is answered 405
    lookup_value_regex = r"\d+"

    def scoped_queryset(self) -> QuerySet:
        return Account.objects.order_by("pk")

    def _rows(self) -> list[CustomerRow]:
        return customer_rows(workspace=self.workspace, today=today_in(self.workspace.time_zone))

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(STATUSES)),
            OpenApiParameter("plan", str),
            OpenApiParameter("channel", str),
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2"),
            OpenApiParameter("search", str, description="part of the name"),
            OpenApiParameter(
                "ordering",
                str,
                description="a column, `-` first for descending: " + ", ".join(SORTS),
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=CustomerSerializer(many=True),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        status = params.get("status", "")
        if status and status not in STATUSES:
            raise exceptions.ValidationError(
                {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(STATUSES)}]}
            )
        ordering = params.get("ordering", "-mrr")
        if ordering.lstrip("-") not in SORTS:
            raise exceptions.ValidationError(
                {"ordering": [_("Sort by one of: %(choices)s.") % {"choices": ", ".join(SORTS)}]}
            )
        filters = CustomerFilters(
            status=status,
            plan=params.get("plan", ""),
            channel=params.get("channel", ""),
            country=params.get("country", "").upper(),
            search=params.get("search", "").strip(),
        )
        rows = sort_customers(filter_customers(self._rows(), filters), ordering)
        currency = self.workspace.currency
        page: list[CustomerRow] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]  # a list pages like a queryset
        shown = rows if page is None else page
        data = CustomerSerializer([_data(r, currency) for r in shown], many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(responses=CustomerSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account_id = int(kwargs["pk"])
        row = next((r for r in self._rows() if r.account_id == account_id), None)
        if row is None:
            raise Http404("No such customer.")
        return Response(CustomerSerializer(_data(row, self.workspace.currency)).data)
