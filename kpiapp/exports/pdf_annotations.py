"""A report's annotations in its PDF, as on its page (static/js/annotations.js and
templates/kpiapp/_chart_annotations.html): a dashed, numbered line at each one's period on
the chart, and the numbered list under it."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import formats
from django.utils.translation import gettext as _

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from kpiapp.selectors.annotations import ChartNote

HEX = "#6b3fa0"  # the web charts' annotation colour
COLOR = colors.HexColor(HEX)


def draw_markers(
    drawing: Drawing, chart: HorizontalLineChart, notes: list[ChartNote], *, font: str
) -> None:
    """A dashed line with its number at the middle of each note's period (where the line
    chart puts that period's point)."""
    count = len(chart.categoryAxis.categoryNames or [])
    if not count:
        return
    top = chart.y + chart.height
    for note in notes:
        if note.index is None:
            continue
        x = chart.x + chart.width * (note.index + 0.5) / count
        drawing.add(
            Line(x, chart.y, x, top - 8, strokeColor=COLOR, strokeWidth=0.8, strokeDashArray=(3, 2))
        )
        drawing.add(
            String(x, top - 6, str(note.number), fontName=font, fontSize=6.5, fillColor=COLOR,
                   textAnchor="middle")
        )  # fmt: skip


def note_list(
    notes: list[ChartNote], *, style: ParagraphStyle, plain: Callable[[object], str]
) -> list[Paragraph]:
    """The numbered list under the chart, in the active language: "1. 14. Oktober 2026:
    Preisliste geändert (jedes Diagramm)"."""
    lines = []
    for item in notes:
        note = item.annotation
        day = formats.date_format(note.day, "DATE_FORMAT")
        scope = item.kpi_name if note.kpi_key else _("every chart")
        extra = f" ({scope})" if scope else ""
        lines.append(
            Paragraph(
                f"<font color='{HEX}'><b>{item.number}.</b></font> "
                f"<b>{plain(day)}</b>: {plain(note.text)}"
                f"<font color='#5b6575'>{plain(extra)}</font>",
                style,
            )
        )
    return lines
