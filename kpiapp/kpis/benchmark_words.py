"""How a benchmark row reads on a page: what kind of number it is and where it comes from
("Markt-Median (Recurly, 2019, B2B-Abonnements, nicht nur SaaS)"), and, at another grain, how
to convert instead of a verdict (BENCHMARKS.md "How to read these")."""

from __future__ import annotations

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kpiapp.kpis.benchmarks import Benchmark

KIND_NAMES = {
    "median": gettext_lazy("Market median"),
    "medians_range": gettext_lazy("Range of market medians"),
    "average": gettext_lazy("Market average"),
    "survey": gettext_lazy("Survey figure"),
    "typical_range": gettext_lazy("Typical range"),
    "guideline": gettext_lazy("Guideline"),
    "rule_of_thumb": gettext_lazy("Rule of thumb"),
    "example_target": gettext_lazy("Example target"),
    "worked_example": gettext_lazy("Worked example"),
}
GRAIN_NAMES = {
    "month": gettext_lazy("per month"),
    "quarter": gettext_lazy("per quarter"),
    "year": gettext_lazy("per year"),
}
FORM_NAMES = {
    "point": gettext_lazy("typical value (on par within 5 %)"),
    "band": gettext_lazy("range (ends included)"),
    "at_least": gettext_lazy("threshold: at least"),
    "at_most": gettext_lazy("threshold: at most"),
}
VERDICT_NAMES = {
    "better": gettext_lazy("better"),
    "on_par": gettext_lazy("on par"),
    "worse": gettext_lazy("worse"),
}
# The library's sources in German where their English says more than a title (the titles
# themselves stay as published). Keyed by the source as benchmarks.toml writes it.
SOURCES_DE = {
    "B2B sales metrics glossary (the Compass sales glossary)": (
        "Glossar der B2B-Vertriebskennzahlen (das Compass-Vertriebsglossar)"
    ),
    "Bessemer Venture Partners, State of the Cloud 2017, in David Cummings' notes of the deck": (
        "Bessemer Venture Partners, State of the Cloud 2017, in David Cummings' Notizen "
        "zur Präsentation"
    ),
    "CSO Insights, \"Overcoming the 'No Decision' Sales Challenge (and More)\", on the 2016 "
    "Sales Performance Optimization Study": (
        "CSO Insights, „Overcoming the 'No Decision' Sales Challenge (and More)“, zur Sales "
        "Performance Optimization Study 2016"
    ),
    "ChurnZero's summary of SaaS Capital's \"2023 B2B SaaS Retention Benchmarks\"": (
        "Zusammenfassung von ChurnZero zu „2023 B2B SaaS Retention Benchmarks“ von SaaS Capital"
    ),
    'Churnward, "What Is a Good NPS Score?", summarising Retently, Userpilot, CustomerGauge '
    "and Survicate reports of 2024–2026": (
        "Churnward, „What Is a Good NPS Score?“, eine Zusammenfassung von Berichten von "
        "Retently, Userpilot, CustomerGauge und Survicate aus den Jahren 2024–2026"
    ),
    "First Page Sage's B2B SaaS conversion rates, as quoted by Altior's RevOps dictionary": (
        "B2B-SaaS-Konversionsraten von First Page Sage, zitiert im RevOps-Wörterbuch von Altior"
    ),
    'InsightSquared, "SaaS Quick Ratio benchmarks" (2016 Sales Benchmark Report), quoting '
    "Mamoon Hamid (Social Capital)": (
        "InsightSquared, „SaaS Quick Ratio benchmarks“ (Sales Benchmark Report 2016), mit einem "
        "Zitat von Mamoon Hamid (Social Capital)"
    ),
    "KPI glossary entry (example: annual renewals of a compliance consultancy)": (
        "Eintrag in einem KPI-Glossar (Beispiel: jährliche Verlängerungen einer "
        "Compliance-Beratung)"
    ),
    "Kyle Poyar (author of OpenView's SaaS Benchmarks reports), \"Ten of the best SaaS growth "
    'charts", Growth Unhinged': (
        "Kyle Poyar (Autor der SaaS-Benchmarks-Berichte von OpenView), „Ten of the best SaaS "
        "growth charts“, Growth Unhinged"
    ),
    'Recurly Research, "Churn rate benchmarks" (web page)': (
        "Recurly Research, „Churn rate benchmarks“ (Webseite)"
    ),
    'RevOps Dictionary, "Sales Cycle Length" (typical lengths, unsourced)': (
        "RevOps Dictionary, „Sales Cycle Length“ (typische Längen, ohne Quellenangabe)"
    ),
    'SingularitySales blog, "Die 6 wichtigsten Vertriebs-KPIs für SaaS-Unternehmen"': (
        "SingularitySales-Blog, „Die 6 wichtigsten Vertriebs-KPIs für SaaS-Unternehmen“"
    ),
}
CHURN_KEYS = ("customer_churn_rate", "mrr_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate")
RETENTION_KEYS = ("customer_retention_rate", "nrr", "grr")
GROWTH_KEYS = ("mrr_growth_rate",)


def source_name(source: str) -> str:
    """A library row's source in the reader's language (titles stay as published)."""
    if get_language() == "de":
        return SOURCES_DE.get(source, source)
    return source


def reference_label(row: Benchmark) -> str:
    """What kind of number the row is and whose: a rule of thumb names its source, a survey
    figure its publisher, year and population; secondary and copied sources say so."""
    if row.is_team:
        return _("The team's own benchmark (%(source)s)") % {"source": row.source}
    kind = str(KIND_NAMES.get(row.kind, row.kind))
    if row.label == "seed article":
        return _("%(kind)s (source: %(publisher)s)") % {"kind": kind, "publisher": row.publisher}
    parts = [str(row.publisher), *([str(row.year)] if row.year else []), str(row.population)]
    text = f"{kind} ({', '.join(parts)})"
    if row.label == "secondary":
        text += " – " + _("from a secondary summary")
    elif row.label == "primary, copy":
        text += " – " + _("read in a copy of the source")
    return text


def conversion_note(row: Benchmark, grain: str) -> str:
    """Said instead of a verdict when the page shows another grain than the row's."""
    if row.key in CHURN_KEYS:
        how = _(
            "Annual churn from monthly churn m: 1 − (1 − m)^12 (2 % a month ≈ 21.5 % a year); "
            "for a quarter use the power 3."
        )
    elif row.key in RETENTION_KEYS:
        how = _(
            "Annual retention from monthly churn m: (1 − m)^12. Monthly values multiplied "
            "together are not an annual cohort figure: compare at year level."
        )
    elif row.key in GROWTH_KEYS:
        how = _(
            "Annual growth from monthly growth g: (1 + g)^12 − 1 (4.4 % a month ≈ 68 % a "
            "year; 26 % a year ≈ 1.94 % a month)."
        )
    else:
        how = _("Ratios and averages are not converted between period lengths.")
    return _(
        "This reference is %(grain)s: no verdict here, switch the view to compare. %(how)s"
    ) % {
        "grain": GRAIN_NAMES.get(row.grain, row.grain),
        "how": how,
    }
