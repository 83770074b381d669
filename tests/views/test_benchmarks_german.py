"""The benchmarks page reads wholly in German for a German reader: grains, segments, units
and the sources' descriptions (the titles of publications stay as published)."""

from __future__ import annotations

import re

from django.utils import translation

import pytest

from kpiapp.kpis.benchmark_words import SOURCES_DE, source_name
from kpiapp.kpis.benchmarks import library

pytestmark = pytest.mark.django_db
URL = "/w/acme/benchmarks/"


def test_every_translated_source_is_a_source_of_the_library():
    sources = {row.source for row in library()}
    assert set(SOURCES_DE) <= sources
    # Every source that describes instead of naming a title has its German.
    describing = r"\b(entry|glossary|summary|summarising|quoted|quoting|notes|unsourced|web page)\b"
    descriptive = {s for s in sources if re.search(describing, s)}
    assert descriptive <= set(SOURCES_DE), descriptive - set(SOURCES_DE)


def test_a_source_reads_in_the_readers_language():
    source = 'RevOps Dictionary, "Sales Cycle Length" (typical lengths, unsourced)'
    with translation.override("de"):
        assert source_name(source) == (
            "RevOps Dictionary, „Sales Cycle Length“ (typische Längen, ohne Quellenangabe)"
        )
    with translation.override("en"):
        assert source_name(source) == source


def test_the_page_in_german_has_no_english_words_of_ours(client_as, vera, workspace):
    vera.language = "de"
    vera.save(update_fields=["language"])
    html = client_as(vera).get(URL).content.decode()
    library_table = html[html.index("library-summary") :]
    for english in (
        "per month",
        "per quarter",
        "per year",
        ">early<",
        ">smb<",
        "mid-market",
        ">enterprise<",
        "All companies",
        "typical lengths, unsourced",
        "KPI glossary entry",
        " months<",
        " days",
    ):
        assert english not in library_table, english
    for german in ("je Monat", "je Quartal", "je Jahr", "Frühphase", "Mittelstand"):
        assert german in library_table, german
    assert "Großunternehmen" in library_table
    assert "typische Längen, ohne Quellenangabe" in library_table
    assert "Eintrag in einem KPI-Glossar" in library_table


def test_the_page_in_english_keeps_the_sources_as_written(client_as, vera, workspace):
    html = client_as(vera).get(URL).content.decode()
    assert "per month" in html and "Mid-market" in html
    assert "typical lengths, unsourced" in html
