"""The register steps of an issuance: a letter recorded TERBIT with its PDF, or MENUNGGU_TTD in the queue.

Both run inside one short register transaction (the lock is never held while rendering or signing).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.applications import find_application, save_application
from sakti_cli.register.letters import WAITING, current_letter, find_letter, void_reserved
from sakti_cli.register.places import leftover_pdf, queued_pdf
from sakti_cli.register.session import Application, Letter, RegisterSession
from sakti_cli.register.states import ApplicationStatus, LetterStatus, move_application, move_letter
from sakti_cli.services.sop import Service


def letter_pdf_path(ws: Workspace, letter: Letter) -> Path:
    return leftover_pdf(ws.root, letter)


def _recordable(txn: RegisterSession, ws: Workspace, reserved: Letter, reg: str,
                stored: Path | None) -> tuple[Letter, Application | None, str | None]:
    """Is the letter still where its caller left it (DIPESAN, or MENUNGGU_TTD for the queue) and its
    application still waiting for it? Returns the fresh letter, the application, and a problem or None.

    A reservation whose application changed meanwhile is closed BATAL here, in the same step (``stored``:
    a PDF already at its final place, noted as left behind).
    """
    letter = current_letter(txn, reserved)
    expected = reserved["status"]
    if letter["status"] != expected:
        if letter["status"] == LetterStatus.TERBIT:
            return letter, None, f"Surat {letter['nomor_surat']} sudah TERBIT (ditandatangani di proses lain)."
        return letter, None, (f"Nomor {letter['nomor_surat']} sudah ditutup {letter['status']} "
                              f"({letter.get('alasan_batal') or '-'}) sebelum dicatat.")
    current = find_application(txn, reg)
    wanted = ApplicationStatus.LENGKAP if expected == LetterStatus.DIPESAN else ApplicationStatus.MENUNGGU_TTD
    if current["status"] != wanted:
        problem = f"Permohonan {reg} berubah menjadi {current['status']} selama penerbitan."
        if expected == LetterStatus.DIPESAN:
            detail = {"pdf_tertinggal": str(stored.relative_to(ws.root))} if stored is not None else {}
            letter = void_reserved(txn, letter, f"gagal diterbitkan: {problem}", **detail)
            if letter["nomor_surat"] not in current.setdefault("nomor_batal", []):
                current["nomor_batal"].append(letter["nomor_surat"])
                save_application(txn, current)
        return letter, current, problem
    return letter, current, None


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), target)
    target.chmod(0o600)


def record_issued(txn: RegisterSession, ws: Workspace, reserved: Letter, reg: str, final: Path, digest: str,
                  signatory_id: str, *, signed: Path | None = None) -> tuple[Letter, str | None]:
    """The last register step of every signature: DIPESAN (``terbitkan``) or MENUNGGU_TTD (``ttd
    setujui``) -> TERBIT, the application TERBIT, a replacement linked both ways.

    ``signed``: the signed PDF, moved to ``final`` here, once the state is checked (under the lock, so
    two signatories approving the same letter never overwrite each other's file); without it the PDF
    is already at ``final``. Returns the letter and None, or the letter and a problem when it cannot
    be recorded: the letter was closed or signed meanwhile, or the application changed during issuance
    (a reservation is then closed BATAL in this same step). The caller raises the problem after the
    step is committed.
    """
    expected = reserved["status"]
    letter, current, problem = _recordable(txn, ws, reserved, reg, final if signed is None else None)
    if problem or current is None:
        return letter, problem
    if signed is not None:
        _place(signed, final)
    move_letter(letter, LetterStatus.TERBIT, action="terbit")
    letter.update({"terbit": iso(txn.moment), "sha256": digest, "ukuran": final.stat().st_size,
                   "pdf": str(final.relative_to(ws.root))})
    letter.pop("pdf_belum_ttd", None)
    replaced_number = current.pop("menunggu_pengganti", None)
    replaced = find_letter(txn, number=replaced_number) if replaced_number else None
    if replaced is not None:
        letter["mengganti"] = replaced["nomor_surat"]
        replaced["diganti_oleh"] = letter["nomor_surat"]
        txn.save_letter(replaced)
    txn.save_letter(letter)  # indexes its SHA-256 too
    before = move_application(current, ApplicationStatus.TERBIT, action="terbit")
    current.pop("antrean", None)
    note = f"surat {letter['nomor_surat']}"
    if replaced is not None:
        note += f" (pengganti {replaced['nomor_surat']})"
    if expected == WAITING:
        note += " ditandatangani dari antrean"
    current["riwayat"].append({"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before,
                               "ke": current["status"], "catatan": note})
    summary: dict[str, Any] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                               "pdf": letter["pdf"], "sha256": digest, "terbit": letter["terbit"]}
    if replaced is not None:
        summary["mengganti"] = replaced["nomor_surat"]
    current["surat"] = summary
    save_application(txn, current)
    detail: dict[str, Any] = {"nomor_registrasi": reg, "sha256": digest, "penandatangan": signatory_id}
    if replaced is not None:
        detail["mengganti"] = replaced["nomor_surat"]
    txn.audit("terbit", letter["nomor_surat"], expected, LetterStatus.TERBIT, **detail)
    if replaced is not None:
        txn.audit("diganti", replaced["nomor_surat"], LetterStatus.BATAL, LetterStatus.BATAL,
                  diganti_oleh=letter["nomor_surat"])
    return letter, None


def record_waiting(txn: RegisterSession, ws: Workspace, reserved: Letter, reg: str, pdf: Path, digest: str,
                   service: Service, footer: dict[str, Any] | None = None, reason: str | None = None
                   ) -> tuple[Letter, str | None]:
    """``terbitkan --tanpa-ttd``: DIPESAN -> MENUNGGU_TTD, the unsigned PDF moved into the private queue
    folder, the application MENUNGGU_TTD. The letter leaves the open list (a later process's recovery
    does not close it) and enters the signing queue (see RegisterSession.save_letter). ``reason``: why it waits
    when it was meant to be signed now (an outage, see :func:`sakti_cli.issuance.pipeline.signing_outage`)."""
    letter, current, problem = _recordable(txn, ws, reserved, reg, None)
    if problem or current is None:
        return letter, problem
    target = queued_pdf(ws.root, letter)
    _place(pdf, target)
    relative = str(target.relative_to(ws.root))
    move_letter(letter, LetterStatus.MENUNGGU_TTD, action="siapkan")
    letter.update({"disiapkan": iso(txn.moment), "disiapkan_oleh": txn.actor, "pdf_belum_ttd": relative,
                   "sha256_belum_ttd": digest, "judul": service.judul_surat, "nama_layanan": service.nama})
    if footer is not None:
        letter["kaki_tte"] = footer  # what the footer says of the certificate; checked at 'ttd setujui'
    if reason:
        letter["alasan_antrean"] = reason
    txn.save_letter(letter)
    signer = letter.get("penandatangan") or {}
    before = move_application(current, ApplicationStatus.MENUNGGU_TTD, action="siapkan")
    current["riwayat"].append({"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before, "ke": WAITING,
                               "catatan": f"surat {letter['nomor_surat']} disiapkan, menunggu tanda tangan "
                                          f"{signer.get('jabatan') or signer.get('id') or ''}".rstrip()
                                          + (f" ({reason})" if reason else "")})
    current["antrean"] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                          "pdf_belum_ttd": relative, "disiapkan": letter["disiapkan"],
                          "penandatangan": signer.get("id")}
    save_application(txn, current)
    txn.audit("siapkan", letter["nomor_surat"], LetterStatus.DIPESAN, WAITING, nomor_registrasi=reg, sha256=digest,
              penandatangan=signer.get("id"), **({"alasan": reason} if reason else {}))
    return letter, None
