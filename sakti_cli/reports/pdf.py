"""Reports as A4 PDF for the regency: the office's header (kop), tables, and charts drawn as vector shapes.

Drawn with reportlab (platypus for the flow of pages, ``reportlab.graphics.charts`` for the charts): no
LibreOffice, no images, so a report of a year is written in a fraction of a second and its charts stay sharp
when printed. Both ``sakti laporan`` and ``sakti laporan skm`` describe their pages as :class:`Block` items.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sakti_cli.core.storage import atomic_write

PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#8c564b")


@dataclass(frozen=True)
class Office:
    """The kop: PEMERINTAH KABUPATEN ..., KECAMATAN ..., the address line."""

    kabupaten: str
    kecamatan: str
    alamat: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]
    numeric_from: int = 1  # columns from this index are right-aligned


@dataclass(frozen=True)
class Bars:
    """A bar chart: one group of bars per label, one bar per series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]


@dataclass(frozen=True)
class Line:
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]


@dataclass
class Document:
    office: Office
    title: str
    subtitle: str
    blocks: list[Any] = field(default_factory=list)
    footer: str = ""


def _style() -> Any:
    from reportlab.lib.styles import getSampleStyleSheet

    return getSampleStyleSheet()


def _kop(office: Office) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import HRFlowable, Paragraph

    base = _style()["Normal"]
    big = ParagraphStyle("kop1", parent=base, alignment=TA_CENTER, fontName="Helvetica-Bold", fontSize=13, leading=16)
    small = ParagraphStyle("kop2", parent=base, alignment=TA_CENTER, fontSize=9, leading=11)
    return [Paragraph(_escape(f"PEMERINTAH KABUPATEN {office.kabupaten.upper()}"), big),
            Paragraph(_escape(f"KECAMATAN {office.kecamatan.upper()}"), big),
            Paragraph(_escape(office.alamat), small),
            HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=4, spaceAfter=10)]


def _escape(text: Any) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))


def _table(block: Table, width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    many = len(block.columns) > 6
    style = ParagraphStyle("sel", parent=_style()["BodyText"], fontSize=7 if many else 8, leading=9 if many else 10)
    right = ParagraphStyle("selkanan", parent=style, alignment=TA_RIGHT)
    data = [[Paragraph(f"<b>{_escape(c)}</b>", style) for c in block.columns]]
    data += [[Paragraph(_escape("-" if v is None else v), style if i < block.numeric_from else right)
              for i, v in enumerate(row)] for row in block.rows]
    first = width * (0.2 if many else 0.34 if len(block.columns) > 3 else 0.5)
    rest = (width - first) / max(1, len(block.columns) - 1)
    table = RLTable(data, colWidths=[first] + [rest] * (len(block.columns) - 1), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("ALIGN", (block.numeric_from, 1), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 7 if many else 8),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _legend(drawing: Any, names: list[str], x: float, y: float) -> None:
    from reportlab.graphics.charts.legends import Legend
    from reportlab.lib import colors

    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = 90
    legend.colorNamePairs = [(colors.HexColor(PALETTE[i % len(PALETTE)]), name) for i, name in enumerate(names)]
    drawing.add(legend)


def _chart_title(drawing: Any, text: str, width: float, height: float) -> None:
    from reportlab.graphics.shapes import String

    drawing.add(String(width / 2, height - 12, text, fontName="Helvetica-Bold", fontSize=9, textAnchor="middle"))


def _bars(block: Bars, width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = 210.0
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 55, width - 60, height - 90
    chart.data = [list(values) or [0] for _name, values in block.series]
    chart.categoryAxis.categoryNames = [label[:14] for label in block.labels] or ["-"]
    chart.categoryAxis.labels.angle = 30 if len(block.labels) > 5 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(block.labels) > 5 else "n"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    top = max([v for _n, values in block.series for v in values] or [0])
    chart.valueAxis.valueMax = max(1.0, top * 1.1)
    chart.barSpacing = 1
    for index in range(len(block.series)):
        chart.bars[index].fillColor = colors.HexColor(PALETTE[index % len(PALETTE)])
    drawing.add(chart)
    _chart_title(drawing, block.title, width, height)
    _legend(drawing, [name for name, _v in block.series], 40, 10)
    return drawing


def _line(block: Line, width: float) -> Any:
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = 200.0
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 45, width - 60, height - 80
    plot.data = [[(i + 1, float(v)) for i, v in enumerate(values)] or [(1, 0.0)] for _name, values in block.series]
    plot.xValueAxis.valueMin = 1
    plot.xValueAxis.valueMax = max(2, len(block.labels))
    plot.xValueAxis.labels.fontSize = 7
    step = max(1, len(block.labels) // 12)
    plot.xValueAxis.valueSteps = list(range(1, len(block.labels) + 1, step)) or [1]
    plot.xValueAxis.labelTextFormat = lambda v: block.labels[int(v) - 1][5:] if 0 < int(v) <= len(block.labels) else ""
    plot.yValueAxis.valueMin = 0
    top = max([v for _n, values in block.series for v in values] or [0])
    plot.yValueAxis.valueMax = max(1.0, top * 1.1)
    plot.yValueAxis.labels.fontSize = 7
    for index in range(len(block.series)):
        plot.lines[index].strokeColor = colors.HexColor(PALETTE[index % len(PALETTE)])
        plot.lines[index].strokeWidth = 1.2
    drawing.add(plot)
    _chart_title(drawing, block.title, width, height)
    _legend(drawing, [name for name, _v in block.series], 40, 10)
    return drawing


def render(document: Document) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    margin = 18 * mm
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=document.title,
                            author=f"Kecamatan {document.office.kecamatan}", subject=document.subtitle,
                            creator="SAKTI")
    width = A4[0] - 2 * margin
    styles = _style()
    story: list[Any] = [*_kop(document.office), Paragraph(_escape(document.title), styles["Title"]),
                        Paragraph(_escape(document.subtitle), styles["Normal"]), Spacer(1, 8)]
    for block in document.blocks:
        if isinstance(block, Heading):
            heading = Paragraph(_escape(block.text), styles["Heading3"])
            heading.keepWithNext = True  # never alone at the foot of a page
            story.append(heading)
        elif isinstance(block, Text):
            story.append(Paragraph(_escape(block.text), styles["BodyText"]))
        elif isinstance(block, Table):
            story += [_table(block, width), Spacer(1, 6)]
        elif isinstance(block, Bars):
            story += [_bars(block, width), Spacer(1, 6)]
        elif isinstance(block, Line):
            story += [_line(block, width), Spacer(1, 6)]
    footer = document.footer

    def page(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin, 9 * mm, footer)
        canvas.drawRightString(A4[0] - margin, 9 * mm, f"Halaman {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def write(document: Document, target: Path) -> Path:
    """The PDF at ``target``, written atomically, readable by the owner only (0600)."""
    atomic_write(target, render(document))
    return target
