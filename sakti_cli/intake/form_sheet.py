"""The blank form of a service (``sakti layanan KODE --formulir FILE``) and reading it back.

One layout for every way an application arrives as a table: the form a clerk fills at the desk, and
the rows a batch command (next issue) reads. A column per field of the SOP, list fields (heirs, witnesses,
family members) as numbered columns (``ahli_waris.1.nik``, ``ahli_waris.1.berkas.ktp``), requirement
files as ``berkas.KODE`` (``berkas.foto.2`` for the second of several). A row becomes the same envelope
``daftar --data`` reads (``{"layanan", "isian", "berkas"}``), so one validation serves both.

NIK, KK and phone columns are text: a spreadsheet turns a 16-digit number into ``6.2E+15`` and its
16th digit into 0, so a NIK or KK cell stored as a number is refused, naming row and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import DataInvalid, FileUnreadable, InputError
from sakti_cli.services.sop import FieldSpec, Requirement, Service

DEFAULT_ITEMS = 5  # list items offered when the SOP sets no maximum
MAX_FILES = 5
TEXT_KINDS = {"nik", "kk", "telepon"}
SHEET = "Formulir"


@dataclass(frozen=True)
class Column:
    key: str  # ahli_waris.1.nik, berkas.ktp, ...
    label: str
    kind: str  # the FieldSpec kind, or "berkas"
    required: bool
    choices: list[str] = field(default_factory=list)
    example: str = ""


def list_size(service: Service, code: str) -> int:
    """How many items of list ``code`` the form offers: the SOP's maximum (a ``jumlah`` rule), else 5."""
    from sakti_cli.services.rules.aturan import CountRule

    for rule in service.aturan:
        if isinstance(rule, CountRule) and rule.daftar == code and rule.maksimal:
            return int(rule.maksimal)
    return DEFAULT_ITEMS


def _field_column(key: str, spec: FieldSpec, desa: list[str], label: str) -> Column:
    choices = list(spec.pilihan) if spec.jenis == "pilihan" else list(desa) if spec.jenis == "desa" else []
    return Column(key, label, spec.jenis, spec.wajib, choices, spec.contoh or "")


def _file_columns(prefix: str, req: Requirement, label: str) -> list[Column]:
    if req.asli:
        return []
    count = min(req.jumlah_maks, MAX_FILES)
    if count == 1:
        return [Column(f"{prefix}{req.kode}", f"{label}: {req.nama} (berkas)", "berkas", req.wajib)]
    return [Column(f"{prefix}{req.kode}.{n}", f"{label}: {req.nama} ke-{n} (berkas)", "berkas",
                   req.wajib and n <= req.jumlah_min) for n in range(1, count + 1)]


def columns(service: Service, desa: list[str]) -> list[Column]:
    """Every column of the service's form, in the SOP's order: fields, list items, then files."""
    out: list[Column] = []
    for spec in service.isian:
        if spec.jenis != "daftar":
            out.append(_field_column(spec.kode, spec, desa, spec.label))
            continue
        for n in range(1, list_size(service, spec.kode) + 1):
            who = f"{spec.label} ke-{n}"
            out += [_field_column(f"{spec.kode}.{n}.{sub.kode}", sub, desa, f"{who}: {sub.label}")
                    for sub in spec.butir]
            for req in spec.persyaratan:
                out += _file_columns(f"{spec.kode}.{n}.berkas.", req, who)
    for req in service.persyaratan:
        out += _file_columns("berkas.", req, "Persyaratan")
    return out


# --- writing the blank form ------------------------------------------------------------------------------


def blank_envelope(service: Service) -> dict[str, Any]:
    """The JSON form: every field empty, one empty item per list, every file named by its code."""
    fields: dict[str, Any] = {}
    for spec in service.isian:
        if spec.jenis == "daftar":
            item: dict[str, Any] = {sub.kode: "" for sub in spec.butir}
            if spec.persyaratan:
                item["berkas"] = {req.kode: "" for req in spec.persyaratan if not req.asli}
            fields[spec.kode] = [item]
        else:
            fields[spec.kode] = ""
    files = {req.kode: "" if req.jumlah_maks == 1 else [] for req in service.persyaratan if not req.asli}
    return {"layanan": service.kode, "isian": fields, "berkas": files}


def write_blank_form(service: Service, desa: list[str], target: Path) -> Path:
    """``target`` by its suffix: .json (the envelope) or .xlsx (one row per application)."""
    from sakti_cli.core.storage import atomic_write, check_output_file

    suffix = target.suffix.lower()
    if suffix in (".json", ".xlsx"):
        check_output_file(target, f"formulir {target.name}")
    if suffix == ".json":
        atomic_write(target, (json.dumps(blank_envelope(service), ensure_ascii=False, indent=2) + "\n").encode())
    elif suffix == ".xlsx":
        atomic_write(target, _xlsx_bytes(columns(service, desa)))
    else:
        raise InputError(f"Formulir {target}: akhiran '{target.suffix}' tidak dikenal.",
                         saran="Pakai .xlsx (lembar kerja) atau .json.")
    return target


def _xlsx_bytes(cols: list[Column]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    guide = book.create_sheet("Petunjuk")
    choices = book.create_sheet("Pilihan")
    choices.sheet_state = "hidden"
    guide.append(["kolom", "keterangan", "jenis", "wajib", "contoh", "pilihan"])
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    rows = 500
    choice_col = 0
    for index, col in enumerate(cols, 1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=col.key)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        cell.comment = Comment(col.label + (" (wajib)" if col.required else ""), "sakti")
        sheet.column_dimensions[letter].width = max(12, min(40, len(col.key) + 2))
        if col.kind in TEXT_KINDS or col.kind == "tanggal":
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        if col.choices:
            choice_col += 1
            source = get_column_letter(choice_col)
            for n, value in enumerate(col.choices, 1):
                choices.cell(row=n, column=choice_col, value=value)
            ref = f"{quote_sheetname(choices.title)}!${source}$1:${source}${len(col.choices)}"
            rule = DataValidation(type="list", formula1=ref, allow_blank=not col.required,
                                  error=f"Pilih salah satu: {', '.join(col.choices[:8])}", showErrorMessage=True)
            rule.add(f"{letter}2:{letter}{rows + 1}")
            sheet.add_data_validation(rule)
        guide.append([col.key, col.label, col.kind, "ya" if col.required else "tidak", col.example,
                      ", ".join(col.choices)])
    sheet.freeze_panes = "A2"
    for cell in guide[1]:
        cell.font = bold
    guide.column_dimensions["A"].width = 32
    guide.column_dimensions["B"].width = 60
    guide.append([])
    guide.append(["Tanggal ditulis TTTT-BB-HH atau HH-BB-TTTT. NIK, KK dan telepon berformat teks (jangan "
                  "diubah menjadi angka). Kolom berkas berisi nama berkas, relatif terhadap folder berkas."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading it back -------------------------------------------------------------------------------------

_NUMBERED = re.compile(r"^([a-z][a-z0-9_-]*)\.(\d+)\.(.+)$")


def _cell_text(value: Any, where: str, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        if kind in ("nik", "kk"):
            raise DataInvalid(f"{where}: NIK/KK tersimpan sebagai angka ({value!r}); digit terakhirnya bisa "
                              "sudah berubah menjadi 0.",
                              saran="Format kolom itu sebagai teks, lalu ketik ulang NIK/KK dari KTP/KK.")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    text = str(value).strip()
    if kind in ("nik", "kk") and re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text):
        raise DataInvalid(f"{where}: NIK/KK ditulis dalam bentuk pangkat ({text}).",
                          saran="Format kolom itu sebagai teks, lalu ketik ulang NIK/KK dari KTP/KK.")
    return text


def row_envelope(service: Service, values: dict[str, Any], where: str) -> dict[str, Any]:
    """One row (column key -> cell) as the ``daftar --data`` envelope; empty cells and items dropped."""
    kinds = {col.key: col.kind for col in columns(service, [])}
    fields: dict[str, Any] = {}
    files: dict[str, list[str]] = {}
    items: dict[str, dict[int, dict[str, Any]]] = {}
    for key, raw in values.items():
        if not key:
            continue
        kind = kinds.get(key)
        if kind is None:
            kind = "berkas" if key.startswith("berkas.") or ".berkas." in key else "teks"
        text = _cell_text(raw, f"{where}, kolom {key}", kind)
        if not text:
            continue
        numbered = _NUMBERED.match(key)
        if key.startswith("berkas."):
            code = key.split(".")[1]
            files.setdefault(code, []).append(text)
        elif numbered:
            name, number, rest = numbered.group(1), int(numbered.group(2)), numbered.group(3)
            item = items.setdefault(name, {}).setdefault(number, {})
            if rest.startswith("berkas."):
                item.setdefault("berkas", {})[rest.split(".", 1)[1]] = text
            else:
                item[rest] = text
        else:
            fields[key] = text
    for name, numbered_items in items.items():
        fields[name] = [numbered_items[n] for n in sorted(numbered_items)]
    berkas: dict[str, Any] = {code: names[0] if len(names) == 1 else names for code, names in files.items()}
    return {"layanan": service.kode, "isian": fields, "berkas": berkas}


def read_sheet(path: Path, service: Service) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, envelope) of every filled row of a form workbook, streamed (read-only mode)."""
    for number, values in sheet_rows(path, service):
        yield number, row_envelope(service, values, f"{path.name} baris {number}")


def sheet_rows(path: Path, service: Service) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, column key -> cell) of every filled row, streamed; a batch turns each into an envelope
    itself so that one bad row does not end the rest."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except FileNotFoundError:
        raise FileUnreadable(f"Berkas {path} tidak ada.", saran="Periksa nama dan letak berkasnya.") from None
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileUnreadable(f"Berkas {path} bukan lembar kerja XLSX yang dapat dibaca ({type(exc).__name__}).",
                             saran="Simpan ulang sebagai .xlsx dari Excel/LibreOffice/Google Sheets.") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
        if not any(header):
            raise DataInvalid(f"Berkas {path}: baris pertama (nama kolom) kosong.",
                              saran=f"Mulai dari formulir 'sakti layanan {service.kode} --formulir FILE.xlsx'.")
        for number, cells in enumerate(rows, 2):
            values = dict(zip(header, cells, strict=False))
            if all(cell is None or str(cell).strip() == "" for cell in cells):
                continue
            yield number, values
    finally:
        book.close()
