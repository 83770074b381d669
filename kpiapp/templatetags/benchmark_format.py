"""Benchmark words for templates: grain, form, segment and verdict in the reader's language."""

from __future__ import annotations

from django import template

from kpiapp.kpis.benchmark_words import (
    FORM_NAMES,
    GRAIN_NAMES,
    VERDICT_NAMES,
    reference_label,
    source_name,
)
from kpiapp.kpis.benchmarks import Benchmark
from kpiapp.kpis.benchmarks import segment_name as _segment_name

register = template.Library()


@register.filter
def grain_name(grain: str) -> str:
    return str(GRAIN_NAMES.get(grain, grain))


@register.filter
def form_name(form: str) -> str:
    return str(FORM_NAMES.get(form, form))


@register.filter
def segment_name(segment: str) -> str:
    return _segment_name(segment)


@register.filter(name="source_name")
def source_name_filter(source: str) -> str:
    return source_name(source)


@register.filter
def verdict_name(verdict: str | None) -> str:
    return str(VERDICT_NAMES.get(verdict or "", ""))


@register.filter
def benchmark_label(row: Benchmark | None) -> str:
    """What kind of number the row is and whose (the tiles' one reference)."""
    return reference_label(row) if row is not None else ""
