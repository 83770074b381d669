"""The import runs the plausibility rules only on the records `plausibility.suspects` finds
by looking at whole columns: every record a rule refuses must be among them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import models

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpiapp import plausibility

TODAY = date(2026, 6, 1)


def _value_strategy(field: models.Field) -> st.SearchStrategy[Any]:
    """Values near every bound a rule knows: the window's ends, today and a year ahead,
    the limits of numbers."""
    if isinstance(field, models.DateField):
        near = [
            date(1969, 12, 31),
            date(1970, 1, 1),
            date(2100, 12, 31),
            date(2101, 1, 1),
            TODAY,
            TODAY + timedelta(days=1),
            TODAY + timedelta(days=2),
            TODAY + timedelta(days=366),
            TODAY + timedelta(days=367),
        ]
        return st.one_of(
            st.none(),
            st.sampled_from(near),
            st.dates(min_value=date(1970, 1, 1), max_value=TODAY),  # the usual: plausible
            st.dates(min_value=date(1960, 1, 1), max_value=date(2110, 1, 1)),
        )
    if isinstance(field, models.DecimalField):
        return st.one_of(
            st.none(),
            st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=2),
            st.decimals(min_value=Decimal(-(10**15)), max_value=Decimal(10**15), places=2),
            st.sampled_from([Decimal(10**14), Decimal(10**14) - 1, Decimal(1_000_000)]),
        )
    if isinstance(field, (models.IntegerField, models.BigIntegerField)):
        limits = [60, 1_000_000, 10_000_000, 1_000_000_000, 100_000_000_000]
        return st.one_of(
            st.none(),
            st.integers(min_value=0, max_value=1000),
            st.integers(min_value=0, max_value=2 * 10**11),
            st.sampled_from([n + d for n in limits for d in (-1, 0, 1)]),
        )
    if field.name == "stage":
        return st.sampled_from(["lead", "won", "lost", "demo"])
    return st.none()


def _records(model: type[models.Model]) -> st.SearchStrategy[list[dict[str, Any]]]:
    fields = [f for f in model._meta.concrete_fields if not f.is_relation and not f.primary_key]
    row = st.fixed_dictionaries({f.attname: _value_strategy(f) for f in fields})
    return st.lists(row, min_size=1, max_size=8)


@pytest.mark.parametrize("model", list(plausibility.RULES), ids=lambda m: m.__name__)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_record_a_rule_refuses_is_a_suspect(model, data):
    records = data.draw(_records(model))
    columns = {name: [r[name] for r in records] for name in records[0]}
    suspects = set(plausibility.suspects(model, columns, len(records), TODAY))
    refused = {i for i, record in enumerate(records) if plausibility.problems(model, record, TODAY)}
    assert refused <= suspects


def test_plausible_records_are_not_suspects_so_the_rules_run_on_few():
    day = date(2025, 3, 1)
    columns = {
        "created_at": [day, day, day],
        "closed_at": [day + timedelta(days=3), None, day - timedelta(days=1)],
        "expected_close_at": [None, TODAY + timedelta(days=90), None],
        "amount_cents": [100, None, 5],
        "services_amount_cents": [None, None, 100_000_000_001],
    }
    from kpiapp.models import Deal

    # The third closes before it was created and has too large a services amount; the
    # second expects to close in the future, which no rule refuses but the box does not know.
    assert plausibility.suspects(Deal, columns, 3, TODAY) == [1, 2]
