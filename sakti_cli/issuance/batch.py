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
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import DataInvalid, FileUnreadable, InputError, SaktiError, StateConflict
from sakti_cli.core.testhooks import crash_point
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.session import Application, Register
from sakti_cli.register.states import ApplicationStatus
from sakti_cli.services.sop import Service

if TYPE_CHECKING:
    from sakti_cli.documents.convert_pool import ConversionResult
    from sakti_cli.issuance.pipeline import PreparedLetter, RunSigner

ROW_ID = "id_baris"
RECHECK = (ApplicationStatus.BELUM_LENGKAP, ApplicationStatus.DITERIMA)
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
    akan_diterbitkan: bool | None = None  # --uji --terbitkan: would this run issue its letter?
    in_flight: bool = False  # its letter is still being converted/signed (not yet reported)

    def to_dict(self) -> dict[str, Any]:
        return {"baris": self.baris, "hasil": self.hasil, "nomor_registrasi": self.nomor_registrasi,
                "status": self.status, "kurang": self.kurang, "alasan": self.alasan,
                "nomor_surat": self.nomor_surat, "galat_terbit": self.galat_terbit,
                **({} if self.akan_diterbitkan is None else {"akan_diterbitkan": self.akan_diterbitkan})}


def read_rows(path: Path, service: Service) -> Iterator[Row]:
    """Every filled row of ``path`` by its suffix; a file that cannot be read, or holds no filled row (a
    script's empty export must not look like a batch done), raises FileUnreadable."""
    found = False
    for row in _rows_by_suffix(path, service):
        found = True
        yield row
    if not found:
        raise FileUnreadable(f"Berkas {path} tidak memuat satu baris permohonan pun.",
                             saran="Isi satu permohonan per baris di bawah baris nama kolom.")


def _rows_by_suffix(path: Path, service: Service) -> Iterator[Row]:
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
    from sakti_cli.intake.form_sheet import sheet_rows

    for number, values in sheet_rows(path, service):
        yield _table_row(service, values, number, f"{path.name} baris {number}")


def _table_row(service: Service, values: dict[str, Any], number: int, where: str) -> Row:
    """A CSV or sheet row as an envelope; a bad cell (a NIK stored as a number) refuses that row only."""
    from sakti_cli.intake.form_sheet import row_envelope

    row_id = str(values.pop(ROW_ID, "") or "").strip()
    try:
        return Row(number, row_envelope(service, values, where), row_id)
    except InputError as exc:
        return Row(number, None, row_id, exc)


def _csv_rows(path: Path, service: Service) -> Iterator[Row]:
    records = csv_records(path)
    header = next(records, (0, []))[1]
    for line, cells in records:
        values = dict(zip(header, cells, strict=False))
        if any(str(v or "").strip() for v in values.values()):
            yield _table_row(service, values, line, f"{path.name} baris {line}")


def csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the record ends on, its cells) of every record of a UTF-8 CSV (BOM allowed), the header first;
    a file that is not UTF-8 text or not CSV raises FileUnreadable naming the line (``massal``, ``impor``)."""
    line = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            for cells in reader:
                line = reader.line_num
                yield line, cells
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
        return txn.batch_row(key)


def _files(service: Service, listed: list[Any], base: Path) -> tuple[list[Any], list[str]]:
    """The row's files that exist (checked by file_arg) and the codes of those that do not."""
    from sakti_cli.register.applications import file_arg

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
    from sakti_cli.intake.forms import clean_application_data, split_envelope
    from sakti_cli.register.applications import load, register_application, update_files
    from sakti_cli.services.checks import check_application, expected_missing

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
            clean = clean_application_data(service, fields, ws.config.kantor.desa, today)
            forecast = expected_missing(ws, service, clean, {f.kode for f in files if f.butir is None}, today)
            return Outcome(row.number, "akan_didaftarkan", kurang=sorted({*missing, *forecast}))
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
    from sakti_cli.services.checks import OK

    return [line.kode for line in lines if line.status != OK]


def would_issue(outcome: Outcome) -> bool:
    """``--uji --terbitkan``: would the run issue this row's letter? A new row that the forecast finds
    complete (checks.expected_missing: rules and required files; the files' contents are judged when it
    is registered), or a registered LENGKAP one without a letter; never a row refused or already issued."""
    if outcome.hasil == "akan_didaftarkan":
        return not outcome.kurang
    return outcome.hasil == "sudah_ada" and outcome.status == ApplicationStatus.LENGKAP


def letter_of(record: Application) -> str | None:
    """The number of the application's letter, issued or waiting for its signature."""
    for summary in (record.get("surat"), record.get("antrean")):
        if summary:
            return str(summary["nomor_surat"])
    return None


class LetterRun:
    """``massal --terbitkan``: the letters of one run through one pipeline (sakti_cli.issuance.pipeline's steps),
    overlapped. In the caller's thread a complete row gets its number and its DOCX (:func:`prepare_letter`)
    while the pool's LibreOffice workers convert the letters before it; finished conversions are signed
    and recorded (:func:`finish_letter`) as they come, so rendering and signing overlap with conversion.
    At most ``ahead`` letters are in flight. Every reserved number ends TERBIT/MENUNGGU_TTD, or BATAL
    with its reason (a failed or timed-out conversion, a failure while signing, :meth:`abort` on
    Ctrl-C). The key is opened once, at the first letter (``signer``, a :class:`RunSigner`); the
    register lock is taken per step only, so the desk keeps issuing during a batch."""

    def __init__(self, ws: Workspace, register: Register, service_loader: Callable[[str], Service], *,
                 converter: Callable[[], Any], signer: RunSigner | None, timestamp_url: str | None = None,
                 ahead: int | None = None) -> None:
        self.ws, self.register, self.service_loader = ws, register, service_loader
        self.converter, self.signer, self.timestamp_url = converter, signer, timestamp_url
        self.ahead = ahead
        self.tried: set[tuple[str, ...]] = set()  # issue.trial_key of each template tried in this run
        self.flying: list[tuple[Outcome, PreparedLetter, Future[ConversionResult]]] = []

    def add(self, outcome: Outcome) -> None:
        """Start a complete row's letter (a row without one, or already issued, is left as it is); when
        the window is full, wait for the first letter that converted and finish it."""
        from sakti_cli.issuance import pipeline as issue
        from sakti_cli.issuance.context import footer_issuer

        if outcome.status != ApplicationStatus.LENGKAP or outcome.nomor_registrasi is None:
            return
        try:
            plan = issue.plan_letter(self.ws, self.register, self.service_loader, outcome.nomor_registrasi, None)
            key = self.signer.get() if self.signer is not None else None
            issuer = footer_issuer(self.ws, plan.person, key)
            tried = issue.trial_key(plan, issuer)
            prepared = issue.prepare_letter(self.ws, self.register, plan, issuer, trial=tried not in self.tried)
            self.tried.add(tried)  # it rendered: later letters of this template skip the trial
        except SaktiError as exc:
            outcome.galat_terbit = exc.pesan
            return
        try:
            future = _submit(self.converter(), prepared, self.ws.config.surat.pdfa)
        except BaseException as exc:  # the pool would not start, or Ctrl-C
            said = issue.abandon_letter(self.register, prepared, exc)
            if not isinstance(exc, Exception):
                raise
            _fail(outcome, said, exc)
            return
        outcome.in_flight = True
        self.flying.append((outcome, prepared, future))
        self.finish(block=False)
        while len(self.flying) >= self._window():
            self.finish(block=True)

    def _window(self) -> int:
        if self.ahead is not None:
            return self.ahead
        return 2 * int(getattr(self.converter(), "size", 1))

    def finish(self, block: bool) -> None:
        """Sign and record the letters whose conversion is done (with ``block``: wait for one first)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        if block and self.flying:
            wait([future for _o, _p, future in self.flying], return_when=FIRST_COMPLETED)
        done = [entry for entry in self.flying if entry[2].done()]
        for entry in done:
            self.flying.remove(entry)
            self._finish_one(*entry)

    def drain(self) -> None:
        while self.flying:
            self.finish(block=True)

    def _finish_one(self, outcome: Outcome, prepared: PreparedLetter, future: Future[ConversionResult]) -> None:
        from sakti_cli.documents.render import collect_young
        from sakti_cli.issuance import pipeline as issue

        outcome.in_flight = False
        try:
            converted = future.result()
            if converted.error is not None:
                raise converted.error
            assert converted.pdf is not None
        except Exception as exc:  # failed or killed at its time limit: the number is closed here
            _fail(outcome, issue.abandon_letter(self.register, prepared, exc), exc)
            return
        try:
            key = self.signer.get() if self.signer is not None else None
            result = issue.finish_letter(self.ws, self.register, prepared, converted.pdf, signer=key,
                                         timestamp_url=self.timestamp_url,
                                         outage=self.signer.outage if self.signer is not None else None)
        except SaktiError as exc:  # finish_letter closed the number BATAL and says so
            outcome.galat_terbit = exc.pesan
            return
        finally:
            collect_young()  # the letter's PDF objects (stamp, signature, validation): freed while young
        outcome.status = (ApplicationStatus.MENUNGGU_TTD if result.get("menunggu_ttd")
                          else ApplicationStatus.TERBIT)
        outcome.issued = True
        if result.get("alasan_antrean"):  # the outage rule: queued with its number, signed later
            outcome.galat_terbit = result["alasan_antrean"]
        outcome.nomor_surat = str(result["surat"]["nomor_surat"])

    def abort(self, exc: BaseException) -> None:
        """Close every letter still in flight BATAL (Ctrl-C, a crash of the run): none is left open."""
        from sakti_cli.issuance import pipeline as issue

        flying, self.flying = self.flying, []
        for outcome, prepared, future in flying:
            future.cancel()
            outcome.in_flight = False
            issue.abandon_letter(self.register, prepared, exc)


def _submit(converter: Any, prepared: PreparedLetter, pdfa: bool) -> Future[ConversionResult]:
    """The pool's ``submit``; a plain Converter (no pool) converts now and hands back a finished future."""
    if hasattr(converter, "submit"):
        return converter.submit(prepared.docx, prepared.work, key=prepared.letter["nomor_surat"], pdfa=pdfa)
    from sakti_cli.documents.convert_pool import ConversionResult

    result = ConversionResult(job=prepared.letter["nomor_surat"], docx=prepared.docx)
    try:
        result.pdf = converter.convert(prepared.docx, prepared.work, pdfa=pdfa)
    except Exception as exc:
        result.error = exc
    done: Future[ConversionResult] = Future()
    done.set_result(result)
    return done


def _fail(outcome: Outcome, said: SaktiError | None, exc: BaseException) -> None:
    """Why the row's letter failed: the error naming the number it closed, else the error itself."""
    if said is None and isinstance(exc, SaktiError):
        said = exc
    outcome.galat_terbit = said.pesan if said is not None else f"{type(exc).__name__}: {exc}"


def rows_to_sign(path: Path, service: Service) -> list[Any]:
    """What a personal key's signatory is shown before a ``massal --terbitkan`` run (read only then):
    every readable row of the file, masked, numbers reserved after the passphrase (a row refused or
    incomplete later is not signed)."""
    from sakti_cli.signatures.consent import application_items

    records = [{"layanan": service.kode, "data": (row.envelope or {}).get("isian") or {}}
               for row in read_rows(path, service) if row.envelope is not None and row.error is None]
    return application_items(records, lambda _code: service)
