"""Pages of 100 records (`?page=2`, `?page_size=` up to 500)."""

from rest_framework.pagination import PageNumberPagination


class PageNumbers(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
