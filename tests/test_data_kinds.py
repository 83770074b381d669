"""The registry of record kinds (`kpiapp.data_kinds`) is the one list every consumer reads."""

from __future__ import annotations

from kpiapp.data_kinds import DATA_KINDS
from kpiapp.kpis.dependencies import BUILT_IN_KEYS, NARROW_KINDS, inputs_of


def test_each_kind_names_its_own_csv_kind_and_model():
    for slug, kind in DATA_KINDS.items():
        assert kind.slug == slug
        assert kind.csv.name == slug
        assert kind.csv.model is kind.model


# Kinds that no KPI reads yet.
READ_BY_NO_KPI: set[str] = set()


def test_the_engine_reads_only_kinds_the_registry_knows():
    read = set().union(*(inputs_of(key) for key in BUILT_IN_KEYS), inputs_of("custom_x"))
    assert read <= DATA_KINDS.keys() | NARROW_KINDS
    unread = DATA_KINDS.keys() - read - READ_BY_NO_KPI
    assert not unread, f"no KPI reads {sorted(unread)}: a new kind needs its KPI inputs"


def test_export_readers_name_columns_of_the_csv_kind():
    for kind in DATA_KINDS.values():
        assert set(kind.export_readers) <= set(kind.csv.names), kind.slug


def test_what_a_list_and_an_export_read_along_are_relations_of_the_model():
    for kind in DATA_KINDS.values():
        relations = {f.name for f in kind.model._meta.get_fields() if f.is_relation}
        assert set(kind.related) <= relations, kind.slug
