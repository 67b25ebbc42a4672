"""Check the electronic signatures in a PDF, offline.

Used for ``sakti verifikasi`` and before a letter is recorded as issued. Validation runs with
pyHanko against the trust roots the office configured (never the operating system's list) and
never touches the network: revocation is soft-fail, so a missing CRL/OCSP is not an error, but a
revoked certificate found in embedded data is. The result is plain data, ready for JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from dataclasses import asdict, dataclass, field
from dataclasses import field as _field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import ConfigError, FileUnreadable, library_text, os_reason

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

SUBFILTER_DIDUKUNG = ("/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161")
CAKUPAN_SAH = ("ENTIRE_FILE", "ENTIRE_REVISION")
"""Coverage levels of a properly made signature; anything less means tampered byte ranges."""

_MASALAH_SERTIFIKAT = {
    "NO_CERTIFICATE_CHAIN_FOUND": "sertifikat penanda tangan tidak berasal dari sertifikat akar tepercaya",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": (
        "rantai sertifikat penanda tangan tidak sah atau tidak berujung pada sertifikat akar tepercaya"
    ),
    "EXPIRED": "sertifikat penanda tangan sudah kedaluwarsa",
    "OUT_OF_BOUNDS_NO_POE": "sertifikat penanda tangan di luar masa berlakunya dan tidak ada cap waktu",
    "OUT_OF_BOUNDS_NOT_REVOKED": "sertifikat penanda tangan di luar masa berlakunya",
    "NOT_YET_VALID": "sertifikat penanda tangan belum berlaku",
    "REVOKED": "sertifikat penanda tangan telah dicabut",
    "REVOKED_NO_POE": "sertifikat penanda tangan telah dicabut",
    "REVOKED_CA_NO_POE": "sertifikat penerbit telah dicabut",
    "CHAIN_CONSTRAINTS_FAILURE": "sertifikat tidak boleh dipakai untuk tanda tangan dokumen",
    "CRYPTO_CONSTRAINTS_FAILURE": "algoritma kriptografi yang dipakai tidak lagi aman",
    "SIG_CONSTRAINTS_FAILURE": "algoritma kriptografi yang dipakai tidak lagi aman",
}


@dataclass
class SignatureReport:
    """One signature field as found in the PDF, and what the checks said about it."""

    field: str
    signer: str | None
    """Common name (CN) of the signer's certificate."""
    signing_time: datetime | None
    """Time from a signature timestamp if present, else as claimed by the signer."""
    intact: bool
    """The signed bytes hash to the value in the signature."""
    valid: bool
    """The cryptographic signature checks out *for these bytes*. Stricter than pyHanko's ``valid``
    (which only covers the signed attributes): a signature over altered content is never valid."""
    trusted: bool
    """The certificate chains to a configured trust root and is usable now."""
    coverage: str
    """``ENTIRE_FILE``, ``ENTIRE_REVISION``, ``CONTIGUOUS_BLOCK_FROM_START`` or ``UNCLEAR``."""
    modified_after: bool
    """Something not allowed (beyond signing/form filling) was changed after this signature."""
    later_revisions: int
    """Incremental updates after the signed revision (a later signature counts as one)."""
    subfilter: str | None
    pesan: str | None = None
    """Indonesian explanation when something is wrong; ``None`` when the signature is fine."""
    kind: str = "tanda_tangan"
    """``tanda_tangan`` (a signature) or ``cap_waktu_dokumen`` (a PAdES document timestamp)."""
    timestamp_time: datetime | None = None
    """Time in the RFC 3161 timestamp over the signature (or of the document timestamp itself)."""
    tsa: str | None = None
    """Common name of the time-stamping authority that issued that timestamp."""
    timestamp_ok: bool | None = None
    """The timestamp token is intact, valid and its TSA chains to a trust root (None: no timestamp)."""
    level: str | None = None
    """PAdES baseline level as far as the file shows it: ``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``;
    ``None`` for a plain ``adbe.pkcs7.detached`` signature (not PAdES) or a document timestamp."""
    level_note: str | None = None
    """Why the level is lower than it looks (e.g. validation data embedded but not sufficient)."""
    trust_root: str | None = None
    """Subject of the configured trust root the signer's chain ends at (None when untrusted)."""
    later: list[str] = _field(default_factory=list)
    """What each later incremental update added: another signature, validation data (DSS), a
    document timestamp, or other changes."""
    issuer: str | None = None
    """Common name of the issuer of the signer's certificate (what the national verifier shows)."""
    cert_not_before: datetime | None = None
    cert_not_after: datetime | None = None
    """The signer's certificate validity period."""
    indication: str = "INDETERMINATE"
    """ETSI EN 319 102-1 main indication: ``TOTAL-PASSED``, ``TOTAL-FAILED`` or ``INDETERMINATE``."""
    sub_indication: str | None = None
    """Its sub-indication (``HASH_FAILURE``, ``NO_CERTIFICATE_CHAIN_FOUND``, ...); None for TOTAL-PASSED."""
    indication_note: str | None = None
    """The indication explained in Indonesian (:data:`PENJELASAN_INDIKASI`)."""
    time_from_document_timestamp: bool = False
    """The signature carries no timestamp of its own and ``signing_time`` is the time of the first valid
    document timestamp after it (BSrE's whole-PDF route: the office's B-T evidence); ``tsa`` is its TSA."""

    @property
    def unchanged(self) -> bool:
        """'Dokumen tidak berubah': the signed revision is intact (:func:`signed_revision_intact`)."""
        return signed_revision_intact(self)

    @property
    def time_from_timestamp(self) -> bool:
        """The signing time comes from a trusted timestamp, not from the signer's own claim."""
        return bool(self.timestamp_ok and self.timestamp_time is not None) or self.time_from_document_timestamp

    @property
    def ok(self) -> bool:
        return self.pesan is None

    def to_dict(self, zone: tzinfo | None = None) -> dict[str, Any]:
        """The JSON form, keys in Indonesian (:data:`JSON_KEYS`); the signer in the one signatory shape;
        times in ISO 8601, in ``zone`` when given (the office's, for JSON people's tools read)."""
        from sakti_cli.core.shapes import signatory_json

        data = asdict(self)
        for key in ("signing_time", "timestamp_time", "cert_not_before", "cert_not_after"):
            moment = getattr(self, key)
            data[key] = (moment.astimezone(zone) if zone else moment).isoformat() if moment else None
        data["signer"] = signatory_json(None, nama=self.signer) if self.signer else None
        data["ok"] = self.ok
        data["unchanged"], data["time_from_timestamp"] = self.unchanged, self.time_from_timestamp
        return {JSON_KEYS[key]: value for key, value in data.items()}


JSON_KEYS = {
    "field": "kolom", "signer": "penandatangan", "signing_time": "waktu_tanda_tangan", "intact": "utuh",
    "valid": "kriptografi_sah", "trusted": "tepercaya", "coverage": "cakupan", "modified_after": "diubah_sesudahnya",
    "later_revisions": "revisi_setelah_ttd", "subfilter": "subfilter", "pesan": "pesan", "kind": "jenis",
    "timestamp_time": "waktu_cap_waktu", "tsa": "tsa", "timestamp_ok": "cap_waktu_sah", "level": "tingkat",
    "level_note": "catatan_tingkat", "trust_root": "akar_tepercaya", "later": "perubahan_sesudahnya", "ok": "sah",
    "issuer": "penerbit", "cert_not_before": "sertifikat_berlaku_dari", "cert_not_after": "sertifikat_berlaku_sampai",
    "indication": "indikasi", "sub_indication": "subindikasi", "indication_note": "penjelasan_indikasi",
    "unchanged": "tidak_berubah", "time_from_timestamp": "waktu_dari_cap_waktu",
    "time_from_document_timestamp": "waktu_dari_cap_waktu_dokumen",
}
"""One Indonesian name per concept in every command's JSON (``tingkat`` as in ``tandatangani``)."""


@dataclass
class PdfVerification:
    """Everything ``verify_pdf`` found; the caller decides what counts as acceptable."""

    path: str
    sha256: str
    revisions: int
    info: dict[str, str] = field(default_factory=dict)
    """Document information dictionary, keys as in the PDF (``/Title``, ``/SaktiKodeVerifikasi``)."""
    signatures: list[SignatureReport] = field(default_factory=list)
    validated_at: datetime | None = None
    """The moment the signatures were judged at (``at``, else the machine's clock)."""
    embedded: dict[str, Any] = field(default_factory=dict, repr=False)
    """pyHanko's ``EmbeddedPdfSignature`` per field that could be parsed, for the ETSI validation report
    (:mod:`sakti_cli.signatures.etsi_report`); not part of the JSON."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "revisions": self.revisions,
            "info": dict(self.info),
            "signatures": [s.to_dict() for s in self.signatures],
        }


def quiet_library_logs() -> None:
    """Keep pyHanko's warnings (with tracebacks, e.g. for an untrusted chain) off the user's terminal.

    Without any handler Python prints warnings to stderr; a NullHandler stops that, while records
    still propagate to whatever logging the CLI sets up (``--debug``). Our reports carry the reason.
    """
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def signed_revision_intact(report: SignatureReport) -> bool:
    """True when what was signed is unchanged: later incremental updates (another signature, a
    timestamp) are allowed, a change to the signed bytes or a disallowed modification is not.
    Trust in the signer is a separate question (``report.trusted``)."""
    return report.intact and report.valid and report.coverage in CAKUPAN_SAH and not report.modified_after


def _load_trust_roots(paths: list[Path]) -> list[Any]:
    """Read PEM (one or several certificates) or DER files; any failure is a configuration error."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    roots: list[Any] = []
    for path in paths:
        try:
            data = path.read_bytes()
            certs = (
                x509.load_pem_x509_certificates(data)
                if b"-----BEGIN" in data
                else [x509.load_der_x509_certificate(data)]
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"Sertifikat akar (trust root) {path} tidak dapat dibaca.",
                "Periksa jalur sertifikat akar di sakti.toml (berkas PEM atau DER).",
                pustaka=library_text(exc),
            ) from exc
        roots.extend(asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs)
    return roots


def _open_reader(data: bytes, path: Path) -> PdfFileReader:
    """Strict parsing first; PDFs from other software with small syntax slips get a lenient retry."""
    from pyhanko.pdf_utils.misc import PdfStrictReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        try:
            return PdfFileReader(io.BytesIO(data), strict=True)
        except PdfStrictReadError:
            return PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise FileUnreadable(f"Berkas {path} bukan PDF yang dapat dibaca.", "Periksa berkasnya: PDF yang utuh.",
                             pustaka=library_text(exc)) from exc


def _read_info(data: bytes) -> dict[str, str]:
    """Document information with pypdf; an unreadable /Info is not a reason to reject the file."""
    from pypdf import PdfReader

    try:
        meta = PdfReader(io.BytesIO(data), strict=False).metadata
    except Exception:
        return {}
    return {str(k): str(v) for k, v in (meta or {}).items()}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _common_name(cert: Any) -> str | None:
    return None if cert is None else _name_cn(cert.subject)


def _name_cn(name: Any) -> str:
    """The common name (CN) of an X.509 name, else the whole name."""
    cn = name.native.get("common_name")
    if isinstance(cn, list):
        cn = cn[0] if cn else None
    return str(cn) if cn else str(name.human_friendly)


def _explain(status: Any, report: SignatureReport) -> str | None:
    """Indonesian reason(s) why a signature is not fine, or None."""
    masalah = []
    if not report.intact:
        masalah.append("isi dokumen telah diubah setelah ditandatangani")
    elif not report.valid:
        masalah.append("tanda tangan kriptografis tidak sah")
    if report.coverage not in CAKUPAN_SAH:
        masalah.append("tanda tangan tidak mencakup seluruh dokumen")
    elif report.modified_after:
        masalah.append("ada perubahan yang tidak diizinkan setelah penandatanganan")
    if report.intact and report.valid and not report.trusted:
        indic = getattr(status, "trust_problem_indic", None)
        name = getattr(indic, "name", None)
        if getattr(status, "revoked", False):
            masalah.append("sertifikat penanda tangan telah dicabut")
        elif name in _MASALAH_SERTIFIKAT:
            masalah.append(_MASALAH_SERTIFIKAT[name])
        else:
            masalah.append(f"sertifikat penanda tangan tidak dapat divalidasi ({name or 'tanpa rantai'})")
    ts = getattr(status, "timestamp_validity", None)
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        masalah.append("cap waktu (timestamp) pada tanda tangan tidak sah atau tidak tepercaya")
    if not masalah:
        return None
    teks = "; ".join(masalah)
    return teks[0].upper() + teks[1:]


def _indicate(report: SignatureReport, status: Any = None) -> None:
    """The ETSI EN 319 102-1 indication of ``report`` (as it stands after every check) with its
    Indonesian explanation; ``status``: pyHanko's, whose trust problem names the sub-indication."""
    from sakti_cli.signatures.indication import FAILED, INDETERMINATE, PASSED, explain, sub_of

    main, sub = PASSED, None
    if status is None and not report.intact:
        main, sub = FAILED, "FORMAT_FAILURE"  # unparseable or of an unsupported kind (:func:`_broken`)
    elif not report.intact or report.modified_after:
        main, sub = FAILED, "HASH_FAILURE"
    elif not report.valid:
        main, sub = FAILED, "SIG_CRYPTO_FAILURE"
    elif report.coverage not in CAKUPAN_SAH:
        main, sub = FAILED, "FORMAT_FAILURE"
    elif not report.trusted:
        main, sub = sub_of(getattr(status, "trust_problem_indic", None), "CERTIFICATE_CHAIN_GENERAL_FAILURE")
        if getattr(status, "revoked", False) and main == INDETERMINATE and not sub.startswith("REVOKED"):
            main, sub = FAILED, "REVOKED"
    elif not report.ok:  # intact and trusted, but its signature timestamp does not hold
        main, sub = INDETERMINATE, "NO_POE"
    report.indication, report.sub_indication, report.indication_note = main, sub, explain(main, sub)


def _certificate_facts(report: SignatureReport, cert: Any) -> None:
    """Issuer and validity period of the signer's certificate, as the national verifier shows them."""
    if cert is None:
        return
    report.issuer = _name_cn(cert.issuer)
    validity = cert["tbs_certificate"]["validity"]
    report.cert_not_before = _aware(validity["not_before"].native)
    report.cert_not_after = _aware(validity["not_after"].native)


def _trust_root_name(status: Any) -> str | None:
    path = getattr(status, "validation_path", None)
    if path is None or not getattr(status, "trusted", False):
        return None
    try:
        return str(path[0].subject.human_friendly)
    except Exception:
        return None


def _check_one(emb: Any, vc: ValidationContext, total_revisions: int) -> SignatureReport:
    """Validate one embedded signature (or document timestamp) into a report."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    subfilter = str(emb.sig_object.get("/SubFilter", "")).lstrip("/") or None
    timestamp_time = tsa = timestamp_ok = None
    if emb.sig_object_type == "/DocTimeStamp":
        status: Any = validate_pdf_timestamp(emb, validation_context=vc)
        signing_time = timestamp_time = status.timestamp
        tsa = _common_name(status.signing_cert)
        timestamp_ok = bool(status.intact and status.valid and status.trusted)
    else:
        # Like Adobe and NSS, accept digitalSignature as well as nonRepudiation.
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
        status = validate_pdf_signature(emb, vc, key_usage_settings=usage)
        ts = status.timestamp_validity
        signing_time = ts.timestamp if ts is not None else status.signer_reported_dt
        if ts is not None:
            timestamp_time, tsa = ts.timestamp, _common_name(ts.signing_cert)
            timestamp_ok = bool(ts.intact and ts.valid and ts.trusted)
    coverage = status.coverage.name if status.coverage is not None else "UNCLEAR"
    modified = status.docmdp_ok is False or status.modification_level == ModificationLevel.OTHER
    report = SignatureReport(
        field=emb.field_name,
        signer=_common_name(status.signing_cert),
        signing_time=_aware(signing_time),
        intact=bool(status.intact),
        valid=bool(status.valid and status.intact),
        trusted=bool(status.trusted),
        coverage=coverage,
        modified_after=bool(modified),
        later_revisions=total_revisions - 1 - emb.signed_revision,
        subfilter=subfilter,
        kind="cap_waktu_dokumen" if emb.sig_object_type == "/DocTimeStamp" else "tanda_tangan",
        timestamp_time=_aware(timestamp_time),
        tsa=tsa,
        timestamp_ok=timestamp_ok,
        trust_root=_trust_root_name(status),
    )
    report.pesan = _explain(status, report)
    _certificate_facts(report, status.signing_cert)
    _indicate(report, status)
    return report


def _broken(fq_name: str, sig_obj: Any, revision: int, total: int, pesan: str) -> SignatureReport:
    subfilter = sig_obj.get("/SubFilter") if hasattr(sig_obj, "get") else None
    report = SignatureReport(
        field=fq_name,
        signer=None,
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        coverage="UNCLEAR",
        modified_after=False,
        later_revisions=total - 1 - revision,
        subfilter=str(subfilter).lstrip("/") if subfilter else None,
        pesan=pesan,
    )
    _indicate(report)  # no pyHanko status: FORMAT_FAILURE
    return report


def signature_field_names(path: Path) -> list[str]:
    """Names of the signature fields in ``path``, signed or not (to pick a free one)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {os_reason(exc)}",
                             saran="Periksa nama, letak dan izin baca berkas PDF itu.") from exc
    reader = _open_reader(data, path)
    try:
        return [name for name, _, _ in enumerate_sig_fields(reader)]
    except Exception as exc:
        raise FileUnreadable(f"Kolom tanda tangan dalam {path} tidak dapat dibaca.",
                             "PDF ini rusak atau dibuat tidak sesuai standar.", pustaka=library_text(exc)) from exc


def _read_dss(reader: Any) -> Any | None:
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        return DocumentSecurityStore.read_dss(reader)
    except Exception:  # NoDSSFoundError, or a DSS too broken to use: validate without it
        return None


def dss_revisions(reader: Any, total: int) -> set[int]:
    """Revisions in which the document security store (validation data) was created or updated."""
    from pyhanko.pdf_utils.generic import IndirectObject

    found: set[int] = set()
    for revision in range(total):
        try:
            root = reader.get_historical_root(revision)
            if "/DSS" not in root:
                continue
            raw = root.raw_get("/DSS")
            changed = reader.xrefs.explicit_refs_in_revision(revision)
            root_ref = reader.trailer.raw_get("/Root")
            if (isinstance(raw, IndirectObject) and raw.reference in changed) or (
                not isinstance(raw, IndirectObject) and getattr(root_ref, "reference", None) in changed
            ):
                found.add(revision)
        except Exception:
            continue
    return found


def _describe_revisions(found: list[tuple[int, SignatureReport]], dss_revisions: set[int], total: int
                        ) -> dict[int, str]:
    """What each revision added, in words (revision 0 is the original document)."""
    words: dict[int, list[str]] = {}
    for revision, report in found:
        what = "cap waktu dokumen" if report.kind == "cap_waktu_dokumen" else "tanda tangan"
        words.setdefault(revision, []).append(f"{what} {report.field}")
    for revision in dss_revisions:
        words.setdefault(revision, []).append("data validasi (DSS)")
    return {r: " + ".join(words.get(r, ["perubahan lain"])) for r in range(total)}


def _ltv_sufficient(emb: Any, dss: Any, roots: list[Any], moment: datetime | None, stamp: Any = None) -> bool:
    """The embedded validation data alone (no network) proves the chain and non-revocation of the
    signer's and the TSA's certificates at the time of the timestamp (strict: ``require``). ``stamp``: the
    document timestamp that is the time evidence of a signature without its own timestamp (its TSA too)."""
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    try:
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
        status = validate_pdf_signature(emb, _strict_context(dss, roots, moment), key_usage_settings=usage)
        ts = status.timestamp_validity
        if ts is None and stamp is not None:
            ts = validate_pdf_timestamp(stamp, validation_context=_strict_context(dss, roots, moment))
        return bool(status.intact and status.valid and status.trusted and ts is not None and ts.trusted)
    except Exception:
        return False


def _assign_levels(found: list[tuple[int, SignatureReport, Any]], dss: Any, dss_revisions: set[int],
                   roots: list[Any]) -> None:
    """PAdES baseline level of each signature, as far as the file shows it."""
    doc_ts = [rev for rev, report, _ in found if report.kind == "cap_waktu_dokumen" and report.timestamp_ok]
    for revision, report, emb in found:
        if report.kind != "tanda_tangan" or report.subfilter != "ETSI.CAdES.detached" or emb is None:
            continue
        level = "B-B"
        stamped_later = any(r > revision for r in doc_ts)
        if report.timestamp_time is not None or stamped_later:
            level = "B-T"
            dss_after = sorted(r for r in dss_revisions if r > revision)
            if dss_after and dss is not None:
                moment = report.timestamp_time or report.signing_time
                stamp = None
                if report.timestamp_time is None:
                    stamp = next((e for r, rep, e in found if r > revision and rep.kind == "cap_waktu_dokumen"
                                  and rep.timestamp_ok), None)
                if _ltv_sufficient(emb, dss, roots, moment, stamp):
                    level = "B-LTA" if any(r > dss_after[0] for r in doc_ts) else "B-LT"
                else:
                    report.level_note = ("data validasi tersemat (DSS) tidak cukup untuk memvalidasi tanpa "
                                         "jaringan; dianggap B-T")
        report.level = level


def _time_from_document_timestamps(found: list[tuple[int, SignatureReport, Any]]) -> None:
    """A signature without its own timestamp takes its signing time from the first valid document timestamp
    after it (the B-T evidence of BSrE's whole-PDF route), flagged ``time_from_document_timestamp``."""
    for revision, report, _emb in found:
        if report.kind != "tanda_tangan" or report.timestamp_time is not None or not report.intact:
            continue
        stamp = next((rep for r, rep, _ in found if r > revision and rep.kind == "cap_waktu_dokumen"
                      and rep.timestamp_ok and rep.timestamp_time is not None), None)
        if stamp is not None:
            report.signing_time, report.tsa = stamp.timestamp_time, stamp.tsa
            report.time_from_document_timestamp = True


def _dss_at(reader: Any, revision: int | None) -> Any | None:
    """The document security store as it stood in ``revision`` (None: as it stands now)."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        source = reader if revision is None else reader.get_historical_resolver(revision)
        return DocumentSecurityStore.read_dss(source)
    except Exception:
        return None


def _strict_context(dss: Any, roots: list[Any], moment: datetime | None) -> Any:
    """Offline, revocation data required, at ``moment``; revocation data issued later counts (it proves the
    certificate was not revoked then)."""
    from pyhanko_certvalidator import ValidationContext

    settings: dict[str, Any] = {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "require",
                                "moment": moment, "retroactive_revinfo": True}
    if dss is None:
        return ValidationContext(**settings)
    return dss.as_validation_context(settings)


def _archived_stamps(found: list[tuple[int, SignatureReport, Any]], reader: Any, roots: list[Any],
                     at: datetime) -> list[tuple[int, datetime, Any]]:
    """Document timestamps (revision, time, embedded) that hold at ``at`` as a chain (PAdES B-LTA): each one
    valid at the time of the next, with the validation data stored before the next; the last one valid at
    its own time with every stored revocation data, and its TSA certificate not expired at ``at``."""
    from pyhanko.sign.validation import validate_pdf_timestamp

    stamps = [(rev, report, emb) for rev, report, emb in found
              if report.kind == "cap_waktu_dokumen" and emb is not None and signed_revision_intact(report)]
    held: list[tuple[int, datetime, Any]] = []
    later: tuple[int, datetime] | None = None
    for rev, _report, emb in reversed(stamps):
        stamped = timestamp_time(emb.signed_data)
        if stamped is None:
            break
        try:
            if later is None:
                expiry = emb.signer_cert["tbs_certificate"]["validity"]["not_after"].native
                context = _strict_context(_dss_at(reader, None), roots, stamped)
                fine = expiry >= at
            else:
                context = _strict_context(_dss_at(reader, later[0]), roots, later[1])
                fine = True
            status = validate_pdf_timestamp(emb, validation_context=context)
        except Exception:  # a timestamp that cannot be judged ends the chain
            break
        if not (fine and status.intact and status.valid and status.trusted):
            break
        held.insert(0, (rev, stamped, emb))
        later = (rev, stamped)
    return held


def _judge_archived(found: list[tuple[int, SignatureReport, Any]], reader: Any, roots: list[Any],
                    at: datetime, updates: set[int]) -> None:
    """A signature that does not validate now (expired certificate, stale revocation data) is still valid
    when a chain of document timestamps (:func:`_archived_stamps`) proves its validation data existed while
    current: it is judged at its own time with the data stored before the first archive timestamp after it
    (over validation data of ``updates``, the DSS revisions, stored after the signature)."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    held = _archived_stamps(found, reader, roots, at)
    if not held:
        return
    for rev, report, emb in found:
        if report.ok or emb is None or not signed_revision_intact(report):
            continue
        if report.kind == "cap_waktu_dokumen":
            if any(r == rev for r, _, _ in held):
                report.trusted = report.timestamp_ok = True
                report.pesan = None
                _indicate(report)
            continue
        after = [(r, t) for r, t, _ in held if r > rev]
        # the first archive timestamp after it: over validation data stored after the signature (a B-T document
        # timestamp right after it, BSrE's whole-PDF route, precedes that data and is not one)
        first = next(((r, t) for r, t in after if any(rev < u < r for u in updates)), None)
        if first is None:
            continue
        try:  # at its own timestamp's time; without one, at the first document timestamp's after it (never a
            # claimed time)
            moment = signature_time(emb, claimed=False) or after[0][1]
            context = _strict_context(_dss_at(reader, first[0]), roots, moment)
            usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
            status = validate_pdf_signature(emb, context, key_usage_settings=usage)
        except Exception:
            continue
        ts = status.timestamp_validity
        if status.intact and status.valid and status.trusted and (ts is None or ts.trusted):
            report.trusted, report.pesan = True, None
            report.timestamp_ok = True if ts is not None else report.timestamp_ok
            report.trust_root = _trust_root_name(status)
            _indicate(report)
            report.level_note = (f"sah berkat cap waktu arsip {first[1].astimezone(UTC):%Y-%m-%d} (B-LTA): data "
                                 "validasinya terbukti ada saat masih berlaku")


def verify_pdf(path: Path, trust_roots: list[Path], at: datetime | None = None) -> PdfVerification:
    """Verify every signature in ``path`` against ``trust_roots`` (offline), at ``at`` (default: now).

    A file that is not a readable PDF raises :class:`FileUnreadable`; unreadable trust roots raise
    :class:`ConfigError`. An unsigned PDF gives ``signatures == []``. A signature that cannot even
    be parsed, or of an unsupported kind, is reported as failed rather than skipped. Validation data
    embedded in the document security store (certificates, CRLs, OCSP responses) is used, so a
    certificate revoked according to it is caught; each signature's PAdES level, timestamp, trust
    root and the later revisions are reported.
    """
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import EmbeddedPdfSignature
    from pyhanko_certvalidator import ValidationContext

    quiet_library_logs()
    roots = _load_trust_roots(trust_roots)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {os_reason(exc)}",
                             saran="Periksa nama, letak dan izin baca berkas PDF itu.") from exc
    reader = _open_reader(data, path)
    total = reader.xrefs.total_revisions
    result = PdfVerification(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), revisions=total, info=_read_info(data)
    )
    dss = _read_dss(reader)
    vc: ValidationContext | None = None
    if dss is not None:
        with contextlib.suppress(Exception):
            vc = dss.as_validation_context(
                {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "soft-fail", "moment": at}
            )
    if vc is None:
        vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=at)

    found: list[tuple[int, SignatureReport, Any]] = []
    try:
        sig_fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:
        raise FileUnreadable(f"Kolom tanda tangan dalam {path} tidak dapat dibaca.",
                             "PDF ini rusak atau dibuat tidak sesuai standar.", pustaka=library_text(exc)) from exc
    for fq_name, sig_ref, sig_field in sig_fields:
        sig_obj = sig_ref.get_object()
        revision = total - 1
        with contextlib.suppress(Exception):  # a direct object: keep the last revision
            revision = reader.xrefs.get_last_change(sig_ref.reference)
        if str(sig_obj.get("/SubFilter", "")) not in SUBFILTER_DIDUKUNG:
            pesan = f"Jenis tanda tangan {sig_obj.get('/SubFilter')} tidak didukung"
            found.append((revision, _broken(fq_name, sig_obj, revision, total, pesan), None))
            continue
        try:
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            found.append((emb.signed_revision, _check_one(emb, vc, total), emb))
        except Exception as exc:  # malformed third-party signature: report, do not crash
            pesan = f"Tanda tangan tidak dapat diperiksa: strukturnya rusak atau tidak didukung ({type(exc).__name__})"
            found.append((revision, _broken(fq_name, sig_obj, revision, total, pesan), None))
    found.sort(key=lambda item: item[0])
    updates = dss_revisions(reader, total) if dss is not None else set()
    _judge_archived(found, reader, roots, at or datetime.now(UTC), updates)
    _time_from_document_timestamps(found)
    _assign_levels(found, dss, updates, roots)
    described = _describe_revisions([(r, rep) for r, rep, _ in found], updates, total)
    for revision, report, _ in found:
        report.later = [f"revisi {r}: {described[r]}" for r in range(revision + 1, total)]
    result.signatures = [report for _, report, _ in found]
    result.embedded = {report.field: emb for _, report, emb in found if emb is not None}
    result.validated_at = at or datetime.now(UTC)
    return result


def timestamp_time(signed_data: Any) -> datetime | None:
    """The time in an RFC 3161 token (a CMS SignedData over TSTInfo), or None."""
    try:
        return signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:
        return None


def signature_time(emb: Any, claimed: bool = True) -> datetime | None:
    """The time of a signature's own timestamp, else (``claimed``) the time its signer claims."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for token in extract_tst_data_iter(emb.signer_info, signed=False):
        found = timestamp_time(token)
        if found is not None:
            return found
    return emb.self_reported_timestamp if claimed else None
