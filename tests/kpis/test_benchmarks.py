"""The built-in benchmark library, choosing its row and the verdict (BENCHMARKS.md)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kpiapp.kpis import benchmarks as module
from kpiapp.kpis.benchmarks import (
    Benchmark,
    LibraryError,
    choose,
    library,
    load_library,
    references,
    verdict,
    verdict_at,
)
from kpiapp.kpis.registry import KPI_BY_KEY

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "design" / "BENCHMARKS.md"
FORMS = {"point": "point", "band": "band", "threshold ≥": "at_least", "threshold ≤": "at_most"}
LABELS = ("primary, copy", "primary", "secondary", "seed article")


def _spec_rows() -> list[dict[str, object]]:
    """The table of BENCHMARKS.md, one dict per row; "(as above)" is the row it refers to
    (the earliest earlier source whose first word is the same)."""
    text = SPEC.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| `")]
    rows: list[dict[str, object]] = []
    for line in lines:
        key, grain, segment, form, value, source, year, url, note = (
            c.strip() for c in line.strip().strip("|").split(" | ")
        )
        label = next(lab for lab in LABELS if source.startswith(lab))
        rest = source[len(label) :].strip()
        seed_doc = ""
        if re.match(r"\d{3} ", rest):
            seed_doc, rest = rest[:3], rest[4:]
        title = rest.removeprefix("— ")
        first = re.split(r"[\s,]", title)[0]
        referred = next((r for r in rows if r["first"] == first), None)
        if title.endswith("(as above)"):
            title = referred["source"]
        if url == "(as above)":
            url = next(r["url"] for r in rows if r["source"] == title)
        else:
            found = re.search(r"https://\S+", url)
            url = found.group(0) if found else ""
        low, _, high = value.removesuffix(" %").partition("–")
        rows.append(
            {
                "key": key.strip("`"),
                "grain": grain,
                "segment": segment,
                "form": FORMS[form],
                "low": low,
                "high": high or None,
                "unit": "%" if value.endswith("%") else "",
                "label": label,
                "seed_doc": seed_doc,
                "source": title,
                "first": first,
                "year": None if year == "n.d." else int(year),
                "url": url,
                "note": note,
            }
        )
    return rows


@pytest.mark.skipif(
    not SPEC.exists(), reason="../shared/design/BENCHMARKS.md is not beside the repository"
)
def test_the_library_file_holds_exactly_the_rows_of_benchmarks_md():
    def scaled(raw: object, unit: str) -> Decimal | None:
        return None if raw is None else Decimal(str(raw)) / (100 if unit == "%" else 1)

    expected = [
        (
            r["key"],
            r["grain"],
            r["segment"],
            r["form"],
            scaled(r["low"], r["unit"]),
            scaled(r["high"], r["unit"]),
            r["unit"],
            r["label"],
            r["seed_doc"],
            r["source"],
            r["year"],
            r["url"],
            r["note"],
        )
        for r in _spec_rows()
    ]
    actual = [
        (
            b.key,
            b.grain,
            b.segment,
            b.form,
            b.low,
            b.high,
            b.unit,
            b.label,
            b.seed_doc,
            b.source,
            b.year,
            b.url,
            b.note.en,
        )
        for b in load_library()
    ]
    assert len(actual) == len(expected) == 35
    for number, (have, want) in enumerate(zip(actual, expected, strict=True), start=1):
        assert have == want, f"row {number}"


def test_every_row_reads_in_both_languages():
    for row in library():
        for text in (row.population, row.note, row.publisher):
            assert text.en and text.de, row
        assert bool(row.url_note.en) == bool(row.url_note.de), row
        assert (row.high is not None) == (row.form == "band"), row
        assert row.key in KPI_BY_KEY


GOOD = """[[benchmark]]
kpi = "nps"
grain = "quarter"
segment = "all"
form = "band"
low = "31"
high = "41"
unit = ""
label = "secondary"
source = "A summary"
publisher_en = "Someone"
kind = "typical_range"
url = ""
population_en = "SaaS"
population_de = "SaaS"
note_en = "n"
note_de = "n"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kpi = "nps"', 'kpi = "happiness"'), "benchmark 1 (happiness, all): kpi 'happiness'"),
        (('grain = "quarter"', 'grain = "week"'), "grain 'week'"),
        (('segment = "all"', 'segment = "startups"'), "(nps, startups): segment 'startups'"),
        (('form = "band"', 'form = "about"'), "form 'about'"),
        (('unit = ""', 'unit = "%"'), "unit '%' does not fit the KPI's unit score"),
        (('high = "41"', 'high = "20"'), "a band needs a high above its low"),
        (('label = "secondary"', 'label = "blog"'), "label 'blog'"),
        (('note_de = "n"', 'notes_de = "n"'), "unknown fields ['notes_de'], missing ['note_de']"),
    ],
)
def test_a_bad_row_stops_the_start_naming_the_row(tmp_path, monkeypatch, change, message):
    (tmp_path / "good.toml").write_text(GOOD)
    assert load_library(tmp_path / "good.toml")[0].high == 41
    bad = tmp_path / "benchmarks.toml"
    bad.write_text(GOOD.replace(*change))
    monkeypatch.setattr(module, "LIBRARY_FILE", bad)
    library.cache_clear()
    try:
        with pytest.raises(LibraryError) as error:
            library()  # what KpiappConfig.ready calls
    finally:
        library.cache_clear()
    assert message in str(error.value) and "benchmarks.toml" in str(error.value)


@pytest.mark.parametrize(
    ("key", "grain", "segment", "expected"),
    [
        ("customer_churn_rate", "month", "smb", ("at_most", "0.03", 2017)),  # own segment
        ("customer_churn_rate", "month", "early", ("point", "0.0515", 2019)),  # newest of `all`
        ("nrr", "year", "early", ("point", "1.01", 2025)),  # the newest of `all`
        ("nrr", "year", "mid-market", ("band", "1.02", 2023)),
        ("nrr", "year", "enterprise", ("point", "1.1", 2023)),
        ("lead_to_customer_rate", "month", "smb", ("point", "0.15", None)),  # undated: first listed
        ("sales_cycle_days", "quarter", "early", None),  # no row for early, none for all
        ("win_rate", "month", "smb", None),  # only at its own grain
    ],
)
def test_the_row_is_the_segments_else_alls_newest(key, grain, segment, expected):
    row = choose(library(), key=key, grain=grain, segment=segment)
    if expected is None:
        assert row is None
    else:
        assert (row.form, str(row.low.normalize()), row.year) == expected


def test_a_team_row_wins_over_the_library():
    team = Benchmark("nrr", "year", "team", "point", Decimal("1.05"), source="Our board")
    assert choose([*library(), team], key="nrr", grain="year", segment="smb") is team


def test_references_are_the_team_then_the_segment_else_all_at_every_grain():
    team = Benchmark("mrr_growth_rate", "month", "team", "at_least", Decimal("0.1"))
    rows = references([*library(), team], key="mrr_growth_rate", segment="early")
    # early has month rows; the year row comes from `all`
    assert [(r.segment, r.grain, r.form) for r in rows] == [
        ("team", "month", "at_least"),
        ("early", "month", "point"),
        ("early", "month", "at_least"),
        ("all", "year", "point"),
    ]
    churn = references(library(), key="customer_churn_rate", segment="mid-market")
    assert [(r.segment, str(r.low.normalize())) for r in churn] == [("mid-market", "0.01")]
    assert len(references(library(), key="customer_churn_rate", segment="early")) == 4


POINT_UP = Benchmark("nrr", "year", "all", "point", Decimal("1.02"))
POINT_DOWN = Benchmark("customer_churn_rate", "month", "all", "point", Decimal("0.0491"))
BAND_UP = Benchmark("grr", "year", "all", "band", Decimal("0.90"), Decimal("0.93"))
BAND_DOWN = Benchmark("sales_cycle_days", "quarter", "smb", "band", Decimal(14), Decimal(30))


@pytest.mark.parametrize(
    ("row", "direction", "value", "expected"),
    [
        (POINT_UP, "up", "1.10", "better"),
        (POINT_UP, "up", "1.00", "on_par"),  # 0.02 off, within 5 % of 1.02 (0.051)
        (POINT_UP, "up", "0.90", "worse"),
        (POINT_DOWN, "down", "0.05", "on_par"),  # 0.0009 off, within 0.002455
        (POINT_DOWN, "down", "0.03", "better"),  # lower churn is better
        (POINT_DOWN, "down", "0.06", "worse"),
        (BAND_UP, "up", "0.95", "better"),
        (BAND_UP, "up", "0.93", "on_par"),  # the band includes its ends
        (BAND_UP, "up", "0.90", "on_par"),
        (BAND_UP, "up", "0.85", "worse"),
        (BAND_DOWN, "down", "12", "better"),  # a shorter cycle is better
        (BAND_DOWN, "down", "31", "worse"),
    ],
)
def test_verdicts_follow_the_kpis_direction(row, direction, value, expected):
    assert verdict(row, Decimal(value), direction) == expected


def test_a_point_is_on_par_within_five_percent_relative():
    growth = next(r for r in library() if r.key == "mrr_growth_rate" and r.form == "point")
    assert growth.low == Decimal("0.044")  # 4.4 %: on par from 4.18 % to 4.62 %
    assert verdict(growth, Decimal("0.0418"), "up") == "on_par"
    assert verdict(growth, Decimal("0.0462"), "up") == "on_par"
    assert verdict(growth, Decimal("0.0417"), "up") == "worse"
    assert verdict(growth, Decimal("0.0463"), "up") == "better"


def test_thresholds_give_only_better_or_worse():
    at_least = Benchmark("quick_ratio", "month", "all", "at_least", Decimal(4))
    at_most = Benchmark("cac_payback_months", "month", "all", "at_most", Decimal(12))
    assert verdict(at_least, Decimal(4), "up") == "better"
    assert verdict(at_least, Decimal("3.99"), "up") == "worse"
    assert verdict(at_most, Decimal(12), "down") == "better"
    assert verdict(at_most, Decimal("12.01"), "down") == "worse"
    assert verdict(at_most, Decimal(1), "neutral") is None


def test_a_row_judges_only_at_its_own_grain():
    yearly = next(r for r in library() if r.key == "mrr_growth_rate" and r.grain == "year")
    assert verdict_at(yearly, Decimal("0.30"), "up", "year") == "better"  # 30 % > 26 %
    assert verdict_at(yearly, Decimal("0.30"), "up", "month") is None
    assert verdict_at(yearly, None, "up", "year") is None
