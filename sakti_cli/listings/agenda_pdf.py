"""The agenda as an A4-landscape PDF (reportlab, drawn row by row on the canvas: a year's book never sits in
memory as flowables). Each numbering scope starts on a new page; every page repeats the kop and the column
headers and is numbered; long cells wrap within their column. Helvetica (a PDF base font, nothing embedded):
text outside its Windows-1252 repertoire is shown as '?' rather than as a missing glyph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.storage import private_output
from sakti_cli.listings.agenda import AGENDA_COLUMNS, MISSING, PAPER, Agenda

MARGIN = 28.0  # points (~1 cm)
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING = 7.5, 9.0
# Share of the table's width per column, in the order of AGENDA_COLUMNS.
SHARES = (0.05, 0.07, 0.17, 0.13, 0.15, 0.1, 0.12, 0.21)


def _shown(column: Any, row: dict[str, Any]) -> str:
    """A cell as the printed book writes it: dates as 22/11/2026."""
    value = column.cell(row)
    return value.strftime("%d/%m/%Y") if column.kind == "tanggal" and value is not None else column.text(row)


def _latin(text: str) -> str:
    return text.encode("cp1252", "replace").decode("cp1252")


class _Book:
    def __init__(self, canvas: Any, agenda: Agenda, width: float, height: float) -> None:
        from reportlab.lib.utils import simpleSplit

        self.canvas, self.agenda, self.width, self.height = canvas, agenda, width, height
        self.split = simpleSplit
        usable = width - 2 * MARGIN
        self.widths = [usable * share for share in SHARES]
        self.page = 0
        self.y = 0.0
        self.label = ""

    def new_page(self, label: str) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self.label = label
        c, top = self.canvas, self.height - MARGIN
        c.setFont(BOLD, 11)
        c.drawString(MARGIN, top - 11, _latin(self.agenda.title.upper()))
        c.setFont(FONT, 8.5)
        c.drawString(MARGIN, top - 24, _latin(self.agenda.office))
        c.drawString(MARGIN, top - 35, _latin(f"Urutan nomor: {label}"))
        c.drawRightString(self.width - MARGIN, top - 11, f"Halaman {self.page}")
        self.y = top - 44
        self._row([col.title for col in AGENDA_COLUMNS], bold=True)

    def _cells(self, values: list[str], font: str) -> list[list[str]]:
        return [self.split(_latin(value), font, SIZE, width - 4) or [""] for value, width in zip(
            values, self.widths, strict=True)]

    def _row(self, values: list[str], *, bold: bool = False, shade: bool = False) -> None:
        font = BOLD if bold else FONT
        cells = self._cells(values, font)
        height = max(len(lines) for lines in cells) * LEADING + 4
        if self.y - height < MARGIN and not bold:
            self.new_page(self.label)
            cells = self._cells(values, font)
        c = self.canvas
        if bold or shade:
            c.setFillGray(0.88 if bold else 0.95)
            c.rect(MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)
            c.setFillGray(0)
        x = MARGIN
        c.setFont(font, SIZE)
        for lines, width in zip(cells, self.widths, strict=True):
            for index, line in enumerate(lines):
                c.drawString(x + 2, self.y - 2 - SIZE - index * LEADING, line)
            c.rect(x, self.y - height, width, height, stroke=1, fill=0)
            x += width
        self.y -= height

    def add(self, row: dict[str, Any]) -> None:
        values = [_shown(column, row) for column in AGENDA_COLUMNS]
        self._row(values, shade=row.get("jenis") in (PAPER, MISSING) or row.get("status") == "BATAL")


def write_agenda_pdf(agenda: Agenda, path: Path) -> int:
    """Draw the agenda; the number of rows drawn."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    width, height = landscape(A4)
    rows = 0
    with private_output(path) as handle:
        canvas = Canvas(handle, pagesize=(width, height), pageCompression=1)
        canvas.setTitle(agenda.title)
        canvas.setAuthor(agenda.office)
        canvas.setLineWidth(0.3)
        book = _Book(canvas, agenda, width, height)
        if not agenda.sections:
            book.new_page("tidak ada surat pada periode ini")
        for section in agenda.sections:
            book.new_page(section.label)
            for row in section.rows():
                book.add(row)
                rows += 1
        canvas.showPage()
        canvas.save()
    return rows
