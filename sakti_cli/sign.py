"""Electronic signature (TTE) of a finished letter: PAdES baseline B-B with pyHanko.

The signature is added as an incremental update, so the bytes of the unsigned PDF stay exactly as
they were and any later signature (a second official, a timestamp for B-T/B-LTA) can be appended
without breaking this one. Output goes to a temporary file that is renamed into place: a crash
never leaves a half-written PDF under the final name.
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.errors import EnvironmentProblem, FileUnreadable, SigningKeyError, StateConflict
from sakti_cli.verify import quiet_library_logs

if TYPE_CHECKING:
    from cryptography import x509
    from pyhanko.sign.signers import Signer

WARN_DAYS = 30
"""Warn this many days before the signer certificate expires (renewal at BSrE takes time)."""

SARAN_KUNCI = "Periksa berkas kunci (.p12) dan sandinya, atau minta sertifikat baru."

# Extended key usages under which PDF readers (Adobe, poppler/NSS) accept a document signature.
_EKU_PENANDATANGANAN = {
    "1.3.6.1.5.5.7.3.4",  # emailProtection
    "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
    "1.2.840.113583.1.1.5",  # Adobe Authentic Documents Trust
    "1.3.6.1.4.1.311.10.3.12",  # Microsoft document signing
    "2.5.29.37.0",  # anyExtendedKeyUsage
}


def _looks_like_pkcs12(data: bytes) -> bool:
    """True when ``data`` parses as a PKCS#12 PFX structure (so a failure means a wrong passphrase)."""
    from asn1crypto import pkcs12

    try:
        pfx = pkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except Exception:
        return False


def load_pkcs12_signer(p12: Path, passphrase: bytes) -> Signer:
    """Load the signing key and certificate chain from a PKCS#12 (.p12/.pfx) file.

    Uses pyHanko's ``SimpleSigner.load_pkcs12_data`` (``load_pkcs12`` only logs and returns
    ``None``); on failure :func:`_why_unusable` tells the user whether the passphrase or the file
    is wrong.
    """
    from pyhanko.sign.signers import SimpleSigner

    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"Berkas kunci {p12} tidak dapat dibaca: {exc.strerror or exc}", SARAN_KUNCI
        ) from exc
    try:
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase or None)
    except Exception as exc:
        raise _why_unusable(p12, data, passphrase) from exc
    if signer.signing_cert is None or signer.signing_key is None:
        raise SigningKeyError(f"Berkas kunci {p12} tidak berisi kunci privat dan sertifikat", SARAN_KUNCI)
    return signer


def _why_unusable(p12: Path, data: bytes, passphrase: bytes) -> SigningKeyError:
    """Diagnose a PKCS#12 file pyHanko could not load (only runs on the failure path)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, passphrase or None)
    except Exception:
        if _looks_like_pkcs12(data):
            return SigningKeyError(
                f"Sandi (passphrase) salah untuk berkas kunci {p12}", "Ketik ulang sandi berkas kunci."
            )
        return SigningKeyError(
            f"Berkas kunci {p12} bukan berkas PKCS#12 (.p12/.pfx) yang berisi kunci dan sertifikat",
            SARAN_KUNCI,
        )
    if key is None or cert is None:
        return SigningKeyError(f"Berkas kunci {p12} tidak berisi kunci privat dan sertifikat", SARAN_KUNCI)
    return SigningKeyError(f"Kunci dalam berkas {p12} tidak dapat dipakai untuk tanda tangan", SARAN_KUNCI)


def _as_cryptography_cert(signer_or_cert: Any) -> x509.Certificate:
    """Accept a pyHanko signer, an asn1crypto or a ``cryptography`` certificate."""
    from cryptography import x509

    if isinstance(signer_or_cert, x509.Certificate):
        return signer_or_cert
    cert = getattr(signer_or_cert, "signing_cert", signer_or_cert)
    if not hasattr(cert, "dump"):
        raise TypeError(f"bukan sertifikat atau penanda tangan: {type(signer_or_cert).__name__}")
    return x509.load_der_x509_certificate(cert.dump())


def _common_name(cert: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def check_certificate(signer_or_cert: Any, at: datetime) -> list[str]:
    """Refuse a certificate that cannot make a valid signature at ``at``; return warnings.

    Raises :class:`SigningKeyError` when the certificate is not yet valid, expired, or its key
    usage does not allow document signing (readers would show the signature as invalid).
    Returns Indonesian warnings, e.g. when it expires within :data:`WARN_DAYS` days.
    A naive ``at`` is taken as UTC.
    """
    from cryptography import x509

    cert = _as_cryptography_cert(signer_or_cert)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    nama = _common_name(cert)
    mulai, akhir = cert.not_valid_before_utc, cert.not_valid_after_utc
    if at < mulai:
        raise SigningKeyError(
            f"Sertifikat {nama} belum berlaku (mulai {mulai:%Y-%m-%d %H:%M} UTC)",
            "Periksa jam komputer, atau tunggu sampai sertifikat berlaku.",
        )
    if at > akhir:
        raise SigningKeyError(
            f"Sertifikat {nama} sudah kedaluwarsa sejak {akhir:%Y-%m-%d}",
            "Minta perpanjangan sertifikat elektronik ke BSrE.",
        )
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (ku.digital_signature or ku.content_commitment):
            raise SigningKeyError(
                f"Sertifikat {nama} tidak boleh dipakai untuk tanda tangan (key usage)", SARAN_KUNCI
            )
    except x509.ExtensionNotFound:
        pass  # RFC 5280: no KeyUsage extension means no restriction
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if not {oid.dotted_string for oid in eku} & _EKU_PENANDATANGANAN:
            raise SigningKeyError(
                f"Sertifikat {nama} tidak untuk penandatanganan dokumen (extended key usage)", SARAN_KUNCI
            )
    except x509.ExtensionNotFound:
        pass

    warnings: list[str] = []
    sisa = akhir - at
    if sisa <= timedelta(days=WARN_DAYS):
        warnings.append(
            f"Sertifikat {nama} akan kedaluwarsa dalam {sisa.days} hari ({akhir:%Y-%m-%d}); "
            "segera ajukan perpanjangan."
        )
    return warnings


def _timestamper(url: str) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url)


def sign_pdf(
    src: Path,
    dst: Path,
    signer: Signer,
    *,
    field_name: str = "TTE",
    reason: str,
    location: str,
    signer_name: str | None,
    timestamp_url: str | None = None,
) -> None:
    """Sign ``src`` into ``dst`` (PAdES B-B, ETSI.CAdES.detached, SHA-256; B-T with a TSA URL).

    ``dst`` may equal ``src``. The certificate is checked first against the real clock (pyHanko
    records the real signing time, whatever the office clock says), so an expired key never
    produces a signature that readers reject. An invisible signature field ``field_name`` is created; if a
    field of that name is already signed, :class:`StateConflict` is raised.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError

    quiet_library_logs()
    check_certificate(signer, datetime.now(UTC))
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {src} tidak dapat dibaca: {exc.strerror or exc}") from exc
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
    except Exception as exc:
        raise FileUnreadable(f"Berkas {src} bukan PDF yang dapat dibaca: {exc}") from exc
    if writer.prev.encrypted:
        raise FileUnreadable(f"Berkas {src} terenkripsi; tanda tangan hanya untuk PDF tanpa sandi")
    if any(True for _ in fields.enumerate_sig_fields(writer.prev, filled_status=True, with_name=field_name)):
        raise StateConflict(f"Berkas {src} sudah ditandatangani pada kolom {field_name}")

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=_timestamper(timestamp_url) if timestamp_url else None
    )
    try:
        out = pdf_signer.sign_pdf(writer)
    except TimestampRequestError as exc:
        raise EnvironmentProblem(
            f"Server cap waktu (TSA) {timestamp_url} tidak dapat dihubungi: {exc}",
            "Periksa koneksi internet atau alamat TSA di sakti.toml.",
        ) from exc
    except SigningError as exc:
        raise SigningKeyError(f"Penandatanganan {src} gagal: {exc}", SARAN_KUNCI) from exc
    except PdfError as exc:  # structure pyHanko cannot update (found only while writing)
        raise FileUnreadable(f"Berkas {src} tidak dapat ditandatangani: {exc}") from exc
    try:
        _write_atomic(dst, out.getvalue(), mode=src.stat().st_mode & 0o777)
    except OSError as exc:
        raise FileUnreadable(f"Berkas tujuan {dst} tidak dapat ditulis: {exc.strerror or exc}") from exc


def _write_atomic(dst: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file in the same folder, then rename (atomic on POSIX and Windows).

    The signed copy gets the permissions of the unsigned PDF (mkstemp alone would make it 0600).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
