"""Listings written to files: CSV (UTF-8 with BOM, for Excel) and a real XLSX workbook, both streamed.

The workbook is openpyxl's write-only mode (rows go to disk as they come, memory stays flat): dates are date
cells, numbers number cells, identifiers (NIK, letter and registration numbers) text cells with the text
format, so Excel never turns a NIK into 6.2E+15; the header row is frozen, an autofilter covers the rows,
every column has its width. Files are private to the office account (0600), written beside their place and
renamed when complete (core.storage.private_output).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from sakti_cli.core.storage import private_output
from sakti_cli.listings.table import Column

DATE_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "dd/mm/yyyy hh:mm"
SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_FORBIDDEN = str.maketrans({ch: "-" for ch in "[]:*?/\\"})


def sheet_title(text: str) -> str:
    return text.translate(_SHEET_FORBIDDEN)[:SHEET_TITLE_MAX] or "Lembar"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(column: Column, row: dict[str, Any]) -> str:
    """A CSV field: text that a spreadsheet would run as a formula (``=HYPERLINK(...)`` typed as a name)
    starts with an apostrophe; numbers and dates as they are."""
    text = column.text(row)
    return f"'{text}" if column.kind in ("teks", "kode") and text.startswith(_FORMULA_START) else text


class CsvWriter:
    """CSV rows (a header of column titles) into an open private file, UTF-8 with BOM for Excel."""

    def __init__(self, raw: BinaryIO, columns: list[Column]) -> None:
        self.raw = raw
        self.columns = columns
        self.text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([column.title for column in columns])
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        self.writer.writerow([csv_text(column, row) for column in self.columns])
        self.rows += 1

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # the private file is closed (and renamed) by its owner


def write_csv(path: Path, columns: list[Column], rows: Iterable[dict[str, Any]]) -> int:
    """Write the rows as CSV; the number of rows written."""
    with private_output(path) as raw:
        writer = CsvWriter(raw, columns)
        for row in rows:
            writer.add(row)
        writer.close()
    return writer.rows


class SheetWriter:
    """One worksheet of a write-only workbook: header, widths, frozen header, typed cells, autofilter."""

    def __init__(self, book: Any, title: str, columns: list[Column], heading: list[str] | None = None) -> None:
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        self.columns = columns
        self.sheet = book.create_sheet(sheet_title(title))
        self.letters = [get_column_letter(i + 1) for i in range(len(columns))]
        for letter, column in zip(self.letters, columns, strict=True):
            self.sheet.column_dimensions[letter].width = column.width
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.first = 1 + len(heading or [])  # the header's row
        self.sheet.freeze_panes = f"A{self.first + 1}"  # before any row: write-only sheets write views first
        for line in heading or []:  # title lines above the table (the agenda's kop)
            self._append([self._cell(line, font=self.bold)])
        self._append([self._cell(column.title, font=self.bold) for column in columns])
        self.rows = 0

    def _cell(self, value: Any, *, font: Any = None, number_format: str | None = None, wrap: bool = False) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str) and cell.data_type == "f":  # a name typed as "=..." is text, never a formula
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        if number_format is not None:
            cell.number_format = number_format
        if wrap:
            cell.alignment = self.wrap
        return cell

    def _append(self, cells: list[Any]) -> None:
        self.sheet.append(cells)

    def add(self, row: dict[str, Any]) -> None:
        cells = []
        for column in self.columns:
            value = column.cell(row)
            fmt = {"tanggal": DATE_FORMAT, "waktu": TIME_FORMAT, "kode": "@", "angka": "0"}.get(column.kind)
            cells.append(self._cell(value, number_format=fmt, wrap=column.kind == "teks" and column.width >= 30))
        self._append(cells)
        self.rows += 1

    def close(self) -> None:
        """The autofilter over the header and every row (written after the rows: openpyxl keeps it for the end)."""
        self.sheet.auto_filter.ref = f"A{self.first}:{self.letters[-1]}{self.first + max(self.rows, 1)}"


def new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook(write_only=True)


def save_workbook(book: Any, path: Path) -> None:
    with private_output(path) as handle:
        book.save(handle)


def write_xlsx(path: Path, title: str, columns: list[Column], rows: Iterable[dict[str, Any]]) -> int:
    """Write the rows as one worksheet; the number of rows written."""
    book = new_workbook()
    sheet = SheetWriter(book, title, columns)
    for row in rows:
        sheet.add(row)
    sheet.close()
    save_workbook(book, path)
    return sheet.rows
