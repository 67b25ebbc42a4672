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


def verify_file(ws: Workspace, register: Register, pdf: Path, at: datetime | None = None,
                report: Path | None = None, bsre: bool = False, bsre_id: str | None = None) -> dict[str, Any]:
    """``verifikasi FILE``; ``at``: judge the signatures at that time (``--pada``), e.g. years after issue;
    ``report``: also write the ETSI TS 119 102-2 validation report there (0600, atomically); ``bsre``: also
    ask the BSrE service of signatory ``bsre_id`` (:func:`bsre_signatory`) for its verdict (``bsre`` key)."""
    from sakti_cli.signatures.validate import verify_pdf

    if bsre:
        bsre_signatory(ws, bsre_id)  # no BSrE signatory: refused before any work
    found = verify_pdf(pdf, trust_roots(ws), at)
    if report is not None and found.signatures:  # a report names at least one signature (TS 119 102-2)
        from sakti_cli.core.storage import atomic_write
        from sakti_cli.signatures.etsi_report import render_report

        atomic_write(report, render_report(found))
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
        **({"laporan": str(report) if found.signatures else None} if report is not None else {}),
        **({"bsre": ask_bsre(ws, pdf, bsre_signatory(ws, bsre_id, letter),
                             bool(found.signatures) and all(s.ok for s in found.signatures))} if bsre else {}),
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


def bsre_signatory(ws: Workspace, wanted: str | None, letter: Letter | None = None) -> Any:
    """The signatory whose BSrE service ``verifikasi --bsre`` asks: ``wanted`` (``--penandatangan``), else the
    letter's own signatory when it signs through BSrE, else the first one that does (ConfigError when none)."""
    remote = [p for p in ws.config.penandatangan if p.kunci.jenis == "bsre"]
    if wanted is not None:
        chosen = next((p for p in remote if p.id == wanted), None)
        if chosen is None:
            raise ConfigError(f"Penandatangan '{wanted}' tidak menandatangani lewat layanan BSrE (kunci.jenis = "
                              "\"bsre\") di sakti.toml.",
                              saran=f"Pilih salah satu: {', '.join(p.id for p in remote) or '(belum ada)'}.")
        return chosen
    if not remote:
        raise ConfigError("'verifikasi --bsre' butuh layanan BSrE, tetapi tidak ada penandatangan dengan kunci.jenis "
                          "= \"bsre\" di sakti.toml.",
                          saran="Tambahkan [[penandatangan]] dengan kunci jenis bsre (docs/PANDUAN-KANTOR.md), atau "
                                "periksa tanpa --bsre.")
    own = ((letter or {}).get("penandatangan") or {}).get("id")
    return next((p for p in remote if p.id == own), remote[0])


def _bsre_signature(item: dict[str, Any]) -> dict[str, Any]:
    """One of the service's ``signatureInformations`` in our words; a value of the wrong type is None."""
    stamp = item.get("timestampInfomation") or item.get("timestampInformation")  # the service's spelling first
    stamp = stamp if isinstance(stamp, dict) else {}

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    def flag(value: Any) -> bool | None:
        return value if isinstance(value, bool) else None

    return {
        "kolom": text(item.get("fieldName")),
        "penandatangan": text(item.get("signerName")),
        "utuh": flag(item.get("integrityValid")),
        "tepercaya": flag(item.get("certificateTrusted")),
        "diubah_sesudahnya": flag(item.get("modified")),
        "waktu_tanda_tangan": text(item.get("signatureDate")),
        "tsa": text(stamp.get("signerName")),
        "waktu_cap_waktu": text(stamp.get("timestampDate")),
    }


def ask_bsre(ws: Workspace, pdf: Path, signatory: Any, ours: bool) -> dict[str, Any]:
    """``verifikasi --bsre``: the BSrE service's own verdict on ``pdf`` (``/api/v2/verify/pdf``) beside ours
    (``ours``: our verdict on the signatures), NIKs masked. A service that cannot answer is reported in
    ``galat``, not raised: our own verdict stands either way."""
    from sakti_cli.core.errors import SaktiError
    from sakti_cli.core.privacy import mask_payload
    from sakti_cli.signatures.bsre import bsre_config, verify_pdf

    config = bsre_config(ws, signatory)  # credentials unreadable: ConfigError before anything is sent
    summary: dict[str, Any] = {"penandatangan": signatory.id, "layanan": config.url}
    try:
        answer = mask_payload(verify_pdf(config, pdf.read_bytes()))
    except SaktiError as exc:
        return {**summary, "galat": {"kode": exc.kode, "pesan": exc.pesan, "saran": exc.saran}}
    conclusion = str(answer.get("conclusion") or "")
    valid = conclusion.upper() == "VALID"
    items = answer.get("signatureInformations")
    items = items if isinstance(items, list) else []
    description = answer.get("description")
    return {**summary, "kesimpulan": conclusion or None,
            "keterangan": description if isinstance(description, str) else None, "sah": valid,
            "sepakat": valid == ours,
            "tanda_tangan": [_bsre_signature(i) for i in items if isinstance(i, dict)], "jawaban": answer}

