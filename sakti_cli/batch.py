"""``sakti massal``: many applications from one table (CSV, XLSX or JSON Lines), one row each.

One rule for every row: bad data is refused with nothing registered; a row whose files are missing
or fail a rule is registered BELUM_LENGKAP and a later run with the files completes it. Each row has
a key (``id_baris``, else the service and the applicant's name and NIK fields) whose SHA-256 maps to
its registration number in the register, written in the registration's own transaction, so a second
run of the same file registers nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.applications import ROW_INDEX
from sakti_cli.errors import DataInvalid, FileUnreadable, InputError, SaktiError, StateConflict
from sakti_cli.office import Workspace
from sakti_cli.registry import Register
from sakti_cli.sop import Service
from sakti_cli.testhooks import crash_point

ROW_ID = "id_baris"
RECHECK = ("BELUM_LENGKAP", "DITERIMA")
"""An existing row's application in these states is checked again (DITERIMA: registered by a run that
died before its check, or sent back by 'lengkapi'/'ubah'); any other state is left as it is."""


@dataclass
class Row:
    number: int  # the file's line (CSV/JSON Lines) or sheet row
    envelope: dict[str, Any] | None
    row_id: str = ""
    error: SaktiError | None = None


@dataclass
class Outcome:
    baris: int
    hasil: str  # terdaftar, sudah_ada, ditolak, akan_didaftarkan
    nomor_registrasi: str | None = None
    status: str | None = None
    kurang: list[str] = field(default_factory=list)
    alasan: str | None = None
    nomor_surat: str | None = None
    galat_terbit: str | None = None  # --terbitkan: why this row's letter failed (the batch goes on)
    issued: bool = False  # its letter was issued (or queued) by this run

    def to_dict(self) -> dict[str, Any]:
        return {"baris": self.baris, "hasil": self.hasil, "nomor_registrasi": self.nomor_registrasi,
                "status": self.status, "kurang": self.kurang, "alasan": self.alasan,
                "nomor_surat": self.nomor_surat, "galat_terbit": self.galat_terbit}


def read_rows(path: Path, service: Service) -> Iterator[Row]:
    """Every filled row of ``path`` by its suffix; a file that cannot be read raises FileUnreadable."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileUnreadable(f"Berkas {path} tidak ada.", saran="Periksa nama dan letak berkasnya.")
    if suffix == ".xlsx":
        yield from _sheet_rows(path, service)
    elif suffix == ".csv":
        yield from _csv_rows(path, service)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_rows(path, service)
    else:
        raise FileUnreadable(f"Berkas {path}: akhiran '{path.suffix}' tidak dikenal.",
                             saran="Pakai .csv, .xlsx atau .jsonl (satu permohonan per baris).")


def _sheet_rows(path: Path, service: Service) -> Iterator[Row]:
    from sakti_cli.form_sheet import sheet_rows

    for number, values in sheet_rows(path, service):
        yield _table_row(service, values, number, f"{path.name} baris {number}")


def _table_row(service: Service, values: dict[str, Any], number: int, where: str) -> Row:
    """A CSV or sheet row as an envelope; a bad cell (a NIK stored as a number) refuses that row only."""
    from sakti_cli.form_sheet import row_envelope

    row_id = str(values.pop(ROW_ID, "") or "").strip()
    try:
        return Row(number, row_envelope(service, values, where), row_id)
    except InputError as exc:
        return Row(number, None, row_id, exc)


def _csv_rows(path: Path, service: Service) -> Iterator[Row]:
    line = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for values in reader:
                line = reader.line_num
                if any(str(v or "").strip() for v in values.values()):
                    yield _table_row(service, values, line, f"{path.name} baris {line}")
    except UnicodeDecodeError:
        raise FileUnreadable(f"Berkas {path}: bukan teks UTF-8 ({_bad_byte(path)}).",
                             saran="Simpan ulang sebagai CSV UTF-8.") from None
    except csv.Error as exc:
        raise FileUnreadable(f"Berkas {path}: CSV rusak sesudah baris {line} ({exc}).",
                             saran="Simpan ulang sebagai CSV UTF-8 dari lembar kerjanya.") from None


def _jsonl_rows(path: Path, service: Service) -> Iterator[Row]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Row(number, None, error=DataInvalid(
                        f"{path.name} baris {number}, kolom {exc.colno}: bukan JSON ({exc.msg}).",
                        saran="Satu objek JSON per baris."))
                    continue
                if not isinstance(value, dict):
                    yield Row(number, None, error=DataInvalid(f"{path.name} baris {number}: bukan objek JSON.",
                                                              saran="Satu objek JSON per baris."))
                    continue
                row_id = str(value.pop(ROW_ID, "") or "")
                if "isian" not in value:
                    value = {"layanan": service.kode, "isian": value}
                yield Row(number, value, row_id)
    except UnicodeDecodeError:
        raise FileUnreadable(f"Berkas {path}: bukan teks UTF-8 ({_bad_byte(path)}).",
                             saran="Simpan ulang sebagai UTF-8.") from None


def _bad_byte(path: Path) -> str:
    """Where the first byte that is not UTF-8 sits, as line and column (the decoder reads in chunks)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        newline = b"\n"
        line_start = data.rfind(newline, 0, exc.start) + 1
        return f"baris {data.count(newline, 0, exc.start) + 1}, kolom {exc.start - line_start + 1}"
    return "posisi tidak diketahui"


def row_key(service: Service, row: Row) -> str:
    """SHA-256 of the row's key: ``id_baris``, else the service and the applicant's NIK field(s) (both NIKs
    for dispensasi-nikah), so fixing a typo in a name keeps the key; without a NIK, the applicant field(s)."""
    assert row.envelope is not None
    data = row.envelope.get("isian") or {}
    if row.row_id:
        parts = [service.kode, "id", row.row_id]
    else:
        niks = [spec.kode for spec in service.isian if spec.jenis == "nik"]
        codes = niks if any(str(data.get(code) or "").strip() for code in niks) else service.applicant_fields()
        parts = [service.kode, *(" ".join(str(data.get(code) or "").split()).casefold() for code in codes)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def registered_for(register: Register, key: str) -> str | None:
    with register.reading() as txn:
        found = txn.index_get(ROW_INDEX, key)
    return str(found["nomor_registrasi"]) if found else None


def _files(service: Service, listed: list[Any], base: Path) -> tuple[list[Any], list[str]]:
    """The row's files that exist (checked by file_arg) and the codes of those that do not."""
    from sakti_cli.applications import file_arg

    present, missing = [], []
    for code, path, name in listed:
        if not Path(path).is_file():
            missing.append(code)
            continue
        present.append(file_arg(code, path, service, name, inside=base))
    return present, missing


def process_row(ws: Workspace, register: Register, service: Service, row: Row, base: Path, today: date,
                dry_run: bool = False) -> Outcome:
    """One row: refused (bad data), already there (re-checked when incomplete), or registered and checked."""
    from sakti_cli.applications import load, register_application, update_files
    from sakti_cli.checks import check_application
    from sakti_cli.forms import clean_application_data, split_envelope

    if row.error is not None:
        return Outcome(row.number, "ditolak", alasan=row.error.pesan)
    try:
        key = row_key(service, row)
        fields, listed = split_envelope(row.envelope, service.kode, base)
        files, missing = _files(service, listed, base)
        existing = registered_for(register, key)
        if existing is not None:
            record = load(ws, register, existing)
            if dry_run or record["status"] not in RECHECK:
                return Outcome(row.number, "sudah_ada", existing, record["status"], nomor_surat=letter_of(record))
            attached = {code for code, entries in record["berkas"].items() if entries}
            new = [f for f in files if f.kode not in attached]
            if new:
                update_files(ws, register, service, existing, new)
            record, lines = check_application(ws, register, service, existing, today)
            return Outcome(row.number, "sudah_ada", existing, record["status"], _failed(lines))
        if dry_run:
            clean_application_data(service, fields, ws.config.kantor.desa, today)
            return Outcome(row.number, "akan_didaftarkan", kurang=sorted(set(missing)))
        record = register_application(ws, register, service, fields, files, today, row_key=key)
        crash_point("setelah_daftar_baris")
    except StateConflict as exc:  # another run registered this row meanwhile (checked under the lock)
        reg = str(exc.detail.get("nomor_registrasi") or "")
        return Outcome(row.number, "sudah_ada", reg or None, load(ws, register, reg)["status"] if reg else None)
    except InputError as exc:
        return Outcome(row.number, "ditolak", alasan=exc.pesan)
    record, lines = check_application(ws, register, service, record["nomor_registrasi"], today)
    return Outcome(row.number, "terdaftar", record["nomor_registrasi"], record["status"], _failed(lines))


def _failed(lines: list[Any]) -> list[str]:
    from sakti_cli.checks import OK

    return [line.kode for line in lines if line.status != OK]


def letter_of(record: dict[str, Any]) -> str | None:
    """The number of the application's letter, issued or waiting for its signature."""
    for slot in ("surat", "antrean"):
        if record.get(slot):
            return str(record[slot]["nomor_surat"])
    return None


class OncePrompt:
    """The signatory types the passphrase once for the whole batch; every letter reuses the answer."""

    def __init__(self, prompt: Callable[[str], str | None]) -> None:
        self.prompt = prompt
        self.asked = False
        self.answer: str | None = None

    def __call__(self, label: str) -> str | None:
        if not self.asked:
            self.answer, self.asked = self.prompt(label), True
        return self.answer


def issue_row(ws: Workspace, register: Register, service_loader: Callable[[str], Service], outcome: Outcome, *,
              converter: Any, prompt: Callable[[str], str | None], sign: bool) -> None:
    """Issue a complete row's letter; never a second one (a row already TERBIT or waiting is left as is).
    A failure is recorded on the row, not raised, so the batch goes on."""
    from sakti_cli.issue import issue_letter

    if outcome.status != "LENGKAP" or outcome.nomor_registrasi is None:
        return
    try:
        result = issue_letter(ws, register, service_loader, outcome.nomor_registrasi, signatory_id=None,
                              prompt=prompt, timestamp_url=ws.config.tte.tsa if sign else None, sign=sign,
                              converter=converter)
    except SaktiError as exc:
        outcome.galat_terbit = exc.pesan
        return
    outcome.status, outcome.issued = ("TERBIT" if sign else "MENUNGGU_TTD"), True
    outcome.nomor_surat = str(result["surat"]["nomor_surat"])
