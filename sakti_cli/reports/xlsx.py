"""Reports as XLSX workbooks with native charts (Excel/LibreOffice draw them from the cells, so they follow
any correction a reader makes), written with openpyxl.

A report describes its sheets as :class:`Sheet` items: a few lines of title, one table (typed cells: numbers
stay numbers, dates dates), its header frozen with an autofilter, and the charts drawn from its columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sakti_cli.core.storage import atomic_write


@dataclass(frozen=True)
class Chart:
    kind: Literal["bar", "line"]
    title: str
    values: list[int]  # the table's columns (1-based) drawn as series
    categories: int = 1  # the column of the category labels
    y_title: str = "jumlah"
    x_title: str = ""


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[list[Any]]
    intro: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)  # column (1-based) -> width


def _chart(spec: Chart, sheet: Any, header_row: int, last_row: int) -> Any:
    from openpyxl.chart import BarChart, LineChart, Reference

    chart: Any = BarChart() if spec.kind == "bar" else LineChart()
    if spec.kind == "bar":
        chart.type = "col"
        chart.grouping = "clustered"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    if spec.x_title:
        chart.x_axis.title = spec.x_title
    chart.height, chart.width = 8.5, 18
    last = max(last_row, header_row + 1)
    for column in spec.values:
        chart.add_data(Reference(sheet, min_col=column, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=spec.categories, min_row=header_row + 1, max_row=last))
    return chart


def render(sheets: list[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF6")
    for spec in sheets:
        sheet = book.create_sheet(spec.name[:31])
        for line_no, line in enumerate(spec.intro, 1):
            sheet.cell(line_no, 1, line).font = Font(bold=line_no == 1, size=13 if line_no == 1 else 11)
        header = len(spec.intro) + (2 if spec.intro else 1)
        for col, name in enumerate(spec.columns, 1):
            cell = sheet.cell(header, col, name)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for offset, row in enumerate(spec.rows, 1):
            for col, value in enumerate(row, 1):
                cell = sheet.cell(header + offset, col, value)
                if isinstance(value, float):
                    cell.number_format = "0.0"
        last = header + len(spec.rows)
        sheet.freeze_panes = sheet.cell(header + 1, 1)
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(spec.columns))}{max(last, header)}"
        for col, name in enumerate(spec.columns, 1):
            width = spec.widths.get(col) or min(45.0, max(10.0, len(name) + 2,
                                                          *(len(str(r[col - 1])) + 2 for r in spec.rows[:200])))
            sheet.column_dimensions[get_column_letter(col)].width = width
        anchor_col = get_column_letter(len(spec.columns) + 2)
        for index, chart in enumerate(spec.charts):
            sheet.add_chart(_chart(chart, sheet, header, last), f"{anchor_col}{header + index * 18}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(sheets: list[Sheet], target: Path) -> Path:
    """The workbook at ``target``, written atomically, readable by the owner only (0600)."""
    atomic_write(target, render(sheets))
    return target
