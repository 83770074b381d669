"""Parsing a file column by column: pyarrow does the common cells of a column at once (plain
amounts, plain text), and each other distinct value goes once through the per-cell parser of
`values.py`, whose result (or exact error) every cell with that value shares. The outcome
is the same as parsing each cell on its own, message for message; it just does not repeat
the work for the 100,000th "won" or "2025-03-01"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kpiapp.imports import values as v

Parser = Callable[[str, v.CellContext], Any]

# A money amount that `values.cents` reads on its fast path: digits, at most two decimals,
# few enough digits for a 64-bit integer of cents.
_PLAIN_AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"
# Text that `values.text` returns as it is: it starts with an ASCII letter or digit (so
# neither whitespace nor a formula character) and ends with one, or with a closing mark.
# (ASCII classes: RE2 compiles Unicode ones for ~10 ms on every call.)
_PLAIN_TEXT = r"^[A-Za-z0-9]([^\t\r\n]*[A-Za-z0-9.)!?])?$"


@dataclass(frozen=True)
class CellProblem:
    row: int  # position among the parsed rows
    value: str  # as the file writes it (stripped), "" for a missing value
    message: str


def parse_column(
    cells: pa.Array,
    parse: Parser,
    ctx: v.CellContext,
    *,
    required: bool,
    map_value: Callable[[str], str] | None,
) -> tuple[list[Any], list[CellProblem]]:
    """The parsed value of each cell (None where it is missing or refused) and the problems,
    in row order."""
    count = len(cells)
    todo = np.ones(count, dtype=bool)  # cells still to parse
    fast = _fast(cells, parse) if map_value is None else None
    if fast is not None:
        mask, parsed = fast
        if mask.all():
            return parsed, []  # every cell on the fast path: the column as it is
        todo = ~mask
    out: list[Any] = [None] * count
    if fast is not None and mask.any():
        for row, value in zip(np.flatnonzero(mask).tolist(), parsed, strict=True):
            out[row] = value
    everything = bool(todo.all())
    rest = cells if everything else cells.filter(pa.array(todo))
    positions = np.flatnonzero(todo)
    encoded = pc.dictionary_encode(rest)
    distinct = encoded.dictionary.to_pylist()
    outcomes = [_outcome(raw, parse, ctx, required, map_value) for raw in distinct]
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    values = [outcome[0] for outcome in outcomes]
    taken = list(map(values.__getitem__, indices.tolist()))  # each cell's value, in C
    if everything:
        out = taken
    else:
        for row, value in zip(positions.tolist(), taken, strict=True):
            out[row] = value
    refused = [i for i, outcome in enumerate(outcomes) if outcome[1] is not None]
    problems: list[CellProblem] = []
    if refused:
        hits = np.flatnonzero(np.isin(indices, refused))
        for hit in hits.tolist():
            _value, shown, message = outcomes[indices[hit]]
            problems.append(CellProblem(int(positions[hit]), shown, message))
    return out, problems


def parse_constant(
    raw: str,
    count: int,
    parse: Parser,
    ctx: v.CellContext,
    *,
    required: bool,
    map_value: Callable[[str], str] | None,
) -> tuple[list[Any], list[CellProblem]]:
    """A preset's constant for every row."""
    value, shown, message = _outcome(raw, parse, ctx, required, map_value)
    problems = [] if shown is None else [CellProblem(row, shown, message) for row in range(count)]
    return [value] * count, problems


def _outcome(
    raw_cell: str,
    parse: Parser,
    ctx: v.CellContext,
    required: bool,
    map_value: Callable[[str], str] | None,
) -> tuple[Any, str | None, str]:
    """(value, None, "") for a parsed or empty cell; (None, shown value, message) for a
    refused one: what the per-cell engine did for one cell."""
    raw = map_value(raw_cell) if map_value is not None else raw_cell
    if not raw or raw.isspace():
        return (None, "", str(_("Required."))) if required else (None, None, "")
    try:
        return parse(raw, ctx), None, ""
    except v.CellError as error:
        return None, raw_cell.strip(), str(error)


def _fast(cells: pa.Array, parse: Parser) -> tuple[np.ndarray, list[Any]] | None:
    """(mask, values of the masked cells) for the cells pyarrow parses exactly as the
    per-cell parser would; None for a parser without such a path."""
    if parse is v.cents:
        mask = _mask(pc.match_substring_regex(cells, _PLAIN_AMOUNT))
        if not mask.any():
            return mask, []
        plain = cells.filter(pa.array(mask))
        padded = pc.replace_substring_regex(plain, r"^([0-9]+)$", r"\1.00")
        padded = pc.replace_substring_regex(padded, r"\.([0-9])$", r".\10")  # RE2: \1, then 0
        cents = pc.cast(pc.replace_substring(padded, ".", ""), pa.int64())
        return mask, cents.to_pylist()
    if parse is v.text:
        mask = _mask(pc.match_substring_regex(cells, _PLAIN_TEXT))
        return mask, cells.filter(pa.array(mask)).to_pylist() if mask.any() else []
    return None


def _mask(matches: pa.Array) -> np.ndarray:
    return matches.fill_null(False).to_numpy(zero_copy_only=False)
