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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.errors import ConfigError, FileUnreadable

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

    @property
    def ok(self) -> bool:
        return self.pesan is None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        data["ok"] = self.ok
        return data


@dataclass
class PdfVerification:
    """Everything ``verify_pdf`` found; the caller decides what counts as acceptable."""

    path: str
    sha256: str
    revisions: int
    info: dict[str, str] = field(default_factory=dict)
    """Document information dictionary, keys as in the PDF (``/Title``, ``/SaktiKodeVerifikasi``)."""
    signatures: list[SignatureReport] = field(default_factory=list)

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
                f"Sertifikat akar (trust root) {path} tidak dapat dibaca: {exc}",
                "Periksa jalur sertifikat akar di sakti.toml (berkas PEM atau DER).",
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
        raise FileUnreadable(f"Berkas {path} bukan PDF yang dapat dibaca: {exc}") from exc


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
    if cert is None:
        return None
    cn = cert.subject.native.get("common_name")
    if isinstance(cn, list):
        cn = cn[0] if cn else None
    return str(cn) if cn else cert.subject.human_friendly


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


def _check_one(emb: Any, vc: ValidationContext, total_revisions: int) -> SignatureReport:
    """Validate one embedded signature (or document timestamp) into a report."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    subfilter = str(emb.sig_object.get("/SubFilter", "")).lstrip("/") or None
    if emb.sig_object_type == "/DocTimeStamp":
        status: Any = validate_pdf_timestamp(emb, validation_context=vc)
        signing_time = status.timestamp
    else:
        # Like Adobe and NSS, accept digitalSignature as well as nonRepudiation.
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
        status = validate_pdf_signature(emb, vc, key_usage_settings=usage)
        ts = status.timestamp_validity
        signing_time = ts.timestamp if ts is not None else status.signer_reported_dt
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
    )
    report.pesan = _explain(status, report)
    return report


def _broken(fq_name: str, sig_obj: Any, revision: int, total: int, pesan: str) -> SignatureReport:
    subfilter = sig_obj.get("/SubFilter") if hasattr(sig_obj, "get") else None
    return SignatureReport(
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


def verify_pdf(path: Path, trust_roots: list[Path]) -> PdfVerification:
    """Verify every signature in ``path`` against ``trust_roots`` (offline).

    A file that is not a readable PDF raises :class:`FileUnreadable`; unreadable trust roots raise
    :class:`ConfigError`. An unsigned PDF gives ``signatures == []``. A signature that cannot even
    be parsed, or of an unsupported kind, is reported as failed rather than skipped.
    """
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import EmbeddedPdfSignature
    from pyhanko_certvalidator import ValidationContext

    quiet_library_logs()
    roots = _load_trust_roots(trust_roots)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {exc.strerror or exc}") from exc
    reader = _open_reader(data, path)
    total = reader.xrefs.total_revisions
    result = PdfVerification(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), revisions=total, info=_read_info(data)
    )
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")

    found: list[tuple[int, SignatureReport]] = []
    try:
        sig_fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:
        raise FileUnreadable(f"Kolom tanda tangan dalam {path} tidak dapat dibaca: {exc}") from exc
    for fq_name, sig_ref, sig_field in sig_fields:
        sig_obj = sig_ref.get_object()
        revision = total - 1
        with contextlib.suppress(Exception):  # a direct object: keep the last revision
            revision = reader.xrefs.get_last_change(sig_ref.reference)
        if str(sig_obj.get("/SubFilter", "")) not in SUBFILTER_DIDUKUNG:
            pesan = f"Jenis tanda tangan {sig_obj.get('/SubFilter')} tidak didukung"
            found.append((revision, _broken(fq_name, sig_obj, revision, total, pesan)))
            continue
        try:
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            found.append((emb.signed_revision, _check_one(emb, vc, total)))
        except Exception as exc:  # malformed third-party signature: report, do not crash
            pesan = f"Tanda tangan tidak dapat diperiksa: {exc}"
            found.append((revision, _broken(fq_name, sig_obj, revision, total, pesan)))
    result.signatures = [report for _, report in sorted(found, key=lambda item: item[0])]
    return result
