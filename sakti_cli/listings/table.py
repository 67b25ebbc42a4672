"""A listing: named columns over a stream of rows, the one shape every export (CSV, XLSX) and view reads.

Rows are the JSON objects ``--json`` prints (one per letter or application); a :class:`Column` says how one
value goes into a file: its header, its kind (a date cell, a number, text) and its width. Identifiers (NIK,
letter and registration numbers) are ``kode``: always text, never a number Excel would show as 6.2E+15.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

Kind = Literal["teks", "kode", "tanggal", "waktu", "angka"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "teks"
    width: int = 14  # characters, for the workbook
    get: Callable[[dict[str, Any]], Any] | None = None  # the value when it is not ``row[key]``

    def raw(self, row: dict[str, Any]) -> Any:
        return self.get(row) if self.get is not None else row.get(self.key)

    def cell(self, row: dict[str, Any]) -> Any:
        """The typed value for a workbook: a date, a naive local datetime, an int, or text (None: empty)."""
        value = self.raw(row)
        if value is None or value == "":
            return None
        if self.kind == "tanggal":
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if self.kind == "waktu":
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return moment.replace(tzinfo=None)  # shown in the office's zone, as stored
        if self.kind == "angka":  # a range of numbers ("1–16", the agenda's paper rows) stays text
            return int(value) if isinstance(value, int) or str(value).isdigit() else str(value)
        return str(value)

    def text(self, row: dict[str, Any]) -> str:
        """The value as CSV and the terminal write it (dates ISO, times to the minute)."""
        value = self.cell(row)
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


@dataclass
class Listing:
    key: str  # the JSON key of the rows (``surat``, ``permohonan``)
    title: str
    columns: list[Column]
    rows: Iterator[dict[str, Any]]
