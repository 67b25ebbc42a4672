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

from tinydb import Query
from tinydb.table import Document

from sakti_cli.clock import iso
from sakti_cli.errors import FileUnreadable, InputError, NotFound, RegisterCorrupt, StateConflict
from sakti_cli.forms import clean_application_data
from sakti_cli.office import Workspace, make_private
from sakti_cli.privacy import mask_text
from sakti_cli.registry import APPLICATION_BLOCK, Register, Transaction, block_key
from sakti_cli.scratch import Owned, owned_temp
from sakti_cli.sop import Service
from sakti_cli.testhooks import crash_point

STATES = ("DITERIMA", "LENGKAP", "BELUM_LENGKAP", "MENUNGGU_TTD", "TERBIT", "DITOLAK")
FINAL_STATES = ("TERBIT", "DITOLAK")
# While the signatory reviews a prepared letter nothing may change the application (only the queue
# commands move it on: setujui -> TERBIT, kembalikan -> LENGKAP).
LOCKED_STATES = (*FINAL_STATES, "MENUNGGU_TTD")
REG_RE = re.compile(r"^(?:REG-?)?(\d{6})-?(\d{1,6})$")
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp", "heic": "heic", "docx": "docx"}


@dataclass(frozen=True)
class FileArg:
    kode: str
    path: Path
    nama: str = ""  # the name the file was given under (an envelope's, before symlinks are followed)
    inside: Path | None = None  # the folder an envelope's file must stay in, also while it is copied

    @property
    def stored_name(self) -> str:
        """The original name as recorded and shown: cleaned (no folder, no control characters)."""
        from sakti_cli.text import safe_file_name

        return safe_file_name(self.nama or self.path.name)


def parse_file_args(items: list[str], service: Service) -> list[FileArg]:
    """``kode=path`` pairs from the command line; the code must be a requirement of the service."""
    out = []
    for item in items:
        code, sep, raw = item.partition("=")
        code = code.strip().lower()
        if not sep or not code or not raw.strip():
            raise InputError(
                f"Format --berkas '{item}' salah.", saran="Tulis sebagai KODE=BERKAS, mis. --berkas ktp=ktp.pdf."
            )
        out.append(file_arg(code, Path(raw.strip()).expanduser(), service))
    return out


def file_arg(code: str, path: Path, service: Service, name: str = "", inside: Path | None = None) -> FileArg:
    """One requirement file: its code known to the service, the file a readable regular file."""
    code = code.strip().lower()
    if service.requirement(code) is None:
        known = ", ".join(r.kode for r in service.persyaratan)
        raise InputError(f"Kode berkas '{code}' bukan persyaratan layanan {service.kode}.",
                         saran=f"Kode yang ada: {known}.")
    if not path.is_file():
        raise FileUnreadable(f"Berkas {path} (untuk '{code}') tidak ada atau bukan berkas.",
                             saran="Periksa nama dan letak berkasnya.")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {exc.strerror}.",
                             saran="Periksa izin baca berkas itu, atau salin ulang dari pindaian aslinya.") from None
    return FileArg(code, path, name, inside)


def normalise_reg(value: str) -> str:
    match = REG_RE.match(value.strip().upper())
    if not match:
        raise NotFound(f"Nomor registrasi '{value}' tidak dikenal.",
                       saran="Nomor registrasi berbentuk REG-202611-0001; lihat 'sakti permohonan'.")
    return f"REG-{match.group(1)}-{int(match.group(2)):04d}"


def month_of_reg(reg: str) -> str:
    digits = reg.split("-")[1]
    return f"{digits[:4]}-{digits[4:]}"


def partition_of_reg(reg: str) -> str:
    """The register partition holding an application: its month and the block of its sequence
    (REG-202611-0001 -> 2026-11-00, REG-202611-0026 -> 2026-11-01), read from the number alone."""
    return block_key(month_of_reg(reg), max(1, int(reg.split("-")[2])), APPLICATION_BLOCK)  # 0000: never issued


def _stage_files(ws: Workspace, service: Service, files: list[FileArg]
                 ) -> tuple[Owned, dict[str, list[dict[str, Any]]]]:
    """Copy files into a private staging folder before the register step (no lock held). The folder
    is held under its lock until placed (a killed run's copies are swept, see scratch.py).

    Each file is measured before a byte is copied: above the SOP's ``ukuran_maks_kb`` (or, for an
    image, above the pixel limit its header declares) it is refused, nothing kept. The copy is read in
    chunks and stops at the limit, so a file that grows meanwhile is refused too."""
    from sakti_cli.recovery import STAGING_PREFIX
    from sakti_cli.rules.berkas import detect_kind, intake_problem

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
    try:
        for item in files:
            entries = recorded.setdefault(item.kode, [])
            kind = detect_kind(item.path)
            ext = EXTENSIONS.get(kind or "", "bin")
            name = f"{item.kode}-{len(entries) + 1}.{ext}"
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
        raise FileUnreadable(f"Berkas {item.path} (untuk '{item.kode}') tidak dapat dibuka: {exc.strerror}. "
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


def _place_files(ws: Workspace, staging: Path, reg: str) -> Path:
    target = ws.files_dir / reg
    target.mkdir(exist_ok=True)
    make_private(target)
    for item in staging.iterdir():
        item.replace(target / item.name)
    staging.rmdir()
    return target


def _history(txn: Transaction, before: str | None, after: str, note: str | None = None) -> dict[str, Any]:
    return {"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before, "ke": after, "catatan": note}


def application_dir(ws: Workspace, reg: str) -> Path:
    return ws.files_dir / reg


def _claim_folder(txn: Transaction, ws: Workspace, reg: str) -> None:
    """Refuse a registration number that is already taken (its record, or its folder with a ``daftar``
    event in the trail): the counter went backwards, and going on would replace another person's
    scans. A folder with neither was left by a run that died before its commit: removed."""
    folder = application_dir(ws, reg)
    taken = txn.applications(partition_of_reg(reg)).contains(Query().nomor_registrasi == reg)
    if not taken and folder.exists():
        taken = _registered_in_trail(txn.root, reg)
    if taken:
        raise RegisterCorrupt(
            f"Nomor registrasi {reg} sudah dipakai (catatan atau folder {folder} sudah ada), tetapi penghitung "
            f"{txn.root / 'urutan.json'} memberikannya lagi: penghitung mundur. Tidak ada yang ditimpa.",
            saran="Jangan mendaftar dulu. Jalankan 'sakti register periksa' lalu 'sakti register periksa --perbaiki' "
                  "(penghitung dibangun ulang dari catatan dan jejak audit), atau pulihkan dari cadangan.",
            berkas=str(txn.root / "urutan.json"), folder=str(folder),
        )
    if folder.exists():
        shutil.rmtree(folder)


def _registered_in_trail(register_root: Path, reg: str) -> bool:
    """Whether the audit trail of the registration's month records its ``daftar``."""
    path = register_root / "audit" / f"{month_of_reg(reg)}.jsonl"
    marker = f'"objek":"{reg}"'.encode()
    try:
        with path.open("rb") as handle:
            return any(marker in line and b'"aksi":"daftar"' in line for line in handle)
    except FileNotFoundError:
        return False


def register_application(
    ws: Workspace, register: Register, service: Service, data: Any, files: list[FileArg], today: date
) -> dict[str, Any]:
    clean = clean_application_data(service, data, ws.config.kantor.desa, today)
    staging, recorded = _stage_files(ws, service, files)
    crash_point("setelah_salin_berkas")
    try:
        with register.transaction() as txn:
            month = txn.moment.strftime("%Y%m")
            reg = f"REG-{month}-{txn.next_counter(f'registrasi|{month}'):04d}"
            _claim_folder(txn, ws, reg)
            record = {
                "nomor_registrasi": reg,
                "layanan": service.kode,
                "status": "DITERIMA",
                "data": clean,
                "berkas": recorded,
                "dibuat": iso(txn.moment),
                "diubah": iso(txn.moment),
                "petugas": txn.actor,
                "riwayat": [_history(txn, None, "DITERIMA", "permohonan didaftarkan")],
                "periksa": None,
                "surat": None,
                "nomor_batal": [],
            }
            txn.applications(partition_of_reg(reg)).insert(record)
            txn.audit("daftar", reg, None, "DITERIMA", layanan=service.kode,
                      berkas={k: len(v) for k, v in recorded.items()})
            _place_files(ws, staging.path, reg)
    finally:
        staging.remove()
    return record


def find_application(txn: Transaction, reg: str) -> dict[str, Any]:
    reg = normalise_reg(reg)
    found = txn.applications(partition_of_reg(reg)).get(Query().nomor_registrasi == reg)
    if not isinstance(found, Document):
        raise NotFound(f"Permohonan {reg} tidak ada di register.", saran="Lihat daftarnya dengan 'sakti permohonan'.")
    return dict(found)


def save_application(txn: Transaction, record: dict[str, Any]) -> None:
    reg = record["nomor_registrasi"]
    record["diubah"] = iso(txn.moment)
    txn.applications(partition_of_reg(reg)).update(record, Query().nomor_registrasi == reg)


def change_state(txn: Transaction, record: dict[str, Any], new: str, note: str | None = None,
                 allowed_from: tuple[str, ...] | None = None) -> None:
    """Move an application to ``new``, refusing (exit 5) from a state that does not allow it."""
    old = record["status"]
    allowed = allowed_from or tuple(s for s in STATES if s not in LOCKED_STATES)
    if old not in allowed:
        raise StateConflict(
            f"Permohonan {record['nomor_registrasi']} berstatus {old}; tindakan ini butuh status "
            f"{' atau '.join(allowed)}.",
            saran=f"Lihat riwayatnya dengan 'sakti status {record['nomor_registrasi']}'.",
        )
    record["status"] = new
    record["riwayat"].append(_history(txn, old, new, note))


def load(ws: Workspace, register: Register, reg: str) -> dict[str, Any]:
    with register.reading() as txn:
        return find_application(txn, reg)


def list_applications(register: Register, status: str | None = None, service: str | None = None
                      ) -> list[dict[str, Any]]:
    wanted = status.upper() if status else None
    if wanted and wanted not in STATES:
        raise InputError(f"Status '{status}' tidak dikenal.", saran=f"Pilih salah satu: {', '.join(STATES)}.")
    out = []
    with register.reading() as txn:
        for partition in txn.partitions("permohonan"):
            for doc in txn.applications(partition).all():
                if (wanted is None or doc["status"] == wanted) and (service is None or doc["layanan"] == service):
                    out.append(dict(doc))
    return sorted(out, key=lambda r: r["nomor_registrasi"])


def update_files(ws: Workspace, register: Register, service: Service, reg: str, files: list[FileArg]
                 ) -> dict[str, Any]:
    """``lengkapi``: the files given replace that requirement's files; back to DITERIMA."""
    if not files:
        raise InputError("Tidak ada berkas yang diberikan.", saran="Pakai --berkas KODE=BERKAS.")
    staging, recorded = _stage_files(ws, service, files)
    try:
        with register.transaction() as txn:
            record = find_application(txn, reg)
            if record["layanan"] != service.kode:
                raise InputError("Layanan permohonan berbeda dari SOP yang dimuat.",
                                 saran="Lihat layanannya dengan 'sakti status REG' dan pakai berkas persyaratan "
                                       "layanan itu.")
            before = record["status"]
            change_state(txn, record, "DITERIMA", f"berkas diganti: {', '.join(sorted(recorded))}")
            target = application_dir(ws, record["nomor_registrasi"])
            old_files = {code: record["berkas"].get(code, []) for code in recorded}
            for code, entries in recorded.items():
                record["berkas"][code] = entries
            record["periksa"] = None
            save_application(txn, record)
            txn.audit("lengkapi", record["nomor_registrasi"], before, "DITERIMA",
                      berkas={k: len(v) for k, v in recorded.items()})
            for entries in old_files.values():
                for entry in entries:
                    (target / entry["berkas"]).unlink(missing_ok=True)
            _place_files(ws, staging.path, record["nomor_registrasi"])
    finally:
        staging.remove()
    return record


def update_data(ws: Workspace, register: Register, service: Service, reg: str, data: Any, today: date
                ) -> dict[str, Any]:
    """``ubah``: corrected fields are merged over the stored data, re-checked, back to DITERIMA."""
    if not isinstance(data, dict) or not data:
        raise InputError("Data perubahan harus berupa objek JSON yang tidak kosong.",
                         saran='Tulis hanya kolom yang diubah, mis. {"alamat": "Jl. Baru No. 2"}.')
    with register.transaction() as txn:
        record = find_application(txn, reg)
        merged = {**record["data"], **data}
        clean = clean_application_data(service, merged, ws.config.kantor.desa, today)
        before = record["status"]
        changed = sorted(k for k in clean if clean.get(k) != record["data"].get(k))
        change_state(txn, record, "DITERIMA", f"data diubah: {', '.join(changed) or '-'}")
        record["data"] = clean
        record["periksa"] = None
        save_application(txn, record)
        txn.audit("ubah", record["nomor_registrasi"], before, "DITERIMA", kolom=changed)
    return record


def reject(register: Register, reg: str, reason: str) -> dict[str, Any]:
    from sakti_cli.text import normalise_text, unsafe_character

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
        change_state(txn, record, "DITOLAK", reason)
        record["alasan_tolak"] = reason
        save_application(txn, record)
        txn.audit("tolak", record["nomor_registrasi"], before, "DITOLAK", alasan=reason)
    return record
