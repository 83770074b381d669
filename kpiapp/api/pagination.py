"""Lists come in pages of 100 (`?page=2`, `?page_size=` up to 500) with a count; or, with
`?cursor=` (empty for the first page), in cursor pages by id, newest first, without a count:
as fast on the thousandth page as on the first, for clients that fetch everything."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


class ById(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"  # unique and indexed: a position never repeats

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return (self.ordering,)  # `?ordering=` sorts page-numbered lists only


class PageNumbers(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> Any:
        self.cursor = ById() if "cursor" in request.query_params else None
        if self.cursor is not None:
            return self.cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if self.cursor is not None:
            return self.cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["results"]  # no count in cursor pages
        page["properties"]["count"]["description"] = "Page-numbered lists only."
        return page

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Cursor pages by id, newest first, without a count: empty for "
                "the first page, then as in `next`.",
                "schema": {"type": "string"},
            },
        ]
