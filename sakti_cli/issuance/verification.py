"""``verifikasi``: is this PDF a letter this office issued, signed and unchanged?

Two independent questions, both must be yes for exit 0: every signature is valid, intact and
trusted by the roots in sakti.toml; and the register knows the letter (by the verification code the
PDF carries, or by its SHA-256) as TERBIT. Later incremental updates (another signature) are listed,
not failed, as long as the revision the office signed is byte-for-byte what it recorded.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError
from sakti_cli.core.shapes import signatory_json
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.letters import applicant_masker, find_letter, letter_digests, normalise_code
from sakti_cli.register.session import Letter, Register
from sakti_cli.register.states import LetterStatus

CODE_KEY = "/SaktiKodeVerifikasi"


def trust_roots(ws: Workspace) -> list[Path]:
    roots = [ws.path(p) for p in ws.config.verifikasi.akar_tepercaya]
    missing = [str(p) for p in roots if not p.is_file()]
    if missing:
        raise ConfigError(f"Sertifikat akar tepercaya tidak ada: {', '.join(missing)}.",
                          saran="Periksa [verifikasi].akar_tepercaya di sakti.toml.")
    return roots


def _prefix_sha256(path: Path, size: int) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(size)).hexdigest()


def letter_summary(letter: Letter, applicant: str | None = None) -> dict[str, Any]:
    """The letter as verification shows it; ``applicant`` is the masked name (letters.applicant_masker)."""
    return {
        "nomor_surat": letter["nomor_surat"],
        "status": letter["status"],
        "layanan": letter["layanan"],
        "nomor_registrasi": letter["nomor_registrasi"],
        "terbit": letter.get("terbit"),
        "penandatangan": signatory_json(letter.get("penandatangan")),
        "sha256": letter.get("sha256"),
        "sha256_revisi": letter_digests(letter),
        "kode_verifikasi": letter["kode_verifikasi"],
        "alasan_batal": letter.get("alasan_batal"),
        "pemohon": applicant,
    }


def verify_file(ws: Workspace, register: Register, pdf: Path, at: datetime | None = None) -> dict[str, Any]:
    """``verifikasi FILE``; ``at``: judge the signatures at that time (``--pada``), e.g. years after issue."""
    from sakti_cli.signatures.validate import verify_pdf

    found = verify_pdf(pdf, trust_roots(ws), at)
    reasons: list[str] = []
    if not found.signatures:
        reasons.append("PDF ini tidak bertanda tangan elektronik")
    for sig in found.signatures:
        if not sig.ok:
            reasons.append(f"tanda tangan {sig.field}: {sig.pesan}")
    code = found.info.get(CODE_KEY)
    with register.reading() as txn:
        letter = find_letter(txn, code=code) if code else None
        if letter is None:
            letter = find_letter(txn, sha256=found.sha256)
        applicant = applicant_masker(ws)(txn, letter) if letter else None
    register_state = "TIDAK_TERDAFTAR"
    if letter is None:
        reasons.append("surat tidak tercatat di register kantor ini")
    else:
        register_state = letter["status"]
        if letter["status"] == LetterStatus.BATAL:
            reasons.append(f"surat {letter['nomor_surat']} telah dibatalkan: {letter.get('alasan_batal')}")
        elif letter["status"] == LetterStatus.MENUNGGU_TTD:
            reasons.append(f"surat {letter['nomor_surat']} belum ditandatangani penandatangannya (MENUNGGU_TTD)")
        elif letter["status"] != LetterStatus.TERBIT:
            reasons.append(f"surat {letter['nomor_surat']} belum terbit (status {letter['status']})")
        elif letter.get("sha256") and letter.get("ukuran"):
            size = int(letter["ukuran"])
            if pdf.stat().st_size < size or _prefix_sha256(pdf, size) != letter["sha256"]:
                reasons.append("isi PDF tidak sama dengan surat yang diterbitkan kantor ini")
    later = max((s.later_revisions for s in found.signatures), default=0)
    return {
        "sah": not reasons,
        "alasan": reasons,
        "berkas": str(pdf.resolve()),
        "sha256": found.sha256,
        "kode_verifikasi": code,
        "register": register_state,
        "terdaftar": letter is not None,
        "surat": letter_summary(letter, applicant) if letter else None,
        "revisi_setelah_ttd": later,
        "tanda_tangan": [s.to_dict(ws.zone) for s in found.signatures],
    }


def lookup_code(ws: Workspace, register: Register, code: str) -> dict[str, Any]:
    """``verifikasi --kode``: what the register says of a code, with the applicant's masked name (as the
    verification page shows it), so the person holding the letter can tell it is theirs."""
    with register.reading() as txn:
        letter = find_letter(txn, code=code)
        applicant = applicant_masker(ws)(txn, letter) if letter else None
    if letter is None:  # a negative answer (exit 1), like a PDF that is not in the register
        return {"sah": False, "terdaftar": False, "register": "TIDAK_TERDAFTAR",
                "kode_verifikasi": normalise_code(code), "surat": None,
                "alasan": [f"kode verifikasi '{normalise_code(code)}' tidak tercatat di register kantor ini; periksa "
                           "penulisannya (surat dari kantor lain tidak tercatat di sini)"]}
    return {"sah": letter["status"] == LetterStatus.TERBIT, "terdaftar": True, "register": letter["status"],
            "kode_verifikasi": letter["kode_verifikasi"], "surat": letter_summary(letter, applicant)}
