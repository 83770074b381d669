"""Column-wise parsing (imports.columns) and pyarrow's reading of plain files give exactly
what the per-cell parsers and the csv module give: the same values, the same refused cells
with the same messages, the same rows and line numbers."""

from __future__ import annotations

import csv
import io
import re
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports import values as v
from kpiapp.imports.columns import parse_column
from kpiapp.imports.reading import ImportFileError, read_table

CTX = v.CellContext(decimal_comma=False, time_zone=ZoneInfo("Europe/Berlin"), currency="EUR")
PARSERS = [v.cents, v.text, v.day, v.month, v.whole, v.currency, v.country, v.percent,
           DATA_KINDS["deals"].csv.field("stage").parse]  # fmt: skip
# Cells near the parsers' edges: plain and odd amounts, dates, formulas, spaces, digits of
# other scripts, the empty cell.
CELL = st.one_of(
    st.from_regex(r"\A[0-9]{1,17}(\.[0-9]{0,3})?\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\Z"),
    st.sampled_from(
        [
            "",
            " ",
            "12,5",
            "-3",
            "=1+1",
            "+49 30",
            "١٢",
            " 7",
            "7 ",
            "1e3",
            "won",
            "Won ",
            "EUR",
            "de",
            "Germany",
            "31.12.2025",
            "2025-13",
            "50%",
            "a\x1f",
            "Ünïcode.",
            "x)",
            "\u00a0x",
        ]
    ),
    st.text(max_size=8),
)


def _one_by_one(cells: list[str], parse, required: bool) -> tuple[list, list]:
    values, problems = [], []
    for row, raw in enumerate(cells):
        if not raw or raw.isspace():
            values.append(None)
            if required:
                problems.append((row, "", "Required."))
            continue
        try:
            values.append(parse(raw, CTX))
        except v.CellError as error:
            values.append(None)
            problems.append((row, raw.strip(), str(error)))
    return values, problems


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: getattr(p, "__name__", "choice"))
@settings(max_examples=60, deadline=None)
@given(cells=st.lists(CELL, max_size=30), required=st.booleans())
def test_a_column_parses_as_its_cells_do_one_by_one(parse, cells, required):
    values, problems = parse_column(
        pa.array(cells, pa.string()), parse, CTX, required=required, map_value=None
    )
    assert (values, [(p.row, p.value, p.message) for p in problems]) == _one_by_one(
        cells, parse, required
    )


PLAIN_CELL = st.text(
    alphabet=st.characters(blacklist_characters='"\r\n,;\x00', blacklist_categories=("Cs",)),
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(PLAIN_CELL, min_size=3, max_size=3), min_size=1, max_size=12),
    crlf=st.booleans(),
)
def test_a_plain_file_reads_as_the_csv_module_reads_it(rows, crlf):
    end = "\r\n" if crlf else "\n"
    text = end.join(",".join(r) for r in [["a", "b", "c"], *rows]) + end
    expected = [(line, cells) for line, cells in _csv_rows(text) if "".join(cells).strip()]
    if not expected:
        with pytest.raises(ImportFileError, match="header but no rows"):
            read_table(text.encode())
        return
    table = read_table(text.encode())
    assert [(line, list(cells)) for line, cells in table.rows] == expected
    if all(re.search("[A-Za-z0-9]", "".join(r)) for r in rows):  # surely no blank row:
        # pyarrow read it, column by column
        assert table.columns is not None
        assert [c.to_pylist() for c in table.columns] == [list(c) for c in zip(*rows, strict=True)]


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    return [(reader.line_num, r) for r in reader][1:]
