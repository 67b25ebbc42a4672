"""``sakti ttd perbarui``: keep issued letters verifiable for years (PAdES B-LTA).

A B-LT letter validates offline only while its embedded CRLs are current and its signer's certificate has
not expired. Renewal adds, as new incremental revisions of the stored PDF: fresh revocation data for the
signature (from the sources in ``[tte]``, as at signing), then a document timestamp (RFC 3161) over all of
it, and the revocation data of that timestamp's TSA. The timestamp proves the validation data existed
while it was current, so ``verify_pdf(at=...)`` can still judge the signature years later; renewing again
before the TSA's certificate expires extends the chain.

The renewed file replaces the register's copy atomically; its SHA-256 is appended to ``letter["revisi"]``
(``letter["sha256"]`` stays the first signed PDF's) and indexed, so every revision is found by
``verifikasi`` (see :func:`sakti_cli.register.letters.letter_digests`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.core.errors import (
    InputError,
    SaktiError,
    ServiceUnreachable,
    StateConflict,
    error_record,
    library_text,
)
from sakti_cli.core.storage import sha256_file
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.letters import current_letter, letter_by_number, letter_digests, stored_pdf
from sakti_cli.register.session import Letter, LetterFilter, Register
from sakti_cli.register.states import LetterStatus
from sakti_cli.signatures.validate import signature_time

ARCHIVE_FIELD = "Arsip"
"""Document timestamps are named Arsip1, Arsip2, ... (one per renewal)."""


def _timestamp_certs(signed_data: Any) -> list[Any]:
    return [c.chosen for c in signed_data["certificates"] or []]


def letter_horizon(ws: Workspace, letter: Letter | Mapping[str, Any]) -> datetime | None:
    """A TERBIT letter's validation horizon: as recorded at signing or renewal, else read from its PDF
    (letters issued before it was recorded)."""
    if letter.get("data_validasi_sampai"):
        return datetime.fromisoformat(str(letter["data_validasi_sampai"]))
    return validation_horizon(ws.root / str(letter["pdf"]))


def bytes_horizon(data: bytes) -> datetime | None:
    """:func:`validation_horizon` of a file's bytes; None also when they cannot be read as a signed PDF."""
    try:
        return _horizon(data)
    except Exception:
        return None


def validation_horizon(path: Path) -> datetime | None:
    return _horizon(path.read_bytes())


def _horizon(data: bytes) -> datetime | None:
    """Until when a letter's file can be validated offline as it stands: with an archive timestamp last
    (:func:`archive_stamps`), the expiry of its TSA certificate; without, the earlier of its newest embedded
    CRL's nextUpdate and the TSA certificates of its signature timestamps and B-T document timestamps.
    None: no timestamp at all (B-B)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    from sakti_cli.signatures.revocation import token_signer

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    stamps = reader.embedded_timestamp_signatures
    archive = {stamp.field_name for stamp in archive_stamps(reader)}
    if stamps and stamps[-1].field_name in archive:
        return _expiry(stamps[-1].signer_cert)
    # no archive timestamp last: the B-LT reading (a B-T document timestamp's TSA limits it like a signature's)
    limits = [_expiry(stamp.signer_cert) for stamp in stamps if stamp.field_name not in archive]
    for emb in reader.embedded_regular_signatures:
        for token in extract_tst_data_iter(emb.signer_info, signed=False):
            tsa = token_signer(token)
            if tsa is not None:
                limits.append(tsa["tbs_certificate"]["validity"]["not_after"].native)
    if not limits:
        return None
    try:
        updates = [u for u in crl_next_updates(DocumentSecurityStore.read_dss(reader)) if u is not None]
    except Exception:
        updates = []
    return min([*limits, *([max(updates)] if updates else [])])


def _expiry(cert: Any) -> datetime:
    return cert["tbs_certificate"]["validity"]["not_after"].native


def archive_stamps(reader: Any) -> list[Any]:
    """The document timestamps that are archive timestamps (B-LTA, the renewal horizon): each over validation
    data (a DSS update) stored after the last signature before it. A document timestamp right after a
    signature, before its validation data (the B-T evidence of BSrE's whole-PDF route), is not one."""
    from sakti_cli.signatures.validate import dss_revisions

    updates = dss_revisions(reader, reader.xrefs.total_revisions)
    signed = [emb.signed_revision for emb in reader.embedded_regular_signatures]
    found = []
    for stamp in reader.embedded_timestamp_signatures:
        last = max((r for r in signed if r < stamp.signed_revision), default=-1)
        if any(last < r < stamp.signed_revision for r in updates):
            found.append(stamp)
    return found


def crl_next_updates(dss: Any) -> list[datetime | None]:
    """nextUpdate of every CRL in a document security store."""
    from asn1crypto import crl as asn1_crl

    return [asn1_crl.CertificateList.load(ref.get_object().data)["tbs_cert_list"]["next_update"].native
            for ref in dss.crls]


def choose_letters(register: Register, ws: Workspace, numbers: list[str], all_issued: bool,
                   within_days: int | None, at: datetime) -> list[Letter]:
    """The TERBIT letters to renew: the named ones (each must be TERBIT, else exit 5), every one
    (``--semua``), or those whose validation data goes stale within ``within_days`` (``--segera N``)."""
    if sum([bool(numbers), all_issued, within_days is not None]) != 1:
        raise InputError("Sebutkan nomor surat, atau --semua, atau --segera HARI (salah satu).",
                         saran="Contoh: 'sakti ttd perbarui --segera 60' memperbarui surat yang data validasinya "
                               "kedaluwarsa dalam 60 hari.")
    with register.reading() as txn:
        if numbers:
            chosen = []
            for value in numbers:
                letter = letter_by_number(txn, value)
                if letter["status"] != LetterStatus.TERBIT:
                    raise StateConflict(f"Surat {letter['nomor_surat']} berstatus {letter['status']}; hanya surat "
                                        "TERBIT yang diperbarui.", saran="Lihat 'sakti status' surat itu.")
                chosen.append(letter)
            return chosen
        letters = list(txn.letters(LetterFilter(status=(LetterStatus.TERBIT,))))
    letters.sort(key=lambda item: (item.get("tahun", 0), item.get("urut", 0)))
    if within_days is None:
        return letters
    limit = at + timedelta(days=within_days)
    soon = []
    for letter in letters:
        try:
            horizon = letter_horizon(ws, letter)
        except Exception:
            continue  # a missing or broken file is reported by 'register periksa'
        if horizon is not None and horizon <= limit:
            soon.append(letter)
    return soon


def renewed_bytes(ws: Workspace, data: bytes, timestamp_url: str, at: datetime) -> tuple[bytes, str]:
    """``data`` with fresh validation data for every signature and a new document timestamp (B-LTA);
    returns the new bytes and the timestamp's field name. Outages raise ServiceUnreachable."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation import add_validation_info

    from sakti_cli.signatures.revocation import probe_tsa, renewal_context

    new_tsa = probe_tsa(timestamp_url)
    reader = PdfFileReader(io.BytesIO(data))
    signatures = reader.embedded_regular_signatures
    if not signatures:
        raise InputError("PDF surat tidak bertanda tangan; tidak ada yang diperbarui.")
    names = {emb.field_name for emb in reader.embedded_signatures}
    for index in range(len(signatures)):
        reader = PdfFileReader(io.BytesIO(data))
        emb = reader.embedded_regular_signatures[index]
        certs = [emb.signer_cert, *[c for t in _tokens(emb) for c in _timestamp_certs(t)]]
        context = renewal_context(ws, certs, at, moment=signature_time(emb) or at)
        data = add_validation_info(emb, context, force_write=True).getvalue()
    reader = PdfFileReader(io.BytesIO(data))
    number = 1
    while f"{ARCHIVE_FIELD}{number}" in names:
        number += 1
    field = f"{ARCHIVE_FIELD}{number}"
    stamps = reader.embedded_timestamp_signatures
    certs = [*new_tsa, *([stamps[-1].signer_cert] if stamps else [])]
    context = renewal_context(ws, certs, at, moment=at)
    stamper = PdfTimeStamper(HTTPTimeStamper(timestamp_url, timeout=20), field_name=field)
    if stamps:
        out = stamper.update_archival_timestamp_chain(reader, context, in_place=False)
    else:
        out = stamper.timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), "sha256", validation_context=context)
    return out.getvalue(), field


def _tokens(emb: Any) -> list[Any]:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return list(extract_tst_data_iter(emb.signer_info, signed=False))


def renew_letter(ws: Workspace, register: Register, letter: Letter, timestamp_url: str) -> dict[str, Any]:
    """Renew one TERBIT letter: the new revision replaces the stored PDF (atomically, under the register
    lock, only if the file is still the revision the register knows), recorded in ``revisi``, indexed, audited."""
    from sakti_cli.core.errors import RegisterCorrupt
    from sakti_cli.signatures.sign import _write_atomic

    at = register.moment()
    path = stored_pdf(ws, register, letter)
    before = letter_digests(letter)[-1]
    new, field = renewed_bytes(ws, path.read_bytes(), timestamp_url, at)
    digest = hashlib.sha256(new).hexdigest()
    horizon = bytes_horizon(new)
    with register.transaction() as txn:
        current = current_letter(txn, letter)
        if current["status"] != LetterStatus.TERBIT \
                or letter_digests(current)[-1] != before or sha256_file(path) != before:
            raise RegisterCorrupt(f"Surat {letter['nomor_surat']} berubah selama diperbarui; tidak diganti.",
                                  saran="Jalankan 'sakti ttd perbarui' lagi untuk surat itu.")
        _write_atomic(path, new, mode=path.stat().st_mode & 0o777)
        entry = {"sha256": digest, "waktu": iso(txn.moment), "jenis": "perbarui"}
        current.setdefault("revisi", []).append(entry)
        if horizon is not None:
            current["data_validasi_sampai"] = iso(horizon)
        register.store.keep(path, digest)
        txn.save_letter(current)  # indexes the new revision's SHA-256 too
        txn.audit("perbarui", current["nomor_surat"], LetterStatus.TERBIT, LetterStatus.TERBIT, sha256=digest,
                  sebelumnya=before,
                  kolom=field, nomor_registrasi=current["nomor_registrasi"])
    return {"nomor_surat": current["nomor_surat"], "pdf": str(path.resolve()), "sha256": digest,
            "sha256_sebelumnya": before, "revisi": len(current["revisi"]), "waktu": entry["waktu"], "kolom": field}


def renew(ws: Workspace, register: Register, numbers: list[str], *, all_issued: bool, within_days: int | None,
          timestamp_url: str | None, on_start: Callable[[Letter], None] | None = None) -> dict[str, Any]:
    """``ttd perbarui``: renew the chosen letters; a letter that fails is reported and the rest go on."""
    if not timestamp_url:
        raise InputError("Pembaruan butuh server cap waktu (TSA).",
                         saran="Isi [tte].tsa di sakti.toml atau berikan --tsa URL.")
    chosen = choose_letters(register, ws, numbers, all_issued, within_days, register.moment())
    result: dict[str, Any] = {"diperbarui": [], "gagal": [], "tsa": timestamp_url}
    outage: SaktiError | None = None
    for letter in chosen:
        if outage is not None:  # the TSA or a source is down: the rest wait for the next run, not for timeouts
            result["gagal"].append({"nomor_surat": letter["nomor_surat"], "error": error_record(outage)})
            continue
        if on_start:
            on_start(letter)
        try:
            result["diperbarui"].append(renew_letter(ws, register, letter, timestamp_url))
        except ServiceUnreachable as exc:
            outage = exc
            result["gagal"].append({"nomor_surat": letter["nomor_surat"], "error": error_record(exc)})
        except SaktiError as exc:
            result["gagal"].append({"nomor_surat": letter["nomor_surat"], "error": error_record(exc)})
        except Exception as exc:  # pyHanko refusing this file (e.g. an unusable earlier timestamp)
            result["gagal"].append({"nomor_surat": letter["nomor_surat"], "error": {
                "kode": "PERBARUI_GAGAL", "pesan": f"Surat {letter['nomor_surat']} tidak dapat diperbarui: pyHanko "
                "menolak berkasnya (mis. cap waktu lama yang tidak dapat dipakai).",
                "saran": "Periksa suratnya dengan 'sakti verifikasi'.", "detail": {"pustaka": library_text(exc)}}})
    return result

