"""A report's tables as CSV, for a spreadsheet: the KPI values (one row per KPI and period)
or the targets table. Columns have stable English names; numbers are plain decimals in the
KPI's unit (money in major units, rates as fractions), written as the API series writes them,
in Kennzahl's CSV dialect (`csv_dialect`). The values table's last column, `segment`, says in
words whose values they are when the report has a segment or a filter (under a segment of
several conditions, a KPI that shows one of them names that one; one the segment cannot show
has no values and its `reason` says why)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

from kpiapp.exports.csv_dialect import csv_lines, neutralise, number_text, uses_decimal_comma
from kpiapp.kpis.reasons import reason_text
from kpiapp.kpis.registry import KPI_BY_KEY, decimals_for
from kpiapp.selectors.reports import ReportContent, ReportSection

TABLES = ("values", "targets")
VALUE_COLUMNS = [
    "kpi",
    "name",
    "unit",
    "period",
    "value",
    "partial",
    "compare_period",
    "compare_value",
    "change",
    "change_in_points",
    "change_absolute",
    "target",
    "reason",
    "note",
    "segment",
]
TARGET_COLUMNS = [
    "kpi",
    "name",
    "unit",
    "quarter",
    "dimension",
    "dimension_value",
    "target",
    "current",
    "progress",
    "expected",
    "projection",
    "status",
]


def _number(value: Decimal | Fraction | None, places: int, decimal_comma: bool) -> str:
    return number_text(value, decimal_comma=decimal_comma, places=places)


def _places(key: str, unit: str) -> int:
    return decimals_for(key, None if key in KPI_BY_KEY else unit)


def segment_words(content: ReportContent) -> str:
    """Whose values the rows are, in words ("Channel: Referral", or the saved segment's name
    before it); the same for a report filtered by a dimension value without a segment, whose
    rows are that breakdown's too. Empty for the whole workspace."""
    report = content.report
    if report.segment:
        return content.segment_label
    if report.dimension:
        return f"{content.dimension_name}: {report.dimension_value}"
    return ""


def _value_rows(
    sections: Iterable[ReportSection], comma: bool, segment: str
) -> Iterator[list[str]]:
    for section in sections:
        kpi = section.kpi
        places = _places(kpi.key, kpi.unit)
        # Under several conditions: a KPI showing one of them names it; one left out says why.
        whose = neutralise(section.applied) if section.applied else segment
        missing = neutralise(section.missing)
        for row in section.rows:
            yield [
                kpi.key,
                neutralise(str(kpi.name)),
                kpi.unit,
                row.period.label,
                _number(row.value, places, comma),
                "1" if row.partial else "0",
                row.compare_period.label if row.compare_period else "",
                _number(row.compare_value, places, comma),
                _number(row.change, 6, comma),
                "1" if row.change_in_points else "0",
                "1" if row.change_absolute else "0",
                _number(row.target, places, comma),
                missing or neutralise(reason_text(row.reason)),
                neutralise(section.note),
                whose,
            ]


def _target_rows(content: ReportContent, comma: bool) -> Iterator[list[str]]:
    quarter = content.targets_quarter.label if content.targets_quarter else ""
    for row in content.targets:
        kpi, target, pacing = row.kpi, row.target, row.pacing
        places = _places(kpi.key, kpi.unit)
        yield [
            kpi.key,
            neutralise(str(kpi.name)),
            kpi.unit,
            quarter,
            target.dimension,
            neutralise(target.dimension_value),
            _number(target.value, places, comma),
            _number(row.current, places, comma),
            _number(pacing.progress if pacing else None, 6, comma),
            _number(pacing.expected if pacing else None, 6, comma),
            _number(pacing.projection if pacing else None, places, comma),
            (pacing.status or "") if pacing else "",
        ]


def report_csv_lines(
    content: ReportContent, *, language: str, table: str = "values"
) -> Iterator[str]:
    """The lines of one table of the report, ready to stream. The rows are made here, not
    while the response streams: by then the view has left the reader's language, and the
    KPI names and the segment would be written in the default one."""
    if table not in TABLES:
        raise ValueError(f"Unknown table {table!r}: use one of {', '.join(TABLES)}")
    comma = uses_decimal_comma(language)
    if table == "values":
        rows = list(_value_rows(content.sections, comma, neutralise(segment_words(content))))
        header = VALUE_COLUMNS
    else:
        rows = list(_target_rows(content, comma))
        header = TARGET_COLUMNS
    return csv_lines(itertools.chain([header], rows), language=language)
