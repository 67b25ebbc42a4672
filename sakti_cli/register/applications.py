"""Applications (permohonan) and their states.

DITERIMA -(periksa)-> LENGKAP | BELUM_LENGKAP -(terbitkan)-> TERBIT; lengkapi/ubah go back to
DITERIMA; tolak ends in DITOLAK. Requirement files are copied into the workspace (private), named
by requirement code, and recorded with their SHA-256 so a later check can tell they are unchanged.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.core.errors import FileUnreadable, InputError, NotFound, RegisterCorrupt, StateConflict, os_reason
from sakti_cli.core.privacy import mask_text
from sakti_cli.core.scratch import Owned, owned_temp
from sakti_cli.core.testhooks import crash_point
from sakti_cli.intake.forms import clean_application_data
from sakti_cli.office.workspace import Workspace, make_private
from sakti_cli.register.lookup import find_application
from sakti_cli.register.search import applicant_niks, search_keys
from sakti_cli.register.session import Application, ApplicationFilter, Register, RegisterSession, nik_digest
from sakti_cli.register.states import (
    APPLICATION_INITIAL,
    FINAL_APPLICATION,
    LOCKED_APPLICATION,
    ApplicationStatus,
    LetterStatus,
    move_application,
)
from sakti_cli.services.sop import Service

STATES = tuple(ApplicationStatus)
FINAL_STATES = FINAL_APPLICATION
# While the signatory reviews a prepared letter nothing may change the application (only the queue
# commands move it on: setujui -> TERBIT, kembalikan -> LENGKAP).
LOCKED_STATES = LOCKED_APPLICATION
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp", "heic": "heic", "docx": "docx"}


@dataclass(frozen=True)
class FileArg:
    kode: str
    path: Path
    nama: str = ""  # the name the file was given under (an envelope's, before symlinks are followed)
    inside: Path | None = None  # the folder an envelope's file must stay in, also while it is copied
    butir: int | None = None  # ``ahli_waris.2.ktp``: the file of list item 2 (1-based) only

    @property
    def stored_name(self) -> str:
        """The original name as recorded and shown: cleaned (no folder, no control characters)."""
        from sakti_cli.core.text import safe_file_name

        return safe_file_name(self.nama or self.path.name)


def parse_file_args(items: list[str], service: Service) -> list[FileArg]:
    """``kode=path`` pairs from the command line; the code must be a requirement of the service.
    ``daftar.N.kode`` (``ahli_waris.2.ktp``) names the file of one person of a list."""
    out = []
    for item in items:
        code, sep, raw = item.partition("=")
        code = code.strip().lower()
        if not sep or not code or not raw.strip():
            raise InputError(
                f"Format --berkas '{item}' salah.", saran="Tulis sebagai KODE=BERKAS, mis. --berkas ktp=ktp.pdf."
            )
        person = re.fullmatch(r"([a-z][a-z0-9_-]*)\.(\d+)\.([a-z][a-z0-9_-]*)", code)
        if person:
            if int(person.group(2)) < 1:
                raise InputError(f"Nomor orang di --berkas '{item}' dimulai dari 1.",
                                 saran=f"Mis. --berkas {person.group(1)}.1.{person.group(3)}=BERKAS.")
            found = file_arg(f"{person.group(1)}.{person.group(3)}", Path(raw.strip()).expanduser(), service)
            out.append(FileArg(found.kode, found.path, butir=int(person.group(2))))
        else:
            out.append(file_arg(code, Path(raw.strip()).expanduser(), service))
    return out


def requirement_codes(service: Service) -> str:
    """Every code ``--berkas`` takes, per-person ones too (``ahli_waris.ktp``, one person: ``ahli_waris.N.ktp``)."""
    codes = [r.kode for r in service.persyaratan if not r.asli]
    codes += [f"{spec.kode}.{req.kode} (satu orang: {spec.kode}.N.{req.kode})"
              for spec, req in service.item_requirements()]
    return ", ".join(codes) or "-"


def file_arg(code: str, path: Path, service: Service, name: str = "", inside: Path | None = None) -> FileArg:
    """One requirement file: its code known to the service, the file a readable regular file."""
    code = code.strip().lower()
    if service.requirement(code) is None:
        raise InputError(f"Kode berkas '{code}' bukan persyaratan layanan {service.kode}.",
                         saran=f"Kode yang ada: {requirement_codes(service)}.")
    if not path.is_file():
        raise FileUnreadable(f"Berkas {path} (untuk '{code}') tidak ada atau bukan berkas.",
                             saran="Periksa nama dan letak berkasnya.")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {os_reason(exc)}.",
                             saran="Periksa izin baca berkas itu, atau salin ulang dari pindaian aslinya.") from None
    return FileArg(code, path, name, inside)


def month_of_reg(reg: str) -> str:
    """``REG-202611-0001`` -> ``2026-11``: the month an application was registered in."""
    digits = reg.split("-")[1]
    return f"{digits[:4]}-{digits[4:]}"


def _stage_files(ws: Workspace, service: Service, files: list[FileArg], taken: frozenset[str] = frozenset()
                 ) -> tuple[Owned, dict[str, list[dict[str, Any]]]]:
    """Copy files into a private staging folder before the register step (no lock held). The folder
    is held under its lock until placed (a killed run's copies are swept, see scratch.py).

    Each file is measured before a byte is copied: above the SOP's ``ukuran_maks_kb`` (or, for an
    image, above the pixel limit its header declares) it is refused, nothing kept. The copy is read in
    chunks and stops at the limit, so a file that grows meanwhile is refused too. Names in ``taken``
    (files the application keeps) are skipped: ``ktp-3.jpg`` after ``ktp-1``, ``ktp-2``."""
    from sakti_cli.register.places import STAGING_PREFIX
    from sakti_cli.services.rules.berkas import detect_kind, intake_problem

    for item in files:
        req = service.requirement(item.kode)
        limit_kb = req.ukuran_maks_kb if req is not None else None
        problem = intake_problem(item.path, limit_kb)
        if problem is not None:
            raise FileUnreadable(f"Berkas {item.path} (untuk '{item.kode}') ditolak: {problem}. Tidak ada yang "
                                 "disalin.", saran="Minta berkas yang lebih kecil (pindai ulang dengan resolusi "
                                 "wajar, mis. 150-300 dpi) atau simpan sebagai PDF/JPEG.", berkas=str(item.path))
    ws.files_dir.mkdir(parents=True, exist_ok=True)
    owned = owned_temp(ws.files_dir, STAGING_PREFIX)
    staging = owned.path
    recorded: dict[str, list[dict[str, Any]]] = {}
    used = set(taken)
    try:
        for item in files:
            entries = recorded.setdefault(item.kode, [])
            kind = detect_kind(item.path)
            ext = EXTENSIONS.get(kind or "", "bin")
            number = len(entries) + 1
            while (name := f"{item.kode}-{number}.{ext}") in used:
                number += 1
            used.add(name)
            req = service.requirement(item.kode)
            size, digest = _copy_bounded(item, staging / name, req.ukuran_maks_kb * 1024 if req else None)
            make_private(staging / name)
            entries.append({"nama_asli": mask_text(item.stored_name), "berkas": name, "jenis": kind,
                            "ukuran": size, "sha256": digest})
    except BaseException:  # a full disk mid-copy: no partial scans (personal data) left behind
        owned.remove()
        raise
    return owned, recorded


def _copy_bounded(item: FileArg, target: Path, limit: int | None) -> tuple[int, str]:
    """Copy and hash in one pass, 1 MiB at a time; refuse (and drop the copy) past ``limit`` bytes."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    with _open_source(item) as source, target.open("xb") as sink:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            size += len(chunk)
            if limit is not None and size > limit:
                raise FileUnreadable(f"Berkas {item.path} (untuk '{item.kode}') bertambah besar saat disalin, "
                                     "melebihi batas SOP. Tidak ada yang disalin.", berkas=str(item.path),
                                     saran="Tunggu sampai berkasnya selesai ditulis (pindai/unduh), lalu ulangi.")
            digest.update(chunk)
            sink.write(chunk)
    return size, digest.hexdigest()


def _open_source(item: FileArg) -> Any:
    """Open a file to copy. An envelope's file is opened without following a final symlink and checked,
    once open, to be still inside its folder: a file swapped for a link after the check is refused."""
    import errno
    import os

    if item.inside is None:
        return item.path.open("rb")
    swapped = FileUnreadable(f"Berkas {item.path} (untuk '{item.kode}') berubah menjadi tautan ke luar folder data "
                             f"{item.inside} saat disalin. Tidak ada yang disalin.", berkas=str(item.path),
                             saran="Letakkan berkas aslinya (bukan tautan) di folder data, lalu ulangi.")
    try:
        handle = os.fdopen(os.open(item.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise swapped from None
        raise FileUnreadable(f"Berkas {item.path} (untuk '{item.kode}') tidak dapat dibuka: {os_reason(exc)}. "
                             "Tidak ada yang disalin.", berkas=str(item.path),
                             saran="Periksa izin baca berkas itu, atau salin ulang dari pindaian aslinya.") from None
    try:
        real = Path(os.readlink(f"/proc/self/fd/{handle.fileno()}"))
    except OSError:  # no /proc (not Linux): the check before opening stands alone
        return handle
    if not real.is_relative_to(item.inside):
        handle.close()
        raise swapped
    return handle


def _place_files(ws: Workspace, register: Register, staging: Path, reg: str,
                 recorded: dict[str, list[dict[str, Any]]]) -> Path:
    """Move the staged scans to the application's folder and keep them in the register's file store (every
    desk reaches them), each with the SHA-256 recorded when it was copied in."""
    target = ws.files_dir / reg
    target.mkdir(exist_ok=True)
    make_private(target)
    for item in staging.iterdir():
        item.replace(target / item.name)
    staging.rmdir()
    for entries in recorded.values():
        for entry in entries:
            register.store.keep(target / entry["berkas"], entry["sha256"])
    return target


def present_scans(ws: Workspace, register: Register, record: Application) -> None:
    """Bring the application's scans here from the register's file store (a file another desk attached);
    one missing or changed stays as it is, for the check to report (``periksa`` names it)."""
    folder = application_dir(ws, record["nomor_registrasi"])
    for entries in (record.get("berkas") or {}).values():
        for entry in entries:
            if isinstance(entry, dict) and entry.get("sha256") and not entry.get("dihapus"):
                try:
                    register.store.fetch(folder / str(entry["berkas"]), str(entry["sha256"]))
                except FileUnreadable:
                    continue


def _history(txn: RegisterSession, before: str | None, after: str, note: str | None = None) -> dict[str, Any]:
    return {"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before, "ke": after, "catatan": note}


def application_dir(ws: Workspace, reg: str) -> Path:
    return ws.files_dir / reg


def _claim_folder(txn: RegisterSession, ws: Workspace, reg: str, register_name: str) -> None:
    """Refuse a registration number that is already taken (its record, or its folder with a ``daftar``
    event in the trail): the counter went backwards, and going on would replace another person's
    scans. A folder with neither was left by a run that died before its commit: removed."""
    folder = application_dir(ws, reg)
    taken = txn.get_application(reg) is not None
    if not taken and folder.exists():
        taken = txn.registration_recorded(reg)
    if taken:
        raise RegisterCorrupt(
            f"Nomor registrasi {reg} sudah dipakai (catatan atau folder {folder} sudah ada), tetapi penghitung "
            f"nomor registrasi register {register_name} memberikannya lagi: penghitung mundur. Tidak ada yang ditimpa.",
            saran="Jangan mendaftar dulu. Jalankan 'sakti register periksa' lalu 'sakti register periksa --perbaiki' "
                  "(penghitung dibangun ulang dari catatan dan jejak audit), atau pulihkan dari cadangan.",
            register=register_name, folder=str(folder),
        )
    if folder.exists():
        shutil.rmtree(folder)


def register_application(
    ws: Workspace, register: Register, service: Service, data: Any, files: list[FileArg], today: date,
    row_key: str | None = None,
) -> Application:
    """``row_key`` (``sakti massal``: SHA-256 of a batch row's key) is indexed to the new number in the same
    transaction, so a batch run again never registers that row twice."""
    clean = clean_application_data(service, data, ws.config.kantor.desa, today)
    staging, recorded = _stage_files(ws, service, files)
    crash_point("setelah_salin_berkas")
    try:
        with register.transaction() as txn:
            if row_key is not None and (earlier := txn.batch_row(row_key)) is not None:
                raise StateConflict(f"Baris ini sudah didaftarkan sebagai {earlier}.",
                                    saran="Tidak ada yang didaftarkan dua kali; lihat permohonan itu.",
                                    nomor_registrasi=earlier)
            month = txn.moment.strftime("%Y%m")
            reg = f"REG-{month}-{txn.next_registration_sequence(month):04d}"
            _claim_folder(txn, ws, reg, register.describe())
            record: Application = {
                "nomor_registrasi": reg,
                "layanan": service.kode,
                "status": APPLICATION_INITIAL,
                "data": clean,
                "berkas": recorded,
                "dibuat": iso(txn.moment),
                "diubah": iso(txn.moment),
                "petugas": txn.actor,
                "riwayat": [_history(txn, None, APPLICATION_INITIAL, "permohonan didaftarkan")],
                "periksa": None,
                "surat": None,
                "nomor_batal": [],
            }
            record["cari"] = search_keys(service, clean)  # indexed by the backend in this same step
            txn.add_application(record)
            _index_niks(txn, service, record)
            if row_key is not None:
                txn.record_batch_row(row_key, reg)
            txn.audit("daftar", reg, None, APPLICATION_INITIAL, layanan=service.kode,
                      berkas={k: len(v) for k, v in recorded.items()})
            _place_files(ws, register, staging.path, reg, recorded)
    finally:
        staging.remove()
    return record


def save_application(txn: RegisterSession, record: Application) -> None:
    """A change of the application: ``diubah`` is now (retention's marks are not: it saves through the session)."""
    record["diubah"] = iso(txn.moment)
    txn.save_application(record)


def change_state(txn: RegisterSession, record: Application, new: ApplicationStatus, note: str | None = None,
                 *, action: str) -> None:
    """Move an application to ``new`` by ``action`` (states.APPLICATION_MOVES; exit 5 when the table
    refuses it), with a line in its history."""
    old = move_application(record, new, action=action)
    record["riwayat"].append(_history(txn, old, new, note))


def load(ws: Workspace, register: Register, reg: str) -> Application:
    with register.reading() as txn:
        return find_application(txn, reg)


def list_applications(register: Register, status: str | None = None, service: str | None = None
                      ) -> list[Application]:
    wanted = status.upper() if status else None
    if wanted and wanted not in STATES:
        raise InputError(f"Status '{status}' tidak dikenal.", saran=f"Pilih salah satu: {', '.join(STATES)}.")
    where = ApplicationFilter(layanan=service, status=(wanted,) if wanted else ())
    with register.reading() as txn:
        out = list(txn.applications(where))
    return sorted(out, key=lambda r: r["nomor_registrasi"])


def update_files(ws: Workspace, register: Register, service: Service, reg: str, files: list[FileArg],
                 add: bool = False, source: str | None = None) -> Application:
    """``lengkapi``: the files given replace that requirement's files (or, ``add``, join them up to the
    SOP's ``jumlah_maks``); a person's file (``ahli_waris.2.ktp``) replaces only that person's. Back to
    DITERIMA; the history and the audit say which codes were ``diganti`` or ``ditambah`` (and, ``source``,
    where they came from: ``impor gform baris 5``)."""
    if not files:
        raise InputError("Tidak ada berkas yang diberikan.", saran="Pakai --berkas KODE=BERKAS.")
    how = "ditambah" if add else "diganti"
    stored = load(ws, register, reg)
    taken = frozenset(e["berkas"] for entries in stored["berkas"].values() for e in entries)
    staging, recorded = _stage_files(ws, service, files, taken)
    try:
        with register.transaction() as txn:
            record = find_application(txn, reg)
            if record["layanan"] != service.kode:
                raise InputError("Layanan permohonan berbeda dari SOP yang dimuat.",
                                 saran="Lihat layanannya dengan 'sakti status REG' dan pakai berkas persyaratan "
                                       "layanan itu.")
            before = record["status"]
            gone = _merge_files(service, record, files, recorded, add)
            codes = sorted({f"{f.kode.replace('.', f'.{f.butir}.', 1)}" if f.butir else f.kode for f in files})
            change_state(txn, record, ApplicationStatus.DITERIMA, f"berkas {how}: {', '.join(codes)}"
                         + (f" ({source})" if source else ""), action="lengkapi")
            record["periksa"] = None
            save_application(txn, record)
            txn.audit("lengkapi", record["nomor_registrasi"], before, ApplicationStatus.DITERIMA, cara=how, kode=codes,
                      berkas={k: len(v) for k, v in recorded.items()}, **({"sumber": source} if source else {}))
            target = application_dir(ws, record["nomor_registrasi"])
            for name in gone:
                (target / name).unlink(missing_ok=True)
            _place_files(ws, register, staging.path, record["nomor_registrasi"], recorded)
    finally:
        staging.remove()
    return record


def _merge_files(service: Service, record: Application, files: list[FileArg],
                 recorded: dict[str, list[dict[str, Any]]], add: bool) -> list[str]:
    """Put the staged entries into ``record``; return the stored file names no longer used."""
    gone: list[str] = []
    queues = {code: iter(entries) for code, entries in recorded.items()}
    whole: dict[str, list[dict[str, Any]]] = {}
    for item in files:  # staged in the order given, code by code
        entry = next(queues[item.kode])
        if item.butir is None:
            whole.setdefault(item.kode, []).append(entry)
        else:
            gone += _person_file(record, item, entry)
    for code, entries in whole.items():
        old = record["berkas"].get(code, [])
        req = service.requirement(code)
        if add and req is not None and "." not in code and len(old) + len(entries) > req.jumlah_maks:
            raise InputError(f"Persyaratan '{code}' paling banyak {req.jumlah_maks} berkas; sudah ada {len(old)}, "
                             f"ditambah {len(entries)}. Tidak ada yang diubah.",
                             saran=f"Ganti berkasnya (tanpa --tambah): sakti lengkapi "
                                   f"{record['nomor_registrasi']} --berkas {code}=BERKAS ...")
        if not add:
            gone += [e["berkas"] for e in old]
        record["berkas"][code] = (old if add else []) + entries
    return gone


def _person_file(record: Application, item: FileArg, entry: dict[str, Any]) -> list[str]:
    """One person's file: the item names the new file; its old one goes unless another item names it."""
    from sakti_cli.core.text import safe_file_name

    list_code, _, code = item.kode.partition(".")
    people = record["data"].get(list_code) or []
    number = item.butir or 0
    if number > len(people):
        raise InputError(f"Daftar {list_code} berisi {len(people)} orang; orang ke-{number} tidak ada. "
                         "Tidak ada yang diubah.",
                         saran=f"Tambah orangnya dengan 'sakti ubah {record['nomor_registrasi']} --data ...' "
                               "(butir baru boleh menyebut berkasnya).")
    person = people[number - 1]
    names = person.setdefault("berkas", {})
    old_name = names.get(code)
    names[code] = safe_file_name(item.stored_name)
    entries = record["berkas"].setdefault(item.kode, [])
    others = {(p.get("berkas") or {}).get(code) for i, p in enumerate(people) if i != number - 1}
    gone = [e for e in entries if old_name and safe_file_name(e["nama_asli"]) == old_name and old_name not in others]
    record["berkas"][item.kode] = [e for e in entries if e not in gone] + [entry]
    return [e["berkas"] for e in gone]


def update_data(ws: Workspace, register: Register, service: Service, reg: str, data: Any, today: date,
                files: list[FileArg] | None = None) -> Application:
    """``ubah``: corrected fields are merged over the stored data, re-checked, back to DITERIMA. ``files``
    are the files named by list items (a person added with their KTP): those not yet attached join
    their code."""
    if not isinstance(data, dict) or not data:
        raise InputError("Data perubahan harus berupa objek JSON yang tidak kosong.",
                         saran='Tulis hanya kolom yang diubah, mis. {"alamat": "Jl. Baru No. 2"}.')
    stored = load(ws, register, reg)
    new_files = [f for f in files or [] if not is_attached(stored, f.kode, f.stored_name)]
    taken = frozenset(e["berkas"] for entries in stored["berkas"].values() for e in entries)
    staging, recorded = _stage_files(ws, service, new_files, taken)
    try:
        with register.transaction() as txn:
            record = find_application(txn, reg)
            merged = {**record["data"], **data}
            clean = clean_application_data(service, merged, ws.config.kantor.desa, today)
            before = record["status"]
            changed = sorted(k for k in clean if clean.get(k) != record["data"].get(k))
            note = f"data diubah: {', '.join(changed) or '-'}"
            if recorded:
                note += f"; berkas ditambah: {', '.join(sorted(recorded))}"
            change_state(txn, record, ApplicationStatus.DITERIMA, note, action="ubah")
            record["data"] = clean
            for code, entries in recorded.items():
                record["berkas"][code] = record["berkas"].get(code, []) + entries
            record["periksa"] = None
            record["cari"] = search_keys(service, clean)
            save_application(txn, record)
            _index_niks(txn, service, record)
            txn.audit("ubah", record["nomor_registrasi"], before, ApplicationStatus.DITERIMA, kolom=changed,
                      berkas={k: len(v) for k, v in recorded.items()})
            _place_files(ws, register, staging.path, record["nomor_registrasi"], recorded)
    finally:
        staging.remove()
    return record


def is_attached(record: Application, code: str, name: str) -> bool:
    """Whether a file of that (cleaned) name is already attached under ``code``: an item of ``ubah``'s
    data that names it needs no new copy."""
    from sakti_cli.core.text import safe_file_name

    shown = mask_text(safe_file_name(name))
    return any(entry["nama_asli"] == shown for entry in record["berkas"].get(code, []))


def record_originals(ws: Workspace, register: Register, service: Service, reg: str, codes: list[str],
                     today: date) -> Application:
    """``lengkapi --asli``: the clerk saw these originals at the desk. Recorded as that (who saw which
    document, when), not as a change of files or data; back to DITERIMA so ``periksa`` counts them."""
    from sakti_cli.intake.forms import add_originals

    with register.transaction() as txn:
        record = find_application(txn, reg)
        merged = add_originals(record["data"], codes)
        clean = clean_application_data(service, merged, ws.config.kantor.desa, today)
        seen = sorted(set(clean.get("asli") or []) - set(record["data"].get("asli") or [])) or sorted(
            clean.get("asli") or [])
        before = record["status"]
        change_state(txn, record, ApplicationStatus.DITERIMA,
                     f"dokumen asli diperlihatkan di loket, dilihat oleh {txn.actor}: {', '.join(seen)}",
                     action="asli_dilihat")
        record["data"] = clean
        record["periksa"] = None
        save_application(txn, record)
        txn.audit("asli_dilihat", record["nomor_registrasi"], before, ApplicationStatus.DITERIMA, kode=seen,
                  dilihat_oleh=txn.actor)
    return record


RECENT_LETTER_DAYS = 30


def _index_niks(txn: RegisterSession, service: Service, record: Application) -> None:
    """Written in the application's transaction, so the same-NIK warning finds it at the next desk."""
    reg = record["nomor_registrasi"]
    for nik in applicant_niks(service, record["data"]):
        listed = [e for e in txn.nik_applications(nik_digest(nik)) if e.get("nomor_registrasi") != reg]
        txn.set_nik_applications(nik_digest(nik), [*listed, {"nomor_registrasi": reg, "layanan": service.kode}])


def same_nik_warnings(register: Register, service: Service, record: Application, today: date
                      ) -> list[dict[str, Any]]:
    """Other applications of the same NIK for the same service that are still open, or whose letter was
    issued in the last 30 days: a warning for the clerk (a second SKTM the same week), not a refusal."""
    from datetime import datetime

    warnings: list[dict[str, Any]] = []
    reg = record["nomor_registrasi"]
    with register.reading() as txn:
        for nik in applicant_niks(service, record["data"]):
            for entry in txn.nik_applications(nik_digest(nik)):
                other = entry.get("nomor_registrasi")
                if other == reg or entry.get("layanan") != service.kode:
                    continue
                try:
                    found = find_application(txn, str(other))
                except NotFound:
                    continue
                if nik not in applicant_niks(service, found["data"]):  # corrected by 'ubah' since, or removed
                    continue
                letter = found.get("surat") or {}
                if found["status"] not in FINAL_STATES:
                    warnings.append({"nomor_registrasi": other, "status": found["status"],
                                     "pesan": f"NIK yang sama sudah punya permohonan {service.kode} yang masih "
                                              f"terbuka: {other} ({found['status']})"})
                elif found["status"] == LetterStatus.TERBIT and letter.get("terbit"):
                    issued = datetime.fromisoformat(letter["terbit"]).date()
                    if (today - issued).days <= RECENT_LETTER_DAYS:
                        warnings.append({"nomor_registrasi": other, "status": found["status"],
                                         "nomor_surat": letter.get("nomor_surat"),
                                         "pesan": f"NIK yang sama sudah mendapat surat {service.kode} "
                                                  f"{letter.get('nomor_surat')} pada {issued.isoformat()} "
                                                  f"({other})"})
    return warnings


def reject(register: Register, reg: str, reason: str) -> Application:
    from sakti_cli.core.text import normalise_text, unsafe_character

    if not reason.strip():
        raise InputError("Alasan penolakan wajib diisi.", saran="Pakai --alasan \"...\".")
    hidden = unsafe_character(reason)
    if hidden is not None:  # the reason is shown to the citizen and kept in the audit trail
        raise InputError(f"Alasan penolakan berisi {hidden}, yang tidak boleh ada.",
                         saran="Ketik ulang alasannya tanpa karakter itu.")
    reason = mask_text(normalise_text(reason))  # free text typed by staff: stored with any NIK masked
    with register.transaction() as txn:
        record = find_application(txn, reg)
        before = record["status"]
        change_state(txn, record, ApplicationStatus.DITOLAK, reason, action="tolak")
        record["alasan_tolak"] = reason
        save_application(txn, record)
        txn.audit("tolak", record["nomor_registrasi"], before, ApplicationStatus.DITOLAK, alasan=reason)
    return record
