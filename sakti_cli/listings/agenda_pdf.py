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
from sakti_cli.register.states import LetterStatus

MARGIN = 28.0  # points (~1 cm)
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING = 7.5, 9.0
# Share of the table's width per column, in the order of AGENDA_COLUMNS.
SHARES = (0.04, 0.065, 0.17, 0.15, 0.15, 0.1, 0.14, 0.185)


def _shown(column: Any, row: dict[str, Any]) -> str:
    """A cell as the printed book writes it: dates as 22/11/2026."""
    value = column.cell(row)
    return value.strftime("%d/%m/%Y") if column.kind == "tanggal" and value is not None else column.text(row)


def _latin(text: str) -> str:
    return text.encode("cp1252", "replace").decode("cp1252")


class _Book:
    """The canvas, page by page: the kop and the header row on each page, rows drawn as they come, the grid's
    vertical lines drawn once per page (not per cell: a year's book is tens of thousands of rows)."""

    def __init__(self, canvas: Any, agenda: Agenda, width: float, height: float) -> None:
        from reportlab.lib.utils import simpleSplit
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self.canvas, self.agenda, self.width, self.height = canvas, agenda, width, height
        self.split, self.measure = simpleSplit, stringWidth
        usable = width - 2 * MARGIN
        self.widths = [usable * share for share in SHARES]
        self.page = 0
        self.y = self.top = 0.0
        self.label = ""

    def new_page(self, label: str) -> None:
        if self.page:
            self._grid()
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
        self.y = self.top = top - 44
        self.canvas.line(MARGIN, self.y, MARGIN + sum(self.widths), self.y)
        self._row([col.title for col in AGENDA_COLUMNS], bold=True)

    def _grid(self) -> None:
        x = MARGIN
        for width in (0.0, *self.widths):
            x += width
            self.canvas.line(x, self.top, x, self.y)

    def _lines(self, value: str, font: str, width: float) -> list[str]:
        text = _latin(value)
        if "\n" not in text and self.measure(text, font, SIZE) <= width - 4:
            return [text]  # most cells: one measure, no word splitting
        return self.split(text, font, SIZE, width - 4) or [""]

    def _row(self, values: list[str], *, bold: bool = False, shade: bool = False) -> None:
        font = BOLD if bold else FONT
        cells = [self._lines(value, font, width) for value, width in zip(values, self.widths, strict=True)]
        height = max(len(lines) for lines in cells) * LEADING + 4
        if self.y - height < MARGIN and not bold:
            self.new_page(self.label)
        c = self.canvas
        if bold or shade:
            c.setFillGray(0.88 if bold else 0.95)
            c.rect(MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)
            c.setFillGray(0)
        x = MARGIN
        text = c.beginText()  # one text object per row, not one per line drawn
        text.setFont(font, SIZE)
        for lines, width in zip(cells, self.widths, strict=True):
            for index, line in enumerate(lines):
                if line:
                    text.setTextOrigin(x + 2, self.y - 2 - SIZE - index * LEADING)
                    text.textOut(line)
            x += width
        c.drawText(text)
        self.y -= height
        c.line(MARGIN, self.y, MARGIN + sum(self.widths), self.y)

    def add(self, row: dict[str, Any]) -> None:
        values = [_shown(column, row) for column in AGENDA_COLUMNS]
        self._row(values, shade=row.get("jenis") in (PAPER, MISSING) or row.get("status") == LetterStatus.BATAL)

    def finish(self) -> None:
        self._grid()


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
        book.finish()
        canvas.showPage()
        canvas.save()
    return rows
