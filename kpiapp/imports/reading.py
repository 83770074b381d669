"""Turning uploaded bytes into a header and rows: encoding, delimiter, size."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

import pyarrow as pa
import pyarrow.csv as pa_csv

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# No kind has more than 15 fields; a wider file is an export of something else, and every
# column costs a form field on the mapping page.
MAX_COLUMNS = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Sequence[tuple[int, Sequence[str]]]  # (line number in the file, cells)
    delimiter: str
    # The cells column by column, when pyarrow read the file (every row then has the
    # header's width); the engine builds them from `rows` otherwise.
    columns: list[pa.Array] | None = field(default=None, repr=False)


def decode(data: bytes) -> str:
    try:
        # utf-8-sig drops a BOM (Excel writes one) and reads plain UTF-8 alike.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 encoded (first bad byte on line %(line)s). Save it as "
                "“CSV UTF-8” and upload it again."
            )
            % {"line": line}
        ) from None


def sniff_delimiter(header_line: str) -> str:
    # A header names columns, so whichever separator splits it into more parts is the one.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_table(data: bytes) -> Table:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _(
                "The file is %(size)s MB; at most 20 MB can be imported at once. Split it into "
                "smaller files."
            )
            % {"size": round(len(data) / 1024 / 1024, 1)}
        )
    text = decode(data)
    if not text or text.isspace():
        raise ImportFileError(_("The file is empty."))
    _refuse_nul(text)
    head = text.lstrip("\r\n")
    first_line = head[: head.find("\n")].splitlines()[0] if "\n" in head else head.splitlines()[0]
    delimiter = sniff_delimiter(first_line)
    plain = _read_plain(data, text, delimiter)
    if plain is not None:
        header_cells, columns = plain
        header = _checked_header(header_cells)
        if not len(columns[0]):
            raise ImportFileError(_("The file has a header but no rows."))
        return Table(header=header, rows=_Rows(columns), delimiter=delimiter, columns=columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        # Blank lines are not rows; line_num is where each record ends.
        records.extend((reader.line_num, r) for r in reader if "".join(r).strip())
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)s is not valid CSV: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    header = _checked_header(records[0][1])
    rows = records[1:]
    if not rows:
        raise ImportFileError(_("The file has a header but no rows."))
    return Table(header=header, rows=rows, delimiter=delimiter)


class _Rows(Sequence[tuple[int, Sequence[str]]]):
    """The rows of columns that pyarrow read, as (line, cells), built on the first look at
    a row: an import reads its columns and looks only at the rows it names a problem of."""

    def __init__(self, columns: list[pa.Array]) -> None:
        self._columns = columns
        self._count = len(columns[0])
        self._rows: list[tuple[int, Sequence[str]]] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # an int or a slice, as a list answers it
        return self._built()[index]

    def __iter__(self) -> Iterator[tuple[int, Sequence[str]]]:
        return iter(self._built())

    def _built(self) -> list[tuple[int, Sequence[str]]]:
        if self._rows is None:
            cells = zip(*(c.to_pylist() for c in self._columns), strict=True)
            self._rows = list(enumerate(cells, 2))
        return self._rows


def _checked_header(cells: list[str]) -> list[str]:
    header = [h.strip() for h in cells]
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(too_many_columns(len(header)))
    if not any(header) or any(not h for h in header):
        raise ImportFileError(
            _("The first line must be a header that names every column; column %(n)s has no name.")
            % {"n": header.index("") + 1 if "" in header else 1}
        )
    duplicates = sorted(h for h, n in Counter(header).items() if n > 1)
    if duplicates:
        raise ImportFileError(
            _("The header names a column twice: %(names)s.") % {"names": ", ".join(duplicates)}
        )
    return header


# A line without an ASCII letter or digit: perhaps nothing but separators and spaces, which
# is no row (the csv path skips it exactly). Searched between line breaks, which the regex
# engine finds by scanning for the character (a MULTILINE "^" tries every position).
_MAYBE_BLANK = re.compile(r"\n[^A-Za-z0-9\n]*\n")


def _read_plain(data: bytes, text: str, delimiter: str) -> tuple[list[str], list[pa.Array]] | None:
    """The header and the columns of a file that is one record per line (no quotes, no blank
    lines, no bare carriage returns), read by pyarrow in one pass; None for any other file,
    which the csv module reads with exact line numbers and messages."""
    if '"' in text or text[0] in "\r\n" or "\n" not in text:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    body = text.rstrip("\r\n")
    if text[len(body) :] not in ("", "\n", "\r\n"):  # blank lines at the end
        return None
    if _MAYBE_BLANK.search(f"\n{body}\n"):  # perhaps a blank row (blank lines among them)
        return None
    width = text.split("\n", 1)[0].count(delimiter) + 1
    if width > MAX_COLUMNS:
        return None  # the csv path names the count
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data[3:] if data.startswith(b"\xef\xbb\xbf") else data),
            read_options=pa_csv.ReadOptions(
                column_names=[f"c{i}" for i in range(width)], block_size=1 << 24,
                use_threads=False,  # one block; threads only add their start-up
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, quote_char=False, newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. a row of another width
        return None
    columns = [table.column(i).combine_chunks() for i in range(width)]
    return [c[0].as_py() for c in columns], [c.slice(1) for c in columns]


def too_many_columns(count: int) -> str:
    return _(
        "The file has %(count)s columns; at most %(max)s can be imported. Remove the columns "
        "you do not need and upload it again."
    ) % {"count": count, "max": MAX_COLUMNS}


def _refuse_nul(text: str) -> None:
    """PostgreSQL cannot store a NUL character in text: name the line instead of failing the
    write (a binary file or a broken export)."""
    at = text.find("\x00")
    if at >= 0:
        raise ImportFileError(
            _(
                "Line %(line)s contains a NUL character (a zero byte), which cannot be stored. "
                "Remove it or export the file again as CSV."
            )
            % {"line": text.count("\n", 0, at) + 1}
        )
