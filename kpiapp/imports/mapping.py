"""Which source column feeds which field, and which source values mean which stored value.

A mapping comes from a preset (a known export), `--map SRC=DEST` / `--value FIELD:SRC=DEST`
options or the browser's mapping step, and suggestions for the columns left over.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from kpiapp.imports.kinds import Kind
from kpiapp.imports.reading import ImportFileError
from kpiapp.imports.synonyms import BY_KIND as synonyms_by_kind
from kpiapp.imports.synonyms import COMMON

IGNORE = "-"

UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def normalise(header: str) -> str:
    """ "Angelegt am", "angelegt_am" and "ANGELEGT-AM" are one header; so are "Währung" and
    "Wahrung"."""
    return re.sub(r"[^a-z0-9]", "", header.casefold().translate(UMLAUTS))


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # source header -> field or IGNORE
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {source: value}
    ignore_unknown: bool = False  # presets drop a source's extra columns
    # Values for fields the source does not have (a preset's constant, e.g. interval "month").
    defaults: dict[str, str] = field(default_factory=dict)

    def merged(self, other: Mapping) -> Mapping:
        """`other` (the user's explicit choices) wins over self (a preset)."""
        values = {f: dict(m) for f, m in self.values.items()}
        for f, m in other.values.items():
            values.setdefault(f, {}).update(m)
        return Mapping(
            columns={**self.columns, **other.columns},
            values=values,
            ignore_unknown=self.ignore_unknown or other.ignore_unknown,
            defaults={**self.defaults, **other.defaults},
        )

    def map_value(self, field_name: str, raw: str) -> str:
        table = self.values.get(field_name)
        if not table:
            return raw
        stripped = raw.strip()
        if stripped in table:
            return table[stripped]
        folded = {k.casefold(): val for k, val in table.items()}
        return folded.get(stripped.casefold(), raw)


def parse_options(maps: list[str], value_maps: list[str]) -> Mapping:
    """`--map SRC=DEST` (DEST `-` ignores SRC) and `--value FIELD:SRC=DEST`."""
    mapping = Mapping()
    for item in maps:
        source, sep, dest = item.partition("=")
        if not sep or not source.strip() or not dest.strip():
            raise ImportFileError(_("--map takes SOURCE=FIELD, got “%s”.") % item)
        mapping.columns[source.strip()] = dest.strip()
    for item in value_maps:
        field_name, sep, rest = item.partition(":")
        source, sep2, dest = rest.partition("=")
        if not sep or not sep2 or not field_name.strip():
            raise ImportFileError(_("--value takes FIELD:SOURCE=VALUE, got “%s”.") % item)
        mapping.values.setdefault(field_name.strip(), {})[source.strip()] = dest.strip()
    return mapping


def suggest(header: str, kind: Kind) -> str | None:
    """The field a column probably holds, or None: its field name, then a synonym of the
    kind's, then a common one, then the field's label in English or German."""
    return _suggestions(kind).get(normalise(header))


def _suggestions(kind: Kind) -> dict[str, str]:
    cached = _SUGGESTIONS.get(kind.name)
    if cached is None:
        table: dict[str, str] = {}
        for language in ("en", "de"):
            with translation.override(language):
                for name in kind.names:
                    table.setdefault(normalise(str(kind.label(name))), name)
        for synonyms in (COMMON, synonyms_by_kind.get(kind.name, {})):
            table.update({normalise(s): f for s, f in synonyms.items() if f in kind.names})
        table.update({normalise(name): name for name in kind.names})
        cached = _SUGGESTIONS[kind.name] = table
    return cached


_SUGGESTIONS: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class ResolvedColumns:
    by_index: dict[int, str]  # column position -> field name
    source_of: dict[str, str]  # field name -> source header (for messages)
    constants: dict[str, str]  # field name -> raw value, for fields the file does not have


def resolve_columns(header: list[str], kind: Kind, mapping: Mapping) -> ResolvedColumns:
    """Which column feeds which field; every problem with the header at once, or none."""
    by_index, problems = _targets(header, kind, mapping)
    targets = list(by_index.values())
    constants = {f: raw for f, raw in mapping.defaults.items() if f not in targets}
    problems += _structure_problems(targets, set(targets) | set(constants), kind)
    if problems:
        raise ImportFileError(" ".join(problems))
    source_of = {name: header[i] for i, name in by_index.items()}
    source_of.update({name: name for name in constants})
    return ResolvedColumns(by_index=by_index, source_of=source_of, constants=constants)


def _targets(header: list[str], kind: Kind, mapping: Mapping) -> tuple[dict[int, str], list[str]]:
    by_index: dict[int, str] = {}
    problems: list[str] = []
    unknown: list[str] = []
    for index, column in enumerate(header):
        target = mapping.columns.get(column)
        if target == IGNORE:
            continue
        if target is not None and target not in kind.names:
            problems.append(
                _(
                    "Column “%(column)s” is mapped to “%(target)s”, which %(kind)s do not have. "
                    "Fields: %(fields)s."
                )
                % {
                    "column": column,
                    "target": target,
                    "kind": kind.name,
                    "fields": ", ".join(kind.names),
                }
            )
            continue
        target = target or suggest(column, kind)
        if target is not None:
            by_index[index] = target
        elif not mapping.ignore_unknown:
            unknown.append(column)
    if unknown:
        problems.append(
            _(
                "Unknown columns: %(columns)s. Map them to a field (--map COLUMN=FIELD) or ignore "
                "them (--map COLUMN=-). Fields of %(kind)s: %(fields)s."
            )
            % {
                "columns": ", ".join(f"“{c}”" for c in unknown),
                "kind": kind.name,
                "fields": ", ".join(kind.names),
            }
        )
    return by_index, problems


def _named(kind: Kind, names: list[str] | tuple[str, ...], joiner: str = ", ") -> str:
    """Fields as the mapping step labels them, each with the column name a file can use."""
    return joiner.join(f"{kind.label(name)} ({name})" for name in names)


def _structure_problems(targets: list[str], present: set[str], kind: Kind) -> list[str]:
    problems = []
    doubled = sorted(t for t, n in Counter(targets).items() if n > 1)
    if doubled:
        problems.append(
            _("Several columns feed the same field: %(fields)s.")
            % {"fields": _named(kind, doubled)}
        )
    missing = [f.name for f in kind.fields if f.required and f.name not in present]
    if missing:
        problems.append(
            _("Required columns are missing: %(fields)s.") % {"fields": _named(kind, missing)}
        )
    if kind.one_of and len([n for n in kind.one_of if n in present]) != 1:
        problems.append(
            _("The file needs exactly one of the columns %(names)s.")
            % {"names": _named(kind, kind.one_of, " / ")}
        )
    return problems
