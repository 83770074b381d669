"""Filters of the API's lists."""

from __future__ import annotations

from typing import Any

from django import forms

import django_filters

# The largest key PostgreSQL's bigint and SQLite's INTEGER hold: a larger number in a filter
# is a 400 with a message, not an overflow in the database driver.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A relation by its id: a whole number from 1 up to what a key can hold."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
