"""A report as an A4 PDF, good enough to send to an investor: the head (title, workspace,
periods, filter, date), one block per KPI (value, change, target status, trend chart, table,
the team's note), the targets table, the definitions used, and on every page a footer with the
workspace, the title, the date and "Page X of Y". In the report's language.

ReportLab draws it (a pip wheel, no system libraries). Its standard Helvetica only covers
cp1252, which lacks the minus sign (U+2212) our number formats use; so we embed Bitstream Vera,
which ReportLab ships, and replace the few characters Vera lacks (→, ▲, ▼) with plain ones.
"""

from __future__ import annotations

import io
import os
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

import reportlab
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from kpiapp.exports.pdf_annotations import draw_markers, note_list
from kpiapp.kpis.forecast import Forecast
from kpiapp.kpis.periods import period_name
from kpiapp.selectors.annotations import ChartNote, ChartNotes
from kpiapp.selectors.reports import ReportContent, ReportSection
from kpiapp.templatetags.kpi_format import kpi_change, kpi_value, percent

FONT, BOLD = "KzSans", "KzSans-Bold"
PRIMARY = colors.HexColor("#1f5fbf")
MUTED = colors.HexColor("#5b6575")
GRID = colors.HexColor("#e3e7ee")
GOOD, BAD = colors.HexColor("#157347"), colors.HexColor("#b42318")
REPLACEMENTS = {"→": "->", "▲": "+", "▼": "-"}
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(folder, "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, os.path.join(folder, "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _drawable(text: object) -> str:
    """Text the embedded font can draw, as is: for the canvas, which draws plain text."""
    value = str(text)
    for char, replacement in REPLACEMENTS.items():
        value = value.replace(char, replacement)
    return value


def _plain(text: object) -> str:
    """Text the embedded font can draw, escaped for ReportLab's paragraph markup."""
    return _drawable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=20, leading=24, spaceAfter=4),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT, fontSize=11, leading=14, textColor=MUTED),
    "h2": ParagraphStyle(
        "h2", fontName=BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4
    ),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13),
    "h3": ParagraphStyle("h3", fontName=BOLD, fontSize=9, leading=12, spaceBefore=4),
    "note": ParagraphStyle(
        "note",
        fontName=FONT,
        fontSize=9.5,
        leading=13,
        leftIndent=6,
        borderPadding=(4, 4, 4, 6),
        backColor=colors.HexColor("#eaf1fc"),
        spaceBefore=4,
        spaceAfter=4,
    ),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10, textColor=MUTED),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10),
    "num": ParagraphStyle("num", fontName=FONT, fontSize=8.5, leading=10, alignment=TA_RIGHT),
}


def _status_name(status: str | None) -> str:
    names = {
        "on_track": _("on track"),
        "at_risk": _("at risk"),
        "off_track": _("off track"),
        "hit": _("hit"),
        "missed": _("missed"),
    }
    return names.get(status or "", "")


def _value(value: Decimal | Fraction | float | None, unit: str, currency: str) -> str:
    return kpi_value(value, unit, currency)


class _NumberedCanvas(Canvas):
    """Draws the footer once the page count is known ("Page X of Y")."""

    footer_left = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawString(MARGIN, 10 * mm, _drawable(self.footer_left))
        page = _("Page %(n)s of %(total)s") % {"n": self._pageNumber, "total": total}
        self.drawRightString(A4[0] - MARGIN, 10 * mm, page)


def _axis_label(unit: str) -> Any:
    scale = 100 if unit == "rate" else 1
    suffix = " %" if unit in ("rate", "percent") else ""

    def label(value: float) -> str:
        places = 0 if abs(value * scale) >= 10 or value == 0 else 1
        return (
            formats.number_format(
                round(value * scale, places), places, use_l10n=True, force_grouping=True
            )
            + suffix
        )

    return label


def _chart(section: ReportSection, notes: list[ChartNote]) -> Flowable:
    values = [None if r.value is None else float(r.value) for r in section.rows]
    height = 48 * mm
    drawing = Drawing(WIDTH, height)
    if sum(v is not None for v in values) == 0:
        drawing.add(
            String(
                0,
                height / 2,
                _("No values for this range yet."),
                fontName=FONT,
                fontSize=9,
                fillColor=MUTED,
            )
        )
        return drawing
    series = [values]
    styles: list[tuple[Any, tuple[int, int] | None, float]] = [(PRIMARY, None, 1.6)]  # dashes
    compare = [None if r.compare_value is None else float(r.compare_value) for r in section.rows]
    if any(v is not None for v in compare):
        series.append(compare)
        styles.append((MUTED, (2, 2), 0.8))
    if section.has_targets:
        series.append([None if r.target is None else float(r.target) for r in section.rows])
        styles.append((colors.HexColor("#8a5a00"), (5, 3), 1.0))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 42, 14, WIDTH - 50, height - 22
    chart.data = series
    chart.categoryAxis.categoryNames = [period_name(r.period) for r in section.rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.fillColor = MUTED
    chart.categoryAxis.strokeColor = GRID
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.labelTextFormat = _axis_label(section.kpi.unit)
    chart.valueAxis.strokeColor = GRID
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    known = [v for s in series for v in s if v is not None]
    low, high = min(known), max(known)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = low - pad, high + pad
    for index, (colour, dash, width) in enumerate(styles):
        chart.lines[index].strokeColor = colour
        chart.lines[index].strokeWidth = width
        if dash:
            chart.lines[index].strokeDashArray = dash
    drawing.add(chart)
    draw_markers(drawing, chart, notes, font=BOLD)
    return drawing


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, GRID),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))  # fmt: skip
    return table


def _headline(section: ReportSection, currency: str) -> str:
    """The last period's value, its change and the quarter's target status, on one line."""
    kpi, latest = section.kpi, section.latest
    if latest is None:
        return ""
    line = (
        f"<b>{_plain(_value(latest.value, kpi.unit, currency))}</b> · {period_name(latest.period)}"
    )
    if latest.change is not None and latest.compare_period is not None:
        colours: dict[bool | None, str] = {True: "#157347", False: "#b42318"}
        colour = colours.get(latest.change_good, "#1b2330")
        versus = _("vs %(p)s") % {"p": period_name(latest.compare_period)}
        moved = _plain(kpi_change(latest, kpi.unit, currency))
        line += f" · <font color='{colour}'>{moved}</font> {_plain(versus)}"
    if section.pacing and section.pacing.status:
        line += f" · {_plain(_('Target'))}: {_plain(_status_name(section.pacing.status))}"
    if section.standing is not None:
        line += f"<br/>{_plain(section.standing.statement(currency))}"
    return line


def _section_table(section: ReportSection, compared: bool, currency: str) -> Table:
    kpi = section.kpi
    header = [_("Period"), _("Value")]
    if compared:
        header += [_("Comparison"), translation.pgettext("difference", "Change")]
    if section.has_targets:  # beside a month, its milestone on the way to the quarter's target
        header.append(_("Milestone") if section.rows[0].period.grain == "month" else _("Target"))
    rows: list[list[Any]] = [[_plain(h) for h in header]]
    for row in reversed(section.rows):
        label = period_name(row.period) + (f" ({_('to date')})" if row.partial else "")
        cells = [label, _value(row.value, kpi.unit, currency)]
        if compared:
            moved = kpi_change(row, kpi.unit, currency)
            cells += [_value(row.compare_value, kpi.unit, currency), moved]
        if section.has_targets:
            cells.append(_value(row.target, kpi.unit, currency))
        rows.append([_plain(c) for c in cells])
    return _table(rows, [WIDTH / len(header)] * len(header))


def _section(
    section: ReportSection, content: ReportContent, notes: list[ChartNote]
) -> list[Flowable]:
    report, currency = content.report, content.workspace.currency
    name = _plain(section.kpi.name)
    if report.dimension and not section.filtered:
        name += f" <font color='#5b6575' size='9'>({_plain(_('total'))})</font>"
    head: list[Flowable] = [Paragraph(name, STYLES["h2"])]
    if section.latest is not None and not section.missing:
        head.append(Paragraph(_headline(section, currency), STYLES["body"]))
    if section.note:
        head.append(Paragraph(_plain(section.note).replace("\n", "<br/>"), STYLES["note"]))
    if section.missing:  # a segment of several conditions that this KPI cannot show
        head.append(Paragraph(_plain(section.missing), STYLES["body"]))
        return [KeepTogether(head), Spacer(1, 4 * mm)]
    if section.partly:
        head.append(Paragraph(_plain(section.partly), STYLES["small"]))
    head.append(_chart(section, notes))
    if notes and section.has_values:
        head.append(Paragraph(_plain(_("Annotations")), STYLES["h3"]))
        head.extend(note_list(notes, style=STYLES["small"], plain=_plain))
    # The heading, the note and the chart stay on one page; a long table may break after.
    table = _section_table(section, report.comparison != "none", currency)
    return [KeepTogether(head), table, Spacer(1, 4 * mm)]


def _targets(content: ReportContent) -> list[Flowable]:
    quarter = period_name(content.targets_quarter) if content.targets_quarter else ""
    parts: list[Flowable] = [Paragraph(_plain(_("Targets %(q)s") % {"q": quarter}), STYLES["h2"])]
    if not content.targets:
        return [
            *parts,
            Paragraph(_plain(_("No targets are set for this quarter.")), STYLES["body"]),
        ]
    currency = content.workspace.currency
    rows: list[list[Any]] = [[_plain(h) for h in (_("Target"), _("So far"), _("Progress"),
                                                  _("Milestone"), _("Forecast"),
                                                  _("Status"))]]  # fmt: skip
    for row in content.targets:
        progress = row.pacing.progress if row.pacing else None
        forecast = row.forecast
        rows.append([
            Paragraph(_plain(row.statement(currency)), STYLES["cell"]),
            _plain(_value(row.current, row.kpi.unit, currency)),
            _plain(percent(progress) if progress is not None else "–"),
            _plain(_value(row.milestone, row.kpi.unit, currency)),
            _plain(_value(forecast.value, row.kpi.unit, currency)
                   if isinstance(forecast, Forecast) else "–"),
            _plain(_status_name(row.pacing.status if row.pacing else None) or "–"),
        ])  # fmt: skip
    return [*parts, _table(rows, [WIDTH * 0.35] + [WIDTH * 0.13] * 5)]


def _definitions(content: ReportContent) -> list[Flowable]:
    parts: list[Flowable] = [Paragraph(_plain(_("Definitions")), STYLES["h2"])]
    for section in content.sections:
        text = f"<b>{_plain(section.kpi.name)}</b>: {_plain(section.kpi.definition)}"
        parts.append(Paragraph(text, STYLES["body"]))
        parts.append(Spacer(1, 1.5 * mm))
    return parts


def _head(content: ReportContent) -> list[Flowable]:
    report = content.report
    periods = period_name(content.first)
    if content.first != content.last:
        periods += f" – {period_name(content.last)}"
    if report.is_relative:
        periods += f" ({report.range_description})"
    facts = [f"{_('Periods')}: {periods}"]
    if report.segment:
        facts.append(f"{_('Segment')}: {content.segment_label}")
    elif report.dimension:
        label = translation.pgettext("noun", "Filter")
        facts.append(f"{label}: {content.dimension_name}: {report.dimension_value}")
    if report.comparison != "none":
        facts.append(f"{_('Compared with')}: {report.get_comparison_display()}")
    facts.append(f"{_('Values as of')} {formats.date_format(content.today, 'DATE_FORMAT')}")
    return [
        Paragraph(_plain(report.title), STYLES["title"]),
        Paragraph(_plain(content.workspace.name), STYLES["subtitle"]),
        Spacer(1, 3 * mm),
        *[Paragraph(_plain(f), STYLES["body"]) for f in facts],
        Spacer(1, 3 * mm),
    ]


def report_pdf(content: ReportContent, *, notes: dict[str, ChartNotes] | None = None) -> bytes:
    """The whole report as PDF bytes, in the report's language; with `notes`, each chart's
    annotations (`selectors.annotations.notes_by_kpi`), drawn and listed as on the page."""
    _register_fonts()
    report = content.report
    with translation.override(report.language):
        story = _head(content)
        missing = len(content.missing_kpis)
        if missing:
            text = translation.ngettext(
                "One KPI of this report no longer exists and is left out.",
                "%(n)s KPIs of this report no longer exist and are left out.",
                missing,
            ) % {"n": missing}
            story.append(Paragraph(_plain(text), STYLES["small"]))
        if not content.sections:
            story.append(Paragraph(_plain(_("This report has no KPIs any more.")), STYLES["body"]))
        for section in content.sections:
            shown = (notes or {}).get(section.kpi.key)
            story.extend(_section(section, content, shown.notes if shown else []))
        if report.include_targets:
            story.extend(_targets(content))
        story.extend(_definitions(content))
        date = formats.date_format(content.today, "DATE_FORMAT")
        footer = f"{content.workspace.name} · {report.title} · {date}"
        canvas = type("ReportCanvas", (_NumberedCanvas,), {"footer_left": footer})
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            title=report.title,
            author=content.workspace.name,
            creator="Kennzahl",
            invariant=1,
            lang=report.language,
        )
        document.build(story, canvasmaker=canvas)
    return buffer.getvalue()
