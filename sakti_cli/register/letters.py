"""Letter records in the register: reserve a number, close it as TERBIT or BATAL, look it up.

A reserved number always ends in exactly one of TERBIT or BATAL; it is never handed out again.
Between the two a letter prepared without its signature waits as MENUNGGU_TTD (``terbitkan
--tanpa-ttd``) until its signatory signs it (``ttd setujui``: TERBIT) or sends it back (``ttd
kembalikan``: BATAL "dikembalikan: ..."). The register keeps the open reservations and the signing queue
in step with each letter's status (:meth:`RegisterSession.save_letter`), so neither is a scan of letters.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from sakti_cli.core.children import own_process
from sakti_cli.core.clock import iso
from sakti_cli.core.errors import (
    REGISTER_ADVICE,
    ConfigError,
    FileUnreadable,
    InputError,
    NotFound,
    RegisterCorrupt,
    StateConflict,
    os_reason,
)
from sakti_cli.core.privacy import mask_text
from sakti_cli.core.shapes import absolute_path, signatory_json
from sakti_cli.core.storage import sha256_file
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.numbering import format_number, pattern_for, sequence_key
from sakti_cli.register.session import Letter, Register, RegisterSession, Reservation, letter_digests
from sakti_cli.register.states import LETTER_INITIAL, ApplicationStatus, LetterStatus, move_letter
from sakti_cli.services.sop import Service

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
CODE_LENGTH = 16  # ~79 bits: not enumerable
WAITING = LetterStatus.MENUNGGU_TTD  # the state of such a letter, and of its application


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type between groups.
    The whole URL a QR scanner types (``https://…/cek/KODE``, ``…/cek/#KODE``, ``…?k=KODE``) gives its code."""
    return "".join(ch for ch in _code_part(value).upper() if ch.isalnum())


def _code_part(value: str) -> str:
    """The part of a scanned URL that holds the code: ``k=``/``kode=`` in the query, else the fragment,
    else the last path segment; text that is not a URL is the code itself."""
    from urllib.parse import parse_qs, urlsplit

    text = "".join(value.split())  # a scanner or a phone may add spaces or line breaks anywhere
    if not any(mark in text for mark in "/?#="):
        return text
    parts = urlsplit(text if "://" in text else f"//{text}")
    query = parse_qs(parts.query)
    for key in ("k", "kode"):
        if query.get(key):
            return query[key][0]
    if parts.fragment.strip("/"):
        return parts.fragment.strip("/").rsplit("/", 1)[-1]
    segments = [segment for segment in parts.path.split("/") if segment]
    return segments[-1] if segments else ""


def reserve_number(txn: RegisterSession, ws: Workspace, service: Service, reg: str,
                   signatory: dict[str, Any]) -> Letter:
    moment = txn.moment
    key = sequence_key(ws, service, moment.year)
    sequence = txn.next_letter_sequence(key)
    number = format_number(pattern_for(ws, service), service=service, unit=ws.config.kantor.kode_unit,
                           sequence=sequence, moment=moment)
    if txn.find_letter(number=number) is not None:
        # Only reachable when a pattern lacks {tahun} or the scope was changed: refuse to reuse.
        raise ConfigError(f"Nomor {number} sudah pernah dipakai; pola nomor harus membuat nomor yang unik.",
                          saran="Pastikan pola nomor memuat {urut} dan {tahun}.")
    letter: Letter = {
        "id": secrets.token_hex(8),
        "nomor_surat": number,
        "urut": sequence,
        "lingkup": key,
        "tahun": moment.year,
        "status": LETTER_INITIAL,
        "layanan": service.kode,
        "nomor_registrasi": reg,
        "kode_verifikasi": new_verification_code(),
        "penandatangan": signatory,
        "dipesan": iso(moment),
        "proses": own_process(),
        "bulan_pesan": f"{moment:%Y-%m}",
    }
    txn.add_letter(letter)
    txn.audit("pesan_nomor", number, None, LETTER_INITIAL, nomor_registrasi=reg, lingkup=key, urut=sequence)
    return letter


def current_letter(txn: RegisterSession, letter: Letter | Reservation) -> Letter:
    """The letter's record as the register holds it now (read earlier, in another step); NotFound when gone."""
    found = txn.reload_letter(letter)
    if found is None:
        number = letter.nomor_surat if isinstance(letter, Reservation) else letter.get("nomor_surat")
        raise NotFound(f"Surat {number} tercatat di register tetapi catatannya tidak ada.", saran=REGISTER_ADVICE)
    return found


def void_reserved(txn: RegisterSession, reserved: Letter | Reservation, reason: str, **detail: Any) -> Letter:
    letter = current_letter(txn, reserved)
    if letter["status"] != LetterStatus.DIPESAN:  # already closed (e.g. by the recovery of another process)
        return letter
    reason = mask_text(reason)  # often an error message: it may name a path holding a NIK
    before = move_letter(letter, LetterStatus.BATAL, action="batal_nomor")
    _closed(txn, letter, reason)
    txn.audit("batal_nomor", letter["nomor_surat"], before, LetterStatus.BATAL, alasan=reason, **detail)
    return letter


def _closed(txn: RegisterSession, letter: Letter, reason: str) -> None:
    """Record why, when and by whom a letter (already moved to BATAL) was closed, and save it."""
    letter.update({"alasan_batal": reason, "dibatalkan": iso(txn.moment), "dibatalkan_oleh": txn.actor})
    txn.save_letter(letter)


def clean_number(value: str) -> str:
    number = " ".join(value.split())
    if not number:
        raise InputError("Nomor surat kosong.", saran="Tulis nomor surat lengkap, mis. 400.9.14.1/001/ARSEL/XI/2026.")
    return number


def letter_by_number(txn: RegisterSession, value: str) -> Letter:
    """The letter with this number (exact, then in capitals); NotFound (exit 3) when unknown."""
    number = clean_number(value)
    letter = find_letter(txn, number=number) or find_letter(txn, number=number.upper())
    if letter is None:
        raise NotFound(f"Nomor surat '{number}' tidak ada di register.",
                       saran="Periksa penulisannya; nomor surat tercantum di PDF dan di 'sakti status REG'.")
    return letter


def void_issued(txn: RegisterSession, value: str, reason: str) -> Letter:
    """``batalkan``: TERBIT -> BATAL with reason, time and who; the application goes back to LENGKAP.

    The letter stays in the register (verification then reports it revoked) and its number is never
    handed out again. The application remembers the voided number, so the next letter issued for it
    records ``mengganti`` and the voided one ``diganti_oleh`` (see issue.record_issued).
    """
    from sakti_cli.register.applications import change_state, find_application, save_application

    reason = mask_text(" ".join(reason.split()))
    if not reason:
        raise InputError("Alasan pembatalan wajib diisi.", saran='Pakai --alasan "...".')
    letter = letter_by_number(txn, value)
    number = letter["nomor_surat"]
    if letter["status"] == LetterStatus.BATAL:
        raise StateConflict(f"Surat {number} sudah BATAL sejak {letter.get('dibatalkan') or '-'}: "
                            f"{letter.get('alasan_batal') or '-'}.",
                            saran="Surat yang sudah batal tidak dapat dibatalkan lagi.")
    if letter["status"] == WAITING:
        raise StateConflict(f"Surat {number} belum ditandatangani (MENUNGGU_TTD), belum TERBIT.",
                            saran=f"Penandatangan mengembalikannya dengan 'sakti ttd kembalikan {number} "
                                  "--alasan \"...\"'.")
    if letter["status"] != LetterStatus.TERBIT:
        raise StateConflict(f"Surat {number} berstatus {letter['status']} (sedang diterbitkan), belum TERBIT.",
                            saran="Tunggu penerbitannya selesai, lalu ulangi.")
    record = find_application(txn, letter["nomor_registrasi"])
    move_letter(letter, LetterStatus.BATAL, action="batalkan")
    _closed(txn, letter, reason)
    txn.audit("batalkan", number, LetterStatus.TERBIT, LetterStatus.BATAL, alasan=reason,
              nomor_registrasi=record["nomor_registrasi"])
    current = record.get("surat") or {}
    if record["status"] == ApplicationStatus.TERBIT and current.get("nomor_surat") == number:
        before = record["status"]
        change_state(txn, record, ApplicationStatus.LENGKAP, f"surat {number} dibatalkan: {reason}",
                     action="batalkan")
        record["surat"] = None
        record["menunggu_pengganti"] = number
        record.setdefault("nomor_batal", []).append(number)
        save_application(txn, record)
        txn.audit("batalkan", record["nomor_registrasi"], before, ApplicationStatus.LENGKAP, nomor_surat=number)
    return letter


def queue_rows(ws: Workspace, register: Register, signatory_id: str | None = None) -> list[dict[str, Any]]:
    """``ttd antrean``: what the signatory reviews: number, applicant, service, who prepared it and when,
    the unsigned PDF to read. The NIK is returned whole; the CLI masks it unless revealed."""
    from sakti_cli.register.applications import find_application
    from sakti_cli.services.sop import applicant_namer

    applicant = applicant_namer(ws.sop_dir)
    rows = []
    with register.reading() as txn:
        for letter in txn.signing_queue(signatory_id):
            try:
                data = find_application(txn, letter["nomor_registrasi"]).get("data") or {}
            except NotFound:
                data = {}
            signer = letter.get("penandatangan") or {}
            rows.append({
                "nomor_surat": letter["nomor_surat"], "nomor_registrasi": letter["nomor_registrasi"],
                "nama": applicant(letter["layanan"], data), "nik": data.get("nik"), "layanan": letter["layanan"],
                "nama_layanan": letter.get("nama_layanan") or letter["layanan"],
                "disiapkan_oleh": letter.get("disiapkan_oleh"), "disiapkan": letter.get("disiapkan"),
                "penandatangan": signatory_json(signer),
                "pdf": absolute_path(ws.root, letter.get("pdf_belum_ttd")),
                "kode_verifikasi": letter["kode_verifikasi"],
            })
    return rows


def send_back(ws: Workspace, register: Register, value: str, reason: str) -> dict[str, Any]:
    """``ttd kembalikan``: the signatory refuses a waiting letter. Its number is closed BATAL
    ("dikembalikan: ...", never reused), the unsigned PDF removed, the application back to LENGKAP
    with the reason in its history, so staff correct it (``ubah``/``lengkapi``) and issue it again."""
    from sakti_cli.register.applications import change_state, find_application, save_application
    from sakti_cli.register.places import queued_pdf

    reason = mask_text(" ".join(reason.split()))
    if not reason:
        raise InputError("Alasan pengembalian wajib diisi.", saran='Pakai --alasan "...".')
    with register.transaction() as txn:
        letter = letter_by_number(txn, value)
        number = letter["nomor_surat"]
        if letter["status"] != WAITING:
            raise StateConflict(f"Surat {number} berstatus {letter['status']}, tidak menunggu tanda tangan.",
                                saran="Hanya surat di 'sakti ttd antrean' yang dapat dikembalikan; surat TERBIT "
                                      "dibatalkan dengan 'sakti batalkan'.")
        reg = letter["nomor_registrasi"]
        record = find_application(txn, reg)
        move_letter(letter, LetterStatus.BATAL, action="kembalikan")
        letter.pop("pdf_belum_ttd", None)
        _closed(txn, letter, f"dikembalikan: {reason}")
        txn.audit("kembalikan", number, WAITING, LetterStatus.BATAL, alasan=reason, nomor_registrasi=reg)
        if record["status"] == WAITING and (record.get("antrean") or {}).get("nomor_surat") == number:
            change_state(txn, record, ApplicationStatus.LENGKAP, f"surat {number} dikembalikan: {reason}",
                         action="kembalikan")
            record.pop("antrean", None)
            if number not in record.setdefault("nomor_batal", []):
                record["nomor_batal"].append(number)
            save_application(txn, record)
            txn.audit("kembalikan", reg, WAITING, ApplicationStatus.LENGKAP, nomor_surat=number)
    queued_pdf(ws.root, letter).unlink(missing_ok=True)  # after the commit: the record decides
    return {"nomor_surat": number, "status": letter["status"], "alasan_batal": letter["alasan_batal"],
            "nomor_registrasi": reg, "status_permohonan": record["status"]}


def applicant_masker(ws: Workspace) -> Any:
    """``masked(txn, letter)``: the applicant's name as the verification page and ``verifikasi --kode``
    show it (``S*** A*****``, privacy.mask_name), from the letter's application; None when unknown."""
    from sakti_cli.core.privacy import mask_name
    from sakti_cli.register.applications import find_application
    from sakti_cli.services.sop import applicant_namer

    namer = applicant_namer(ws.sop_dir)

    def masked(txn: RegisterSession, letter: Letter) -> str | None:
        try:
            data = find_application(txn, letter["nomor_registrasi"]).get("data") or {}
        except NotFound:
            return None
        return mask_name(namer(letter["layanan"], data))

    return masked


def find_letter(txn: RegisterSession, *, number: str | None = None, code: str | None = None,
                sha256: str | None = None) -> Letter | None:
    """The letter with this number, verification code (as typed or scanned: normalised here) or PDF digest."""
    return txn.find_letter(number=number, code=normalise_code(code) if code else None, sha256=sha256)


def stored_pdf(ws: Workspace, register: Register, letter: Letter) -> Path:
    """The stored PDF of a TERBIT letter, from the register's file store, checked against the SHA-256 in the
    register (exit 4 if not)."""
    number = letter["nomor_surat"]
    if letter["status"] == LetterStatus.BATAL:
        raise StateConflict(f"Surat {number} sudah BATAL ({letter.get('alasan_batal') or '-'}); "
                            "surat batal tidak dicetak ulang.",
                            saran=f"Surat penggantinya: {letter['diganti_oleh']}." if letter.get("diganti_oleh")
                            else "Terbitkan surat pengganti dengan 'sakti terbitkan REG'.")
    if letter["status"] == WAITING:
        raise StateConflict(f"Surat {number} menunggu tanda tangan (MENUNGGU_TTD), belum TERBIT.",
                            saran="Lihat 'sakti ttd antrean'; surat dicetak setelah ditandatangani.")
    if letter["status"] != LetterStatus.TERBIT or not letter.get("pdf"):
        raise StateConflict(f"Surat {number} berstatus {letter['status']}, belum TERBIT.",
                            saran="Tunggu penerbitannya selesai, lalu ulangi.")
    path = ws.root / str(letter["pdf"])
    latest = next(reversed(letter_digests(letter)), None)
    try:
        return register.store.fetch(path, str(latest))
    except FileUnreadable:
        pass
    if not path.is_file():
        raise RegisterCorrupt(f"PDF surat {number} tidak ada di {path}.",
                              saran="Pulihkan folder data/surat dari cadangan; periksa dengan "
                                    "'sakti register periksa'.")
    digest = sha256_file(path)
    if digest != latest:
        raise RegisterCorrupt(
            f"PDF surat {number} di {path} tidak sama dengan yang diterbitkan: SHA-256 {digest} "
            f"tidak cocok dengan register ({latest}).",
            saran="Berkas itu telah diubah atau rusak: jangan dicetak; pulihkan dari cadangan.",
        )
    return path


def reprint(ws: Workspace, register: Register, value: str, target: Path | None = None,
            overwrite: bool = False) -> dict[str, Any]:
    """``cetak``: the stored PDF again (copied to ``target`` or its path), after checking its SHA-256.

    The letter is looked up in a reading session; the write lock is held only to record the reprint, not while
    hashing or copying.
    """
    with register.reading() as txn:
        letter = letter_by_number(txn, value)
    path = stored_pdf(ws, register, letter)
    copied: Path | None = None
    if target is not None:
        copied = target.expanduser()
        if copied.is_dir():
            copied = copied / path.name
        if not copied.parent.is_dir():
            raise FileUnreadable(f"Folder {copied.parent} (untuk --ke) tidak ada.", saran="Buat foldernya dulu.")
        if copied.exists() and not overwrite:
            raise InputError(f"Berkas {copied} sudah ada.", saran="Pilih nama lain atau tambahkan --timpa.")
        if copied.resolve() == path.resolve():
            raise InputError(f"{copied} adalah PDF yang tersimpan di register itu sendiri.",
                             saran="Pilih berkas atau folder lain untuk --ke.")
        temporary = copied.with_name(f".{copied.name}.sakti-sementara")
        try:
            shutil.copyfile(path, temporary)
            temporary.chmod(0o600)
            if sha256_file(temporary) != letter_digests(letter)[-1]:
                raise FileUnreadable(f"Salinan {copied} tidak sama dengan PDF tersimpan (penyimpanan bermasalah?).",
                                     saran="Salin ke disk atau folder lain dengan --ke, lalu periksa disk tujuan.")
            os.replace(temporary, copied)
        except OSError as exc:
            raise FileUnreadable(f"Tidak dapat menulis {copied}: {os_reason(exc)}.",
                                 saran="Pilih folder tujuan --ke yang dapat ditulisi.") from None
        finally:
            temporary.unlink(missing_ok=True)
    with register.transaction() as txn:
        txn.audit("cetak", letter["nomor_surat"], letter["status"], letter["status"],
                  ke=str(copied) if copied else None, sha256=letter_digests(letter)[-1])
    return {"nomor_surat": letter["nomor_surat"], "status": letter["status"], "pdf": path,
            "ke": copied, "sha256": letter_digests(letter)[-1], "kode_verifikasi": letter["kode_verifikasi"],
            "nomor_registrasi": letter["nomor_registrasi"]}
