"""A report's tables as CSV: exact numbers, both locales, formula injection neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils import translation

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.exports.report_csv import report_csv_lines
from kpiapp.models import Segment, Target
from kpiapp.selectors.reports import report_content
from kpiapp.selectors.targets import kpi_facts
from tests.report_data import TODAY, make_report, write_snapshots

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(alice, workspace):
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 2, 1), "11000.00"),
        ("mrr", "month", date(2025, 3, 1), "-1234.50"),
        ("customer_churn_rate", "month", date(2025, 2, 1), "0.020000"),
        ("customer_churn_rate", "month", date(2025, 3, 1), None, "", "", "=no customers at start"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        Target.objects.create(
            kpi_key="mrr",
            quarter_start=date(2025, 1, 1),
            value=12000,
            dimension="channel",
            dimension_value="@Partners",
        )
    report = make_report(
        alice,
        workspace,
        range_months=2,
        include_targets=True,
        sections=[
            {"kpi": "mrr", "note": "-check FX"},
            {"kpi": "customer_churn_rate", "note": ""},
        ],
    )
    with workspace_scope(workspace.id), freeze_time(TODAY):
        return report_content(
            report=report, workspace=workspace, today=date(2025, 4, 15), kpis=kpi_facts()
        )


def _rows(content, language, table="values"):
    text = "".join(report_csv_lines(content, language=language, table=table))
    return text, list(
        csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if language == "de" else ",")
    )


def test_the_values_table_in_english(content):
    text, rows = _rows(content, "en")
    assert not text.startswith("\ufeff") and "\r\n" in text
    assert rows[0][:5] == ["kpi", "name", "unit", "period", "value"]
    by = {(r[0], r[3]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    march = by[("mrr", "2025-03")]
    assert (march["value"], march["compare_period"], march["compare_value"]) == (
        "-1234.50",
        "2025-02",
        "11000.00",
    )
    assert march["change"] == "-1.112227" and march["change_in_points"] == "0"
    assert march["note"] == "'-check FX"  # text is neutralised, the negative number is not
    churn = by[("customer_churn_rate", "2025-03")]
    assert churn["value"] == "" and churn["reason"] == "'=no customers at start"
    assert by[("customer_churn_rate", "2025-02")]["value"] == "0.020000"
    assert len(rows) == 1 + 2 * 2


def test_the_values_table_in_german_has_a_bom_semicolons_and_decimal_commas(content):
    text, rows = _rows(content, "de")
    assert text.startswith("\ufeff")
    march = next(r for r in rows if r[:1] == ["mrr"] and r[3] == "2025-03")
    assert march[4] == "-1234,50" and march[7] == "11000,00"


def test_the_targets_table(content):
    _text, rows = _rows(content, "en", "targets")
    assert rows[0][:4] == ["kpi", "name", "unit", "quarter"]
    assert rows[1][:7] == ["mrr", "MRR", "money", "2025-Q1", "channel", "'@Partners", "12000.00"]


def test_an_unknown_table_is_refused(content):
    with pytest.raises(ValueError, match="Unknown table"):
        list(report_csv_lines(content, language="en", table="secrets"))


def _segment_content(alice, workspace, **fields):
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 2, 1), "900.00", "channel", "Referral"),
        ("mrr", "month", date(2025, 3, 1), "1234.50", "channel", "Referral"),
    ])  # fmt: skip
    report = make_report(alice, workspace, range_months=2, sections=[{"kpi": "mrr"}], **fields)
    with workspace_scope(workspace.id), freeze_time(TODAY):
        return report_content(
            report=report, workspace=workspace, today=date(2025, 4, 15), kpis=kpi_facts()
        )


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Channel: Referral"), ("de", "Kanal: Referral")]
)
def test_the_rows_of_a_segment_say_which_segment_they_are(alice, workspace, language, words):
    content = _segment_content(alice, workspace, segment="channel:Referral")
    with translation.override(language):
        text, rows = _rows(content, language)
    assert rows[0][-1] == "segment"  # a last column: the others keep their places
    assert [(r[3], r[4], r[-1]) for r in rows[1:]] == [
        ("2025-02", "900,00" if language == "de" else "900.00", words),
        ("2025-03", "1234,50" if language == "de" else "1234.50", words),
    ]
    assert text.startswith("\ufeff") == (language == "de")  # the dialect stays


def test_a_saved_segments_name_comes_first_and_a_formula_like_name_is_neutralised(alice, workspace):
    with workspace_scope(workspace.id):
        Segment.objects.create(
            name="=Empfehlungen", conditions=[{"dimension": "channel", "value": "Referral"}]
        )
    content = _segment_content(alice, workspace, segment="channel:Referral")
    with translation.override("de"):
        _text, rows = _rows(content, "de")
    assert {r[-1] for r in rows[1:]} == {"'=Empfehlungen (Kanal: Referral)"}


def test_a_filter_without_a_segment_is_named_too_and_the_whole_workspace_is_left_empty(
    alice, workspace, content
):
    filtered = _segment_content(
        alice, workspace, dimension="channel", dimension_value="Referral", title="Filtered"
    )
    with translation.override("en"):
        _text, rows = _rows(filtered, "en")
        _text, whole = _rows(content, "en")
    assert {r[-1] for r in rows[1:]} == {"Channel: Referral"}
    assert whole[0][-1] == "segment" and {r[-1] for r in whole[1:]} == {""}
