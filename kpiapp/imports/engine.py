"""Validate every row of a CSV file, then write it all or nothing.

Phase 1 parses the file column by column (each distinct value once), checks the rows and
resolves references (accounts, leads, channels, campaigns) with a few set-based queries,
collecting every error; a check looks at whole columns and at single rows only where a
column shows a problem. Phase 2 runs only when there is none: one transaction creates the
new channels and campaigns, compares each row with the stored record of the same key,
inserts the new ones (COPY on PostgreSQL) and updates the changed ones. A re-import of the
same file therefore writes nothing.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, pairwise
from operator import itemgetter, not_
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import pyarrow as pa

from accounts.models import User, Workspace
from kpiapp import plausibility
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports import bulk, limits
from kpiapp.imports import values as v
from kpiapp.imports.columns import parse_column, parse_constant
from kpiapp.imports.kinds import Columns, Kind
from kpiapp.imports.mapping import Mapping, ResolvedColumns, resolve_columns
from kpiapp.imports.notes import NOTES
from kpiapp.imports.notes import notes as import_notes
from kpiapp.imports.reading import ImportFileError, Table, read_table
from kpiapp.kpis.periods import today_in
from kpiapp.models import (
    Account,
    Campaign,
    Channel,
    CustomKpi,
    DealStageChange,
    Lead,
    Traffic,
)
from kpiapp.models.marketing import name_key
from kpiapp.models.money import major_units

Progress = Callable[[str, int, int], None]  # (phase, done, total)
BATCH = 2000


@dataclass(frozen=True)
class RowError:
    line: int  # line in the file; 0 for the file as a whole
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = _("line %(line)s, column “%(column)s”") % {"line": self.line, "column": self.column}
        shown = f" “{self.value}”" if self.value else ""
        return f"{where}{shown}: {self.message}"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)  # pointed out, not refused (imports.notes)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(
    *,
    workspace: Workspace,
    kind: str,
    data: bytes,
    mapping: Mapping,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `data` as `kind` into `workspace` (the caller has entered its scope)."""
    with _collector_paused():
        return _import_csv(workspace, kind, data, mapping, user, dry_run, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """An import builds a few hundred thousand small objects (tuples of a row's values), none
    of them in a cycle; the cyclic garbage collector would walk them over and over (a tenth
    of a re-import's CPU time). Reference counting still frees them."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_csv(
    workspace: Workspace,
    kind: str,
    data: bytes,
    mapping: Mapping,
    user: User | None,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    spec = DATA_KINDS[kind].csv
    try:
        table = read_table(data)
        columns = resolve_columns(table.header, spec, mapping)
    except ImportFileError as error:
        return ImportResult(kind=kind, errors=[RowError(0, "", "", str(error))], dry_run=dry_run)
    run = _Run(workspace, spec, table, columns, mapping, progress or (lambda *a: None))
    result = ImportResult(kind=kind, rows=len(table.rows), dry_run=dry_run)
    rows = run.validate()
    result.errors = run.errors
    if not run.errors and kind in NOTES:
        result.notes = import_notes(kind, rows.as_rows())
    if run.errors or dry_run:
        if dry_run and not run.errors:
            result.created, result.updated, result.unchanged = run.plan(rows, write=False)
        return result
    try:
        with transaction.atomic():
            result.created, result.updated, result.unchanged = run.plan(rows, write=True, user=user)
    except IntegrityError as error:  # a concurrent change; nothing was written
        result.errors = [
            RowError(
                0,
                "",
                "",
                _("The data changed while importing (%(error)s). Nothing was imported; try again.")
                % {"error": error},
            )
        ]
    return result


@dataclass
class Records:
    """The valid rows, column by column: their lines in the file, the parsed fields (with
    references resolved) and the model attributes."""

    lines: list[int]
    fields: Columns
    attrs: Columns

    def __len__(self) -> int:
        return len(self.lines)

    def field_row(self, i: int) -> dict[str, Any]:
        return {name: column[i] for name, column in self.fields.items()}

    def attrs_row(self, i: int) -> dict[str, Any]:
        return {attr: column[i] for attr, column in self.attrs.items()}

    def as_rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(line, model attributes) per row: for the few checks that read whole records."""
        return [(line, self.attrs_row(i)) for i, line in enumerate(self.lines)]


class _Run:
    def __init__(
        self,
        workspace: Workspace,
        spec: Kind,
        table: Table,
        columns: ResolvedColumns,
        mapping: Mapping,
        progress: Progress,
    ) -> None:
        self.workspace = workspace
        self.spec = spec
        self.table = table
        self.columns = columns
        self.mapping = mapping
        self.progress = progress
        self.errors: list[RowError] = []
        self.refused: set[tuple[int, str]] = set()  # (line, column) that has its message
        self.ctx = v.CellContext(
            decimal_comma=table.delimiter == ";",
            time_zone=ZoneInfo(workspace.time_zone),
            currency=workspace.currency,
        )
        self.refs = _References(spec)
        self.fields = {f.name: f for f in spec.fields}
        self.index_of = {name: i for i, name in columns.by_index.items()}
        self._cells: dict[int, Sequence[str]] | None = None  # by line, built on the first need

    def error(self, line: int, field_name: str, value: str, message: str) -> None:
        """Name a cell's problem; a cell keeps the first one found (parsing comes first)."""
        column = self.columns.source_of.get(field_name, field_name)
        if (line, column) not in self.refused:
            self.refused.add((line, column))
            self.errors.append(RowError(line, column, value, message))

    def cell(self, line: int, field_name: str, parsed: str) -> str:
        """A cell as the file writes it (01.03.2025, not 2025-03-01), for a problem found
        after parsing; `parsed` for a value the file does not hold (a preset's constant)."""
        index = self.index_of.get(field_name)
        if index is None:
            return parsed
        if self._cells is None:
            self._cells = dict(self.table.rows)
        return _shown(self._cells[line][index].strip())

    # --- phase 1 ---------------------------------------------------------------------------

    def validate(self) -> Records:
        """Every row's model attributes (references still stand-ins), or errors.

        A cell that fails to parse is left empty and every other check still runs on its row,
        so one pass names every problem of every cell (PRODUCT.md: every error listed). Each
        check looks at whole columns and at single rows only where a column shows a problem."""
        total = len(self.table.rows)
        lines, fields = self._parse_rows()
        self.progress("validate", total // 2, total)
        self.refs.resolve(self, lines, fields)
        if self.spec.name == "traffic":
            self._check_traffic_grain(lines, fields)
        self._check_reference_names(lines, fields)
        records = self._records(lines, fields)
        self._check_plausible(records)
        self._check_columns(records)
        self._check_duplicates(records)
        self._sort_errors()
        self.progress("validate", total, total)
        return records

    def _records(self, lines: list[int], fields: Columns) -> Records:
        """The model attributes, with resolved ids, and channels and campaigns as
        (kind, key) stand-ins: new ones do not exist before the write."""
        refs = self.refs
        for name, ids in refs.resolved.items():
            fields[name] = ids
        for name in refs.key_refs:
            stand_ins = {
                value: (name, refs.key(value)) for value in dict.fromkeys(fields[name]) if value
            }
            fields[name] = list(map(stand_ins.get, fields[name], fields[name]))  # or as it is
        return Records(lines, fields, self.spec.to_columns(fields))

    def _sort_errors(self) -> None:
        """By line, then by the column's position in the file (a problem of the whole row
        first, a preset's constant last)."""
        position = {column: i for i, column in enumerate(self.table.header)}
        last = len(position)
        self.errors.sort(key=lambda e: (e.line, position.get(e.column, last) if e.column else -1))

    def _cell_plan(self) -> list[tuple[int | None, str, Any, bool, dict[str, str] | None]]:
        """Per field: column index (None: a constant), parser, required, value map."""
        plan: list[tuple[int | None, str]] = [
            (index, name) for index, name in self.columns.by_index.items()
        ]
        plan += [(None, name) for name in self.columns.constants]
        return [
            (
                index,
                name,
                self.fields[name].parse,
                self.fields[name].required,
                self.mapping.values.get(name),
            )
            for index, name in plan
        ]

    def _columns(self) -> tuple[list[int], list[pa.Array]]:
        """The line of each row of the header's width, and its cells column by column; a
        row of another width is named and left out."""
        if self.table.columns is not None:  # pyarrow read it: every row has the width
            return list(range(2, len(self.table.rows) + 2)), self.table.columns
        width = len(self.table.header)
        good = []
        for line, cells in self.table.rows:
            if len(cells) == width:
                good.append((line, cells))
                continue
            self.errors.append(
                RowError(
                    line,
                    "",
                    "",
                    _("The row has %(cells)s cells, the header %(width)s columns.")
                    % {"cells": len(cells), "width": width},
                )
            )
        columns = zip(*(cells for _line, cells in good), strict=True) if good else [[]] * width
        return [line for line, _cells in good], [pa.array(c, pa.string()) for c in columns]

    def _parse_rows(self) -> tuple[list[int], Columns]:
        """The rows' values, parsed column by column (imports.columns); a cell that is
        missing or fails to parse stays None and is named once."""
        lines, columns = self._columns()
        count = len(lines)
        parsed: Columns = {}
        for index, name, parse, required, value_map in self._cell_plan():
            mapper = (lambda raw, n=name: self.mapping.map_value(n, raw)) if value_map else None
            if index is None:
                raw = self.columns.constants[name]
                values, problems = parse_constant(
                    raw, count, parse, self.ctx, required=required, map_value=mapper
                )
            else:
                values, problems = parse_column(
                    columns[index], parse, self.ctx, required=required, map_value=mapper
                )
            for problem in problems:
                self.error(lines[problem.row], name, problem.value, problem.message)
            parsed[name] = values
        fields = {name: parsed.get(name) or [None] * count for name in self.spec.names}
        if "currency" in fields:
            currency = self.ctx.currency
            fields["currency"] = [c if c is not None else currency for c in fields["currency"]]
        for i, name, message in self.spec.check_rows(fields):
            self.error(lines[i], name, str(fields[name][i] or ""), message)
        return lines, fields

    def _check_columns(self, records: Records) -> None:
        """Every value fits its database column (the write would refuse it otherwise); a cell
        that a plausibility rule refused keeps that message. Checked column by column."""
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)  # row -> (attr, message)
        for attr, column in records.attrs.items():
            for i, message in limits.column_problems(self.spec.model, attr, column):
                found[i].append((attr, message))
        for i in sorted(found):
            row = records.field_row(i)
            line, attrs = records.lines[i], records.attrs_row(i)
            named = [(self.spec.column_of(attr, row), attr, message) for attr, message in found[i]]
            # A column's own value first, then one derived from it (the name as external ID).
            named.sort(key=lambda p: p[0] != self._field_of(p[1]))
            for name, attr, message in named:
                self.error(line, name, self.cell(line, name, _shown(attrs[attr])), message)

    def _field_of(self, attr: str) -> str:
        """The file's field that a model attribute comes from (`amount_cents` → `amount`)."""
        for name in (attr, attr.removesuffix("_cents"), attr.removesuffix("_id")):
            if name in self.fields:
                return name
        return "date" if attr == "day" else attr

    def _check_reference_names(self, lines: list[int], fields: Columns) -> None:
        """A new channel or campaign is created under the name the file gives it."""
        for name, model in (("channel", Channel), ("campaign", Campaign)):
            if name not in self.refs.key_refs:
                continue
            found = {
                value: problems
                for value in dict.fromkeys(fields[name])
                if value and (problems := limits.problems(model, {"name": value}))
            }  # a file names a few, many times
            if not found:
                continue
            for line, value in zip(lines, fields[name], strict=True):
                for _attr, message in found.get(value, ()) if value else ():
                    self.error(line, name, _shown(value), message)

    def _check_plausible(self, records: Records) -> None:
        """The rules of the data kind (kpiapp.plausibility), as the forms apply them, reported
        on the column the value came from; only on the rows a look at the columns suspects."""
        today = today_in(self.workspace.time_zone)
        model = self.spec.model
        for i in plausibility.suspects(model, records.attrs, len(records), today):
            line, attrs = records.lines[i], records.attrs_row(i)
            found = plausibility.problems(model, attrs, today)
            row = records.field_row(i) if found else {}
            for attr, message in found:
                column = self.spec.column_of(attr, row)
                value = attrs[attr]
                shown = f"{major_units(value):.2f}" if attr.endswith("_cents") else str(value)
                self.error(line, column, self.cell(line, column, shown), str(message))

    def _check_duplicates(self, records: Records) -> None:
        key = self.spec.key
        if self.spec.key_of is None and len(key) == 1:
            column = records.attrs[key[0]]
            if len(set(column)) == len(column):
                return  # the common case: every key once, seen in one look at the column
        keys = self._keys(records.attrs)
        if len(set(keys)) == len(keys):
            return
        # A row whose key has a refused cell (or one its key is derived from) has no key to
        # compare.
        derived = dict(self.spec.derived_from)
        names = [self._field_of(a) for a in self.spec.key]
        names += [derived[a] for a in self.spec.key if a in derived]
        key_columns = {self.columns.source_of.get(name, name) for name in names}
        seen: dict[tuple[Any, ...], int] = {}
        refused = {line for line, column in self.refused if column in key_columns}
        for i, (line, key) in enumerate(zip(records.lines, keys, strict=True)):
            if line in refused:
                continue
            if key in seen:
                row = records.field_row(i)
                self.error(
                    line,
                    self._field_of(self.spec.column_of(self.spec.key[0], row)),
                    "",
                    _("The same record as on line %(line)s.") % {"line": seen[key]},
                )
            else:
                seen[key] = line

    def _keys(self, attrs: Columns) -> list[tuple[Any, ...]]:
        """Each row's record key."""
        if self.spec.key_of is not None:  # a key built from the attributes, row by row
            names = list(attrs)
            rows = zip(*attrs.values(), strict=True)
            return [self.spec.key_of(dict(zip(names, row, strict=True))) for row in rows]
        return list(zip(*(attrs[k] for k in self.spec.key), strict=True))

    def _check_traffic_grain(self, lines: list[int], fields: Columns) -> None:
        stored = set(Traffic.objects.values_list("channel__key", "month", "day"))
        monthly = {(c, m) for c, m, d in stored if d is None}
        daily = {(c, m) for c, m, d in stored if d is not None}
        for line, channel, month, day in zip(
            lines, fields["channel"], fields["month"], fields["date"], strict=True
        ):
            if channel is None or (month or day) is None:
                continue  # refused already
            month = month or day.replace(day=1)
            clash = daily if day is None else monthly
            if (name_key(channel), month) in clash:
                self.error(
                    line,
                    "date" if day else "month",
                    "",
                    _(
                        "This channel's month is already stored with the other grain (days or a "
                        "month total); a month is counted one way only."
                    ),
                )

    # --- phase 2 ---------------------------------------------------------------------------

    def plan(
        self, records: Records, *, write: bool, user: User | None = None
    ) -> tuple[int, int, int]:
        """Compare with what is stored; with `write`, store the difference."""
        if write:
            self.refs.create_missing()
        incoming = self.refs.with_ids(records.attrs)
        names = list(incoming)
        if self._by_external_id():
            return self._plan_by_external_id(incoming, write=write, user=user)
        stored = self._stored(names)
        if not stored and self.spec.name != "subscriptions":
            # A first import: every row is new, as the file gives it (its keys are distinct,
            # the check saw to that), and the columns themselves are written.
            if write:
                self._write(list(incoming.values()), len(records), [], [], names, user)
            return len(records), 0, 0
        rows = list(zip(*incoming.values(), strict=True))
        by_key = dict(zip(self._keys(incoming), rows, strict=True))
        if self.spec.name == "subscriptions":
            by_key = _end_superseded_rows(names, by_key, stored)
        # A row equal to a stored record (id aside) is that record unchanged: its key is in
        # its values. Found by hashing, in C; only the other rows are looked at one by one.
        known = set(map(itemgetter(slice(1, None)), stored.values()))
        same = list(map(known.__contains__, by_key.values()))
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []  # (id, *old), new
        for key, row in compress(by_key.items(), map(not_, same)):
            old = stored.get(key)
            if old is None:
                new.append(row)
            else:
                changed.append((old, row))
        if write:
            self._write(None, len(new), new, changed, names, user)
        return len(new), len(changed), same.count(True)

    def _by_external_id(self) -> bool:
        """Whether the kind's records are known by their external ID alone, and each row
        stands for itself (subscriptions end the one before them)."""
        return self.spec.key == ("external_id",) and self.spec.name != "subscriptions"

    def _plan_by_external_id(
        self, incoming: Columns, *, write: bool, user: User | None
    ) -> tuple[int, int, int]:
        """`plan` for records known by their external ID (accounts, deals, leads): the stored
        values are read without their ids and hashed whole; a row equal to one is unchanged
        (its key is among its values). Ids and old values are read only for the changed."""
        model, names = self.spec.model, list(incoming)
        stored = bulk.fetch_rows(model.objects.values_list(*names))
        count = len(incoming["external_id"])
        if not stored:  # a first import: every row new, the columns written as they are
            if write:
                self._write(list(incoming.values()), count, [], [], names, user)
            return count, 0, 0
        at = names.index("external_id")
        known = set(stored)
        stored_keys = set(map(itemgetter(at), stored))
        rows = list(zip(*incoming.values(), strict=True))
        same = list(map(known.__contains__, rows))
        new: list[tuple[Any, ...]] = []
        others: dict[str, tuple[Any, ...]] = {}
        for row in compress(rows, map(not_, same)):
            if row[at] in stored_keys:
                others[row[at]] = row
            else:
                new.append(row)
        changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []  # (id, *old), new
        if others:
            olds = bulk.fetch_among(
                model.objects.values_list("id", *names), "external_id", list(others)
            )
            changed = [(old, others.pop(old[at + 1])) for old in olds]
            new += others.values()  # deleted since the first read: new again
        if write:
            self._write(None, len(new), new, changed, names, user)
        return len(new), len(changed), same.count(True)

    def _stored(self, names: list[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The stored records by key, as (id, *values) tuples: a re-import reads 100,000s."""
        rows = bulk.fetch_rows(self.spec.model.objects.values_list("id", *names))
        if self.spec.key_of is not None:  # a key built from the attributes
            return {
                self.spec.record_key(dict(zip(names, row[1:], strict=True))): row for row in rows
            }
        positions = [names.index(k) + 1 for k in self.spec.key]
        keys = zip(*(map(itemgetter(p), rows) for p in positions), strict=True)
        return dict(zip(keys, rows, strict=True))

    def _write(
        self,
        columns: list[list[Any]] | None,
        count: int,
        new: list[tuple[Any, ...]],
        changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]],
        names: list[str],
        user: User | None,
    ) -> None:
        """Insert `count` new rows, given as `columns` or as the tuples `new`, and update the
        changed ones."""
        model = self.spec.model
        total = count + len(changed)
        if columns is None:
            columns = [list(column) for column in zip(*new, strict=True)] if new else []
        step = BATCH * 10
        for start in range(0, count, step):
            self.progress("write", start, total)
            bulk.insert_columns(
                model,
                workspace_id=self.workspace.id,
                names=names,
                columns=[column[start : start + step] for column in columns],
            )
        bulk.update_rows(
            model,
            workspace_id=self.workspace.id,
            names=names,
            rows=[(old[0], dict(zip(names, row, strict=True))) for old, row in changed],
        )
        self.progress("write", total, total)
        if self.spec.name == "deals":
            at = names.index("stage")
            _record_stage_changes(
                self.workspace.id, [(old[0], old[at + 1], row[at]) for old, row in changed], user
            )


def _shown(value: Any, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _end_superseded_rows(
    names: list[str], rows: dict[tuple, tuple[Any, ...]], stored: dict[tuple, tuple[Any, ...]]
) -> dict[tuple, tuple[Any, ...]]:
    """A later row with the same external id ends the one before it on its start day
    (PRODUCT.md). Stored rows of the same ids take part, and are updated when they change."""
    records = {key: dict(zip(names, row, strict=True)) for key, row in rows.items()}
    _end_superseded(
        records, {key: dict(zip(names, old[1:], strict=True)) for key, old in stored.items()}
    )
    return {key: tuple(attrs[n] for n in names) for key, attrs in records.items()}


def _end_superseded(
    records: dict[tuple, dict[str, Any]], stored: dict[tuple, dict[str, Any]]
) -> None:
    touched = {attrs["external_id"] for attrs in records.values()}
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, old in stored.items():
        if old["external_id"] in touched and key not in records:
            records[key] = dict(old)
    for attrs in records.values():
        if attrs["external_id"] in touched:
            chains[attrs["external_id"]].append(attrs)
    for chain in chains.values():
        chain.sort(key=lambda a: a["started_at"])
        for before, after in pairwise(chain):
            if before["ended_at"] is None or before["ended_at"] > after["started_at"]:
                before["ended_at"] = after["started_at"]


def _record_stage_changes(
    workspace_id: int, changed: list[tuple[int, str, str]], user: User | None
) -> None:
    """A deal's history records each change of stage (who, when, from, to); a deal without
    history has been in its current stage all along (KPIS.md, weighted pipeline). `changed`:
    (deal id, stored stage, new stage) of each changed deal."""
    now = timezone.now()
    entries = [
        {
            "deal_id": deal_id,
            "changed_at": now,
            "changed_by_id": user.id if user else None,
            "from_stage": old_stage,
            "to_stage": new_stage,
        }
        for deal_id, old_stage, new_stage in changed
        if old_stage != new_stage
    ]
    if entries:
        bulk.insert_rows(
            DealStageChange, workspace_id=workspace_id, names=list(entries[0]), rows=entries
        )


class _References:
    """Resolves names in a file to records, with one query per referenced kind, each
    distinct name once."""

    def __init__(self, spec: Kind) -> None:
        self.spec = spec
        self.ref_fields = {f.name: f.ref for f in spec.fields if f.ref}
        self.id_refs = [n for n in ("account", "lead", "kpi") if n in self.ref_fields]
        self.key_refs = [n for n in ("channel", "campaign") if n in self.ref_fields]
        self.resolved: Columns = {}  # id reference -> the ids (None: empty or refused)
        self.account_ids: dict[str, int] = {}
        self.accounts_by_name: dict[str, list[int]] = {}
        self.lead_ids: dict[str, int] = {}
        self.kpi_ids: dict[str, int] = {}
        self.channel_ids: dict[str, int] = {}
        self.campaign_ids: dict[str, int] = {}
        self.campaign_channel: dict[str, str] = {}  # campaign key -> channel key
        self.new_channels: dict[str, str] = {}  # key -> display name
        self.new_campaigns: dict[str, str] = {}
        self._keys: dict[str, str] = {}

    def resolve(self, run: _Run, lines: list[int], fields: Columns) -> None:
        refs = set(self.ref_fields.values())
        if "account" in refs:
            self._load_accounts()
        if "lead" in refs:
            self.lead_ids = dict(Lead.objects.values_list("external_id", "id"))
        if "custom_kpi" in refs:
            for pk, key, name in CustomKpi.objects.values_list("id", "key", "name"):
                self.kpi_ids[key] = self.kpi_ids[name.casefold()] = pk
        if refs & {"channel", "campaign"}:
            self.channel_ids = dict(Channel.objects.values_list("key", "id"))
            for key, pk, channel_key in Campaign.objects.values_list("key", "id", "channel__key"):
                self.campaign_ids[key] = pk
                self.campaign_channel[key] = channel_key
        for name in self.id_refs:
            self.resolved[name] = self._ids(run, name, lines, fields[name])
        if self.key_refs:
            self._resolve_channels_campaigns(run, lines, fields)

    def _ids(self, run: _Run, name: str, lines: list[int], values: list[Any]) -> list[Any]:
        """The id each value names, None where it is empty or names nothing (then named)."""
        found: dict[str, int | str] = {}
        for value in dict.fromkeys(values):
            if value is not None:
                found[value] = self._find(name, value)
        if all(outcome.__class__ is int for outcome in found.values()):
            return list(map(found.get, values))  # None for None, which is no key
        ids: list[Any] = []
        for line, value in zip(lines, values, strict=True):
            outcome = found.get(value) if value is not None else None
            if isinstance(outcome, str):
                run.error(line, name, value, outcome)
                outcome = None
            ids.append(outcome)
        return ids

    def _find(self, name: str, value: str) -> int | str:
        """The id `value` names, or the message why it names none."""
        if name == "account":
            return self._account(value)
        if name == "lead":
            return self.lead_ids.get(value) or _("No such lead; import the leads first.")
        return (
            self.kpi_ids.get(value)
            or self.kpi_ids.get(value.casefold())
            or _("No such custom KPI.")
        )

    def _load_accounts(self) -> None:
        by_name: dict[str, list[int]] = defaultdict(list)
        for pk, external_id, name in Account.objects.values_list("id", "external_id", "name"):
            self.account_ids[external_id] = pk
            by_name[name].append(pk)
        self.accounts_by_name = by_name

    def _account(self, value: str) -> int | str:
        found = self.account_ids.get(value)
        if found is not None:
            return found
        matches = self.accounts_by_name.get(value, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            return _("Several accounts are named like this; use the external ID.")
        return _("No such account; import the accounts first.")

    def _resolve_channels_campaigns(self, run: _Run, lines: list[int], fields: Columns) -> None:
        channels = fields.get("channel") or [None] * len(lines)
        campaigns = fields.get("campaign") or [None] * len(lines)
        if not any(campaigns):  # channels alone: each distinct name once, in the file's order
            for channel in dict.fromkeys(channels):
                if channel:
                    self._note_channel(self.key(channel), channel)
            return
        for i, (channel, campaign) in enumerate(zip(channels, campaigns, strict=True)):
            if channel or campaign:
                owner = self._resolve_channel_campaign(run, lines[i], channel, campaign)
                if owner is not None and "channel" in fields:
                    fields["channel"][i] = owner

    def _resolve_channel_campaign(
        self, run: _Run, line: int, channel: str | None, campaign: str | None
    ) -> str | None:
        """Resolves a row's channel and campaign; the channel's key when the row names none
        and its campaign's channel fills it in."""
        channel_key = self.key(channel) if channel else None
        filled = None
        if campaign:
            campaign_key = self.key(campaign)
            owner = self.campaign_channel.get(campaign_key)
            if owner is None:
                if channel_key is None:
                    run.error(
                        line,
                        "campaign",
                        campaign,
                        _("A new campaign needs a channel in the same row."),
                    )
                    return None
                self.campaign_channel[campaign_key] = channel_key
                self.new_campaigns.setdefault(campaign_key, campaign)
            elif channel_key is None:
                channel_key = filled = owner  # a campaign's channel is known from the campaign
            elif channel_key != owner:
                run.error(
                    line,
                    "campaign",
                    campaign,
                    _("This campaign belongs to the channel “%(channel)s”.") % {"channel": owner},
                )
                return None
        if channel_key:
            self._note_channel(channel_key, channel or channel_key)
        return filled

    def _note_channel(self, key: str, name: str) -> None:
        if key not in self.channel_ids:
            self.new_channels.setdefault(key, name)

    def create_missing(self) -> None:
        for key, name in self.new_channels.items():
            self.channel_ids[key] = Channel.objects.create(name=name, key=key).id
        for key, name in self.new_campaigns.items():
            channel_id = self.channel_ids[self.campaign_channel[key]]
            self.campaign_ids[key] = Campaign.objects.create(
                name=name, key=key, channel_id=channel_id
            ).id

    def key(self, name: str) -> str:
        # A file names a handful of channels many times over: normalise each name once.
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = name_key(name)
        return key

    def with_ids(self, attrs: Columns) -> Columns:
        """The model attributes with channel and campaign stand-ins replaced by ids (in a dry
        run new ones stay stand-ins)."""
        out = dict(attrs)
        for attr, ids in (("channel_id", self.channel_ids), ("campaign_id", self.campaign_ids)):
            if attr in out:
                by_stand_in = {
                    value: ids.get(value[1], value)
                    for value in dict.fromkeys(out[attr])
                    if value.__class__ is tuple
                }
                if by_stand_in:
                    out[attr] = list(map(by_stand_in.get, out[attr], out[attr]))
        return out
