"""Electronic signature (TTE) of a finished letter: PAdES baseline with pyHanko.

Levels: B-B offline by default; B-T with an RFC 3161 timestamp from a TSA; B-LT when, besides the
timestamp, the office's stored CA certificates and CRLs are embedded in the document security store
(DSS), so the signature can be validated later without any network. The key comes from a PKCS#12
file or a PKCS#11 token (:func:`load_pkcs12_signer`, :func:`load_pkcs11_signer`).

The signature is added as an incremental update, so the bytes of the unsigned PDF stay exactly as
they were and any later signature (a second official, a timestamp for B-T/B-LTA) can be appended
without breaking this one. Output goes to a temporary file that is renamed into place: a crash
never leaves a half-written PDF under the final name.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import tempfile
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import (
    ConfigError,
    EnvironmentProblem,
    FileUnreadable,
    ServiceUnreachable,
    SigningKeyError,
    StateConflict,
    library_text,
    os_reason,
)
from sakti_cli.core.findings import Finding, galat, peringatan
from sakti_cli.core.id_format import waktu_singkat
from sakti_cli.signatures.validate import quiet_library_logs

if TYPE_CHECKING:
    from cryptography import x509
    from pyhanko.sign.signers import Signer

WARN_DAYS = 30
"""Warn this many days before the signer certificate expires (renewal at BSrE takes time)."""

SARAN_KUNCI = "Periksa berkas kunci (.p12) dan sandinya, atau minta sertifikat baru."
SARAN_TOKEN = "Periksa token (terpasang, label token dan label kunci di sakti.toml) dan PIN-nya."


@dataclass(frozen=True)
class ValidationData:
    """What the office stores to make B-LT signatures offline (``[tte]`` and ``[verifikasi]`` of sakti.toml).

    ``trust_roots`` anchor the chain; ``certificates`` are further CA certificates (intermediates);
    ``crls`` the CA's revocation lists. All are files (PEM or DER).
    """

    trust_roots: list[Path] = field(default_factory=list)
    certificates: list[Path] = field(default_factory=list)
    crls: list[Path] = field(default_factory=list)
    fetched_crls: list[Any] = field(default_factory=list)
    """CRLs (asn1crypto) read or fetched from ``[tte]`` just now (sakti_cli.signatures.revocation)."""
    fetched_ocsps: list[Any] = field(default_factory=list)
    """OCSP answers (asn1crypto) from the ``tte.ocsp`` responders, asked just now."""
    remote: bool = False
    """Some configured source is a URL: nothing is known until it is fetched (see revocation.prepare_signing)."""


_OFFICE_DATA: weakref.WeakKeyDictionary[Any, ValidationData] = weakref.WeakKeyDictionary()
"""Validation data of the office a signer was opened for (see :func:`remember_validation_data`)."""


_RESERVED: weakref.WeakKeyDictionary[Any, dict[tuple[str | None, bool], int]] = weakref.WeakKeyDictionary()
"""Room the signature container took in this signer's first PDF, per (TSA, B-LT): later PDFs signed
with the same opened key reserve the same, so pyHanko's size estimate (a whole dummy signature, with
its own private-key operation) is made once per run instead of once per letter."""


def _reserved_room(signed: bytes) -> int | None:
    """The hex digits pyHanko reserved for the last signature's /Contents: the gap in its /ByteRange
    (``[0 a b c]``: the contents sit between a and b, in angle brackets)."""
    found = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+\d+\s*\]").match(signed, signed.rfind(b"/ByteRange"))
    if found is None:
        return None
    start, end = int(found.group(1)), int(found.group(2))
    return end - start - 2 if end - start > 2 else None


def remember_validation_data(signer: Any, data: ValidationData | None) -> None:
    """Attach the office's stored validation data to a signer opened for that office, so every
    later :func:`sign_pdf` with a TSA makes B-LT without each caller passing it along."""
    if data is not None:
        _OFFICE_DATA[signer] = data

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
            f"Berkas kunci {p12} tidak dapat dibaca: {os_reason(exc)}", SARAN_KUNCI
        ) from exc
    try:
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase or None)
    except Exception as exc:
        raise _why_unusable(p12, data, passphrase) from exc
    if signer.signing_cert is None or signer.signing_key is None:
        raise SigningKeyError(f"Berkas kunci {p12} tidak berisi kunci privat dan sertifikat", SARAN_KUNCI)
    return _key_parsed_once(signer)


def _key_parsed_once(signer: Any) -> Any:
    """``signer`` whose RSA key is parsed into ``cryptography`` once, when it is opened: pyHanko's
    SimpleSigner parses it again for every signature (~60 ms with its consistency check), which a
    batch of letters would pay per letter. Other mechanisms (PSS, EC) go through pyHanko as before.

    The consistency check (primes, CRT values: ~60 ms, a fifth of a letter at the desk) is not run a
    second time: ``SimpleSigner.load_pkcs12_data`` reads the file with cryptography's PKCS#12 loader,
    which runs it and refuses an inconsistent key (tests/test_sign_verify.py holds it to that)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner

    try:
        parsed = serialization.load_der_private_key(signer.signing_key.dump(), password=None,
                                                    unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError):  # pyHanko reads the key its own way at each signature, as before
        return signer
    if not isinstance(parsed, RSAPrivateKey):
        return signer
    key: RSAPrivateKey = parsed

    class KeyParsedOnce(SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            try:
                plain_rsa = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo == \
                    "rsassa_pkcs1v15"
            except ValueError:
                plain_rsa = False
            if plain_rsa:
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return bytes(super().sign_raw(data, digest_algorithm))

    return KeyParsedOnce(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                         cert_registry=signer.cert_registry, signature_mechanism=signer.signature_mechanism)


def _why_unusable(p12: Path, data: bytes, passphrase: bytes) -> SigningKeyError:
    """Diagnose a PKCS#12 file pyHanko could not load (only runs on the failure path)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, passphrase or None)
    except Exception as exc:
        if "private key" in str(exc).lower():  # decrypted, but the key's numbers are inconsistent
            return SigningKeyError(f"Kunci privat dalam berkas {p12} rusak (angka-angkanya tidak konsisten); "
                                   "kunci ini tidak dipakai.", SARAN_KUNCI)
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


def load_pkcs11_signer(
    module: str,
    pin: bytes | None,
    *,
    token_label: str | None = None,
    slot: int | None = None,
    key_label: str | None = None,
    cert_label: str | None = None,
    key_id: bytes | None = None,
) -> Signer:
    """Open a session on a PKCS#11 token (e.g. BSrE's USB token, SoftHSM2) and find the signing key.

    The session stays open for the signer's lifetime (close with :func:`close_signer`). A wrong or
    locked PIN, a missing token or key all raise :class:`SigningKeyError`; a module that cannot be
    loaded raises :class:`ConfigError`. The PIN is never put in a message.
    """
    from pkcs11 import exceptions as p11_exc
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    quiet_library_logs()
    where = f"token '{token_label}'" if token_label else (f"slot {slot}" if slot is not None else "token PKCS#11")
    if not Path(module).is_file():
        raise ConfigError(
            f"Modul PKCS#11 {module} tidak ada.",
            "Pasang driver token (mis. libsofthsm2.so, driver token BSrE) dan periksa 'modul' di sakti.toml.",
        )
    try:
        session = open_pkcs11_session(
            module,
            slot_no=slot,
            token_criteria=TokenCriteria(label=token_label) if token_label else None,
            user_pin=pin.decode("utf-8") if pin is not None else None,
        )
    except p11_exc.PinIncorrect:
        raise SigningKeyError(f"PIN {where} salah.",
                              "Ketik ulang PIN token; token terkunci setelah beberapa kali salah.") from None
    except p11_exc.PinLocked:
        raise SigningKeyError(f"PIN {where} terkunci.", "Buka kunci token dengan SO-PIN atau hubungi penerbitnya."
                              ) from None
    except (p11_exc.PinLenRange, p11_exc.PinInvalid):
        raise SigningKeyError(f"PIN {where} tidak sah (panjang atau karakternya salah).", SARAN_TOKEN) from None
    except p11_exc.PKCS11Error as exc:
        if type(exc) is p11_exc.PKCS11Error:  # raised by pyHanko itself: no token matches
            raise SigningKeyError(f"{where[0].upper()}{where[1:]} tidak ditemukan di modul {module}.",
                                  SARAN_TOKEN) from None
        raise SigningKeyError(f"Tidak dapat membuka {where}.", SARAN_TOKEN, pustaka=library_text(exc)) from None
    except (OSError, RuntimeError) as exc:  # the library itself does not load
        raise ConfigError(f"Modul PKCS#11 {module} tidak dapat dimuat.", SARAN_TOKEN,
                          pustaka=library_text(exc)) from None
    if key_label is None and cert_label is None and key_id is None:
        key_label = "signer"
    signer = PKCS11Signer(session, cert_label=cert_label, key_label=key_label, key_id=key_id,
                          other_certs_to_pull=None)
    try:
        cert = signer.signing_cert  # loads the key and certificate now, not halfway through signing
    except Exception as exc:
        session.close()
        wanted = key_label or cert_label or (key_id.hex() if key_id else "")
        raise SigningKeyError(
            f"Kunci atau sertifikat '{wanted}' tidak ditemukan di {where}.", SARAN_TOKEN, pustaka=library_text(exc)
        ) from None
    if cert is None:
        session.close()
        raise SigningKeyError(f"Sertifikat penanda tangan tidak ditemukan di {where}", SARAN_TOKEN)
    return signer


def close_signer(signer: Any) -> None:
    """Release what a signer holds (the PKCS#11 session); harmless for PKCS#12 signers."""
    session = getattr(signer, "pkcs11_session", None)
    if session is not None:
        with contextlib.suppress(Exception):
            session.close()


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


def signer_common_name(signer_or_cert: Any) -> str:
    """The CN of a signer's (or certificate's) subject, for messages and reports."""
    return _common_name(_as_cryptography_cert(signer_or_cert))


BSRE_NAMES = r"\bBSrE\b|Balai Besar Sertifikasi Elektronik"
"""How BSrE's certificates name their issuer (a regular expression, case-insensitive)."""


@dataclass(frozen=True)
class Issuer:
    """Who issued a signing certificate, as a letter's footer may state it."""

    nama: str  # the issuer's O (organisation), else its CN
    bsre: bool  # Balai Besar Sertifikasi Elektronik (BSrE) issued it: the official BSrE sentence applies
    contoh: bool  # a demo certificate (sakti_cli.signatures.pki's "(DEMO)" names, or "demo" in a name): never valid


def certificate_issuer(signer_or_cert: Any) -> Issuer:
    """The :class:`Issuer` of a signer's (or certificate's) certificate, read from its names only."""
    import re

    from cryptography.x509.oid import NameOID

    from sakti_cli.signatures.pki import ROOT_CN

    cert = _as_cryptography_cert(signer_or_cert)

    def first(name: x509.Name, oid: Any) -> str:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    org, common = first(cert.issuer, NameOID.ORGANIZATION_NAME), first(cert.issuer, NameOID.COMMON_NAME)
    issuer_text = cert.issuer.rfc4514_string()
    names = " ".join((issuer_text, cert.subject.rfc4514_string()))
    bsre = bool(re.search(BSRE_NAMES, issuer_text, re.IGNORECASE))
    demo = common == ROOT_CN or bool(re.search(r"\bdemo\b", names, re.IGNORECASE))
    return Issuer(nama=org or common or issuer_text, bsre=bsre and not demo, contoh=demo)


def _is_ca(cert: x509.Certificate) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _name_words(text: str) -> set[str]:
    """The words of a person's or an office's name without titles and notes: "Drs. H. AHMAD YANI, M.Si"
    -> {ahmad, yani}; "Camat Arut Selatan (DEMO)" -> {camat, arut, selatan}."""
    import re

    head = re.sub(r"\([^)]*\)", " ", text.split(",", 1)[0])
    return {word.casefold() for word in re.findall(r"[^\s]+", head) if "." not in word and word.isalpha()}


def names_match(certificate_name: str, names: tuple[str, ...]) -> bool:
    """True when the certificate's name is one of ``names`` (the signatory's name or jabatan), titles aside."""
    cert_words = _name_words(certificate_name)
    for name in names:
        words = _name_words(name)
        if cert_words and words and (cert_words <= words or words <= cert_words):
            return True
    return False


def name_contains(whole: str, part: str) -> bool:
    """True when every word of ``part`` (titles aside) is in ``whole``: "Kecamatan Arut Selatan (DEMO)"
    contains "Kecamatan Arut Selatan"; "Camat Arut Selatan" does not."""
    words = _name_words(part)
    return bool(words) and words <= _name_words(whole)


def _chain_problem(cert: x509.Certificate, trust_roots: list[Any], intermediates: list[Any], at: datetime
                   ) -> str | None:
    """Why ``cert`` does not chain to one of ``trust_roots`` at ``at`` (offline, no revocation check), or None."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError

    quiet_library_logs()
    leaf = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    context = ValidationContext(trust_roots=trust_roots, other_certs=intermediates, allow_fetching=False,
                                revocation_mode="soft-fail", moment=at)
    validator = CertificateValidator(leaf, intermediate_certs=intermediates, validation_context=context)
    try:
        asyncio.run(validator.async_validate_path())
    except PathBuildingError:
        return "tidak berantai ke akar tepercaya kantor"
    except Exception as exc:
        return f"rantainya ke akar tepercaya tidak sah: {validation_reason(exc)}"
    return None


def validation_reason(exc: BaseException) -> str:
    """Why pyHanko's certificate validator refused, in Indonesian, by the kind of its error (its English
    text is for ``detail``)."""
    reasons = {"ExpiredError": "ada sertifikat dalam rantai yang kedaluwarsa",
               "NotYetValidError": "ada sertifikat dalam rantai yang belum berlaku",
               "RevokedError": "sertifikat telah dicabut menurut CRL kantor",
               "InsufficientRevinfoError": "data pencabutan (CRL) kantor tidak mencakupnya atau sudah kedaluwarsa",
               "StaleRevinfoError": "data pencabutan (CRL) kantor sudah kedaluwarsa",
               "DisallowedAlgorithmError": "memakai algoritma yang tidak diizinkan",
               "InvalidCertificateError": "ada sertifikat dalam rantai yang tidak sah untuk penggunaan ini",
               "PathBuildingError": "tidak berantai ke akar tepercaya kantor"}
    for kind in type(exc).__mro__:
        if kind.__name__ in reasons:
            return reasons[kind.__name__]
    return "tidak lolos pemeriksaan sertifikat"


def certificate_findings(signer_or_cert: Any, at: datetime, *, trust_roots: list[Any] | None = None,
                         intermediates: list[Any] | None = None, names: tuple[str, ...] = ()) -> list[Finding]:
    """Everything a certificate must be to sign a letter at ``at``: the one judgement behind signing
    (:func:`check_certificate`), ``sertifikat lihat`` and ``kantor periksa``.

    Errors: not yet valid or expired; a CA certificate; key usage without digitalSignature or
    nonRepudiation (or none at all); an extended key usage that excludes document signing; with
    ``trust_roots`` (asn1crypto certificates; ``[]`` = the office configured none), no chain to them.
    Warnings: expiry within :data:`WARN_DAYS` days; a name that is none of ``names`` (the signatory's
    name and jabatan). A naive ``at`` is taken as UTC.
    """
    from cryptography import x509

    cert = _as_cryptography_cert(signer_or_cert)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    nama = _common_name(cert)
    mulai, akhir = cert.not_valid_before_utc, cert.not_valid_after_utc
    found: list[Finding] = []
    if at < mulai:
        found.append(galat("SERTIFIKAT_BELUM_BERLAKU", f"Sertifikat {nama} belum berlaku (mulai "
                           f"{waktu_singkat(mulai, at.tzinfo or UTC)})",
                           "Periksa jam komputer, atau tunggu sampai sertifikat berlaku."))
    elif at > akhir:
        found.append(galat("SERTIFIKAT_KEDALUWARSA", f"Sertifikat {nama} sudah kedaluwarsa sejak "
                           f"{waktu_singkat(akhir, at.tzinfo or UTC)}",
                           "Minta perpanjangan sertifikat elektronik ke penerbitnya (BSrE)."))
    elif akhir - at <= timedelta(days=WARN_DAYS):
        found.append(peringatan("SERTIFIKAT_SEGERA_KEDALUWARSA", f"Sertifikat {nama} akan kedaluwarsa dalam "
                                f"{(akhir - at).days} hari ({waktu_singkat(akhir, at.tzinfo or UTC)}); segera ajukan "
                                "perpanjangan.",
                                "Ajukan perpanjangan ke penerbit sertifikat sekarang; prosesnya butuh waktu."))
    if _is_ca(cert):
        found.append(galat("SERTIFIKAT_CA", f"Sertifikat {nama} adalah sertifikat CA (penerbit), bukan sertifikat "
                           "penanda tangan", "Pakai sertifikat penanda tangan dari penerbit (BSrE), bukan sertifikat "
                           "akar/CA atau sertifikat swa-tanda-tangan buatan openssl."))
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (ku.digital_signature or ku.content_commitment):
            found.append(galat("SERTIFIKAT_PENGGUNAAN_KUNCI", f"Sertifikat {nama} tidak boleh dipakai untuk tanda "
                               "tangan (key usage tanpa digitalSignature/nonRepudiation)", SARAN_KUNCI))
    except x509.ExtensionNotFound:
        found.append(galat("SERTIFIKAT_PENGGUNAAN_KUNCI", f"Sertifikat {nama} tidak menyebut penggunaan kuncinya "
                           "(key usage digitalSignature/nonRepudiation); sertifikat penanda tangan selalu "
                           "menyebutnya", SARAN_KUNCI))
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if not {oid.dotted_string for oid in eku} & _EKU_PENANDATANGANAN:
            found.append(galat("SERTIFIKAT_PENGGUNAAN_LANJUTAN", f"Sertifikat {nama} tidak untuk penandatanganan "
                               "dokumen (extended key usage)", SARAN_KUNCI))
    except x509.ExtensionNotFound:
        pass
    if trust_roots is not None:
        if not trust_roots:
            found.append(galat("AKAR_TEPERCAYA_KOSONG", "Kantor belum menyebut sertifikat akar tepercaya, jadi "
                               f"sertifikat {nama} tidak dapat diperiksa rantainya dan surat tidak akan terverifikasi",
                               "Isi [verifikasi].akar_tepercaya di sakti.toml dengan sertifikat akar penerbit "
                               "(mis. akar BSrE), lalu ulangi."))
        else:
            problem = _chain_problem(cert, trust_roots, intermediates or [], at)
            if problem:
                found.append(galat("SERTIFIKAT_TIDAK_BERANTAI", f"Sertifikat {nama} {problem}; 'sakti verifikasi' "
                                   "tidak akan menyebut suratnya sah", "Pasang sertifikat akar penerbitnya di "
                                   "[verifikasi].akar_tepercaya (dan CA perantara di [tte].sertifikat_ca), atau pakai "
                                   "kunci yang diterbitkan penerbit tepercaya itu."))
    if names and not names_match(nama, names):
        found.append(peringatan("SERTIFIKAT_NAMA_BERBEDA", f"Sertifikat atas nama '{nama}', bukan '{names[0]}' yang "
                                "disebut sakti.toml", "Periksa bahwa kunci ini milik penandatangan itu; bila benar, "
                                "samakan nama di [[penandatangan]] dengan nama di sertifikat."))
    return found


def raise_for(findings: list[Finding]) -> list[str]:
    """The first error of ``findings`` as :class:`SigningKeyError`; else the warnings' messages."""
    for item in findings:
        if item.tingkat == "galat":
            raise SigningKeyError(item.pesan, item.saran, kode_temuan=item.kode)
    return [item.pesan for item in findings]


def check_certificate(signer_or_cert: Any, at: datetime, *, trust_roots: list[Any] | None = None,
                      intermediates: list[Any] | None = None, names: tuple[str, ...] = ()) -> list[str]:
    """Refuse a certificate that cannot make a valid signature at ``at`` (:class:`SigningKeyError`);
    return Indonesian warnings. The checks are :func:`certificate_findings`."""
    return raise_for(certificate_findings(signer_or_cert, at, trust_roots=trust_roots,
                                          intermediates=intermediates, names=names))


_KU_NAMES = {
    "digital_signature": "digitalSignature", "content_commitment": "nonRepudiation",
    "key_encipherment": "keyEncipherment", "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement", "key_cert_sign": "keyCertSign", "crl_sign": "cRLSign",
}
_EKU_NAMES = {
    "1.3.6.1.5.5.7.3.4": "emailProtection", "1.3.6.1.5.5.7.3.36": "documentSigning",
    "1.3.6.1.5.5.7.3.8": "timeStamping", "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.2.840.113583.1.1.5": "Adobe Authentic Documents", "1.3.6.1.4.1.311.10.3.12": "Microsoft Document Signing",
    "2.5.29.37.0": "anyExtendedKeyUsage",
}


def certificate_summary(cert_or_signer: Any, at: datetime, trust_roots: list[Any] | None = None) -> dict[str, Any]:
    """What ``sakti sertifikat lihat`` shows: names, validity, key usage, days left, and whether the
    certificate may sign documents now (with the reason when not, and warnings): the verdict of
    :func:`certificate_findings`, the same as signing's."""
    from cryptography import x509

    cert = _as_cryptography_cert(cert_or_signer)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    usages: list[str] = []
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        for attr, name in _KU_NAMES.items():
            if getattr(ku, attr):
                usages.append(name)
    except x509.ExtensionNotFound:
        pass
    extended: list[str] = []
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        extended = [_EKU_NAMES.get(oid.dotted_string, oid.dotted_string) for oid in eku]
    except x509.ExtensionNotFound:
        pass
    is_ca = _is_ca(cert)
    crl_points: list[str] = []
    try:
        for point in cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value:
            crl_points.extend(str(name.value) for name in point.full_name or [])
    except x509.ExtensionNotFound:
        pass
    status = "BERLAKU" if start <= at <= end else ("BELUM_BERLAKU" if at < start else "KEDALUWARSA")
    found = certificate_findings(cert, at, trust_roots=trust_roots)
    errors = [item for item in found if item.tingkat == "galat"]
    may_sign, reason = not errors, (errors[0].pesan if errors else None)
    warnings = [item.pesan for item in found if item.tingkat == "peringatan"]
    return {
        "subjek": cert.subject.rfc4514_string(),
        "nama": _common_name(cert),
        "penerbit": cert.issuer.rfc4514_string(),
        "nomor_seri": format(cert.serial_number, "x"),
        "berlaku_mulai": start.astimezone(at.tzinfo).isoformat(),  # in the caller's zone (the office's)
        "berlaku_sampai": end.astimezone(at.tzinfo).isoformat(),
        "sisa_hari": (end - at).days,
        "status": status,
        "ca": is_ca,
        "penggunaan_kunci": usages,
        "penggunaan_kunci_lanjutan": extended,
        "titik_distribusi_crl": crl_points,
        "sidik_jari_sha256": cert.fingerprint(_sha256()).hex(),
        "boleh_menandatangani": may_sign,
        "alasan": reason,
        "peringatan": warnings,
        "temuan": [item.to_dict() for item in found],
    }


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Certificates from a PEM (one or several) or DER file; anything else is :class:`FileUnreadable`."""
    from cryptography import x509

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {path} tidak dapat dibaca: {os_reason(exc)}") from exc
    try:
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise FileUnreadable(f"Berkas {path} bukan sertifikat X.509 (PEM/DER) atau berkas .p12.",
                             saran="Berikan berkas .pem/.crt/.cer, atau .p12/.pfx beserta sandinya.") from None


STAMP_TEXT = "Ditandatangani secara elektronik oleh:\n%(signer)s\nWaktu: %(ts)s"

STAMP_FONTS = ("liberation/LiberationSans-Regular.ttf", "liberation2/LiberationSans-Regular.ttf",
               "dejavu/DejaVuSans.ttf")
"""The visible stamp's font, embedded in the letter (a PDF/A needs every font embedded; pyHanko's default
Courier is not): Liberation Sans from fonts-liberation (scripts/pasang.sh installs it), else DejaVu Sans."""
FONT_FOLDERS = ("/usr/share/fonts/truetype", "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")


def stamp_font_path() -> Path:
    """The TrueType file of the stamp's font: ``SAKTI_FONT_CAP`` when set, else the first of :data:`STAMP_FONTS`
    found under the usual font folders. Raises EnvironmentProblem naming what to install."""
    wanted = os.environ.get("SAKTI_FONT_CAP", "").strip()
    if wanted:
        path = Path(wanted).expanduser()
        if path.is_file():
            return path
        raise EnvironmentProblem(f"Font cap tanda tangan {path} (dari SAKTI_FONT_CAP) tidak ada.",
                                 "Perbaiki atau hapus SAKTI_FONT_CAP (berkas .ttf), lalu ulangi.")
    for name in STAMP_FONTS:  # Liberation Sans first, wherever a distribution puts it
        for folder in (Path(folder).expanduser() for folder in FONT_FOLDERS):
            for candidate in itertools.chain([folder / name], folder.glob(f"**/{Path(name).name}")):
                if candidate.is_file():
                    return candidate
    raise EnvironmentProblem(
        "Font untuk cap tanda tangan (Liberation Sans atau DejaVu Sans) tidak terpasang; cap tidak dapat dibuat "
        "dengan font yang tersemat.",
        "Pasang font-nya: apt-get install -y fonts-liberation (atau tunjuk berkas .ttf lewat SAKTI_FONT_CAP).")


def stamp_style(text: str = STAMP_TEXT) -> Any:
    """The visible stamp: ``text`` (:data:`STAMP_TEXT`; a BSrE seal's: bsre_seal.SEAL_STAMP_TEXT) in
    :func:`stamp_font_path`'s font, embedded as a subset, no background (nothing transparent), so the stamp
    keeps a PDF/A letter PDF/A."""
    from pyhanko import stamp
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle

    font = GlyphAccumulatorFactory(str(stamp_font_path()), create_objstream_if_needed=False)
    return stamp.TextStampStyle(stamp_text=text, text_box_style=TextBoxStyle(font=font), background=None)


def _visible_field(writer: Any, field_name: str) -> bool:
    """Whether the (empty) signature field ``field_name`` has a box on a page: only then is a stamp drawn."""
    from pyhanko.sign import fields

    def has_area(widget: Any) -> bool:
        rect = widget.get("/Rect")
        return rect is not None and float(rect[2]) != float(rect[0]) and float(rect[3]) != float(rect[1])

    for _name, _value, ref in fields.enumerate_sig_fields(writer.prev, filled_status=False, with_name=field_name):
        field = ref.get_object()
        if any(has_area(widget.get_object()) for widget in [field, *field.get("/Kids", [])]):
            return True
    return False


def _timestamper(url: str) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=20)


def _load_certificates(paths: list[Path], what: str) -> list[Any]:
    """asn1crypto certificates from PEM (one or several) or DER files; a bad file is a ConfigError."""
    from asn1crypto import x509 as asn1_x509

    certs: list[Any] = []
    for path in paths:
        try:
            for der in _der_items(path):
                cert = asn1_x509.Certificate.load(der)
                _ = cert.subject  # parse now, so a broken file is reported here and not while signing
                certs.append(cert)
        except Exception as exc:
            raise ConfigError(f"{what} {path} tidak dapat dibaca.",
                              "Periksa jalur berkas di sakti.toml (sertifikat PEM atau DER).",
                              pustaka=library_text(exc)) from exc
    return certs


def _der_items(path: Path) -> list[bytes]:
    """The DER items of a certificate or CRL file: each block of a PEM file (one or several), else the
    whole file as one DER item."""
    from asn1crypto import pem

    data = path.read_bytes()
    return [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]


def _load_crls(paths: list[Path]) -> list[Any]:
    from asn1crypto import crl as asn1_crl

    crls: list[Any] = []
    for path in paths:
        try:
            for der in _der_items(path):
                item = asn1_crl.CertificateList.load(der)
                _ = item.issuer  # parse now
                crls.append(item)
        except Exception as exc:
            raise ConfigError(f"Daftar pencabutan (CRL) {path} tidak dapat dibaca.",
                              "Periksa tte.crl di sakti.toml (berkas CRL DER atau PEM).",
                              pustaka=library_text(exc)) from exc
    return crls


def _ltv_context(data: ValidationData, moment: datetime | None = None) -> Any:
    """A strict, offline validation context from the office's stored data: every certificate in the
    chain (signer's and TSA's) needs revocation information from the stored or just fetched CRLs and
    OCSP answers. ``moment`` (renewal: the signature's time) also accepts revocation data issued later."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=_load_certificates(data.trust_roots, "Sertifikat akar tepercaya"),
        other_certs=_load_certificates(data.certificates, "Sertifikat CA"),
        crls=[*_load_crls(data.crls), *data.fetched_crls],
        ocsps=list(data.fetched_ocsps),
        allow_fetching=False,
        revocation_mode="require",
        moment=moment,
        retroactive_revinfo=moment is not None,
    )


def check_office_revocation(signer: Any, data: ValidationData) -> list[str]:
    """Before anything is reserved or signed: check the signer's certificate offline against the
    office's trust roots and stored CRLs.

    A certificate the office's CRL lists as revoked raises :class:`SigningKeyError` (no signature at
    any level). A chain that does not reach the roots, or CRLs that do not cover the certificate or
    are out of date, only give a warning: B-B still works, B-LT will be refused.
    """
    import asyncio

    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import InsufficientRevinfoError, PathBuildingError, RevokedError

    quiet_library_logs()
    if data.remote and not (data.fetched_crls or data.fetched_ocsps):
        return []  # judged once the sources are asked (sakti_cli.signatures.revocation.prepare_signing)
    cert = getattr(signer, "signing_cert", signer)
    name = signer_common_name(signer)
    vc = _ltv_context(data)
    others = [c for c in getattr(signer, "cert_registry", []) if c != cert]
    validator = CertificateValidator(cert, intermediate_certs=others, validation_context=vc)
    try:
        asyncio.run(validator.async_validate_usage(set()))
    except RevokedError as exc:
        raise SigningKeyError(f"Sertifikat {name} telah dicabut menurut CRL kantor.",
                              "Jangan menandatangani dengan kunci ini; minta sertifikat baru ke penerbitnya.",
                              pustaka=library_text(exc)) from None
    except InsufficientRevinfoError:
        return [f"CRL yang disimpan kantor tidak mencakup sertifikat {name} atau sudah kedaluwarsa; tanda tangan "
                "B-LT akan ditolak. Perbarui CRL dari penerbit sertifikat."]
    except PathBuildingError:
        return [f"Sertifikat {name} tidak berantai ke akar tepercaya kantor; tanda tangan B-LT akan ditolak."]
    except Exception as exc:
        return [f"Sertifikat {name} tidak dapat diperiksa dengan data validasi kantor: {validation_reason(exc)}"]
    return []


def _explain_ltv_failure(exc: BaseException) -> str:
    lower = str(exc).lower()
    if "revoked" in lower:
        return "sertifikat telah dicabut menurut CRL kantor"
    if "revocation" in lower or "revinfo" in lower:
        return ("data pencabutan (CRL) yang disimpan kantor tidak mencakup sertifikat penanda tangan atau "
                "TSA, atau sudah kedaluwarsa")
    if "path" in lower or "trust" in lower:
        return "sertifikat tidak berantai ke akar tepercaya kantor"
    return validation_reason(exc)


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
    validation_data: ValidationData | None = None,
) -> str:
    """Sign ``src`` into ``dst``; return the PAdES level made: ``B-B``, ``B-T`` or ``B-LT``.

    ETSI.CAdES.detached, SHA-256. With ``timestamp_url`` the signature gets an RFC 3161 timestamp
    (B-T); with validation data too (``validation_data``, or what :func:`remember_validation_data`
    attached to ``signer``) the office's CA certificates and CRLs are checked strictly and offline
    before signing and embedded in the DSS (B-LT). Without a TSA the validation data is not used.

    ``dst`` may equal ``src``. The certificate is checked first against the real clock (pyHanko
    records the real signing time, whatever the office clock says), so an expired key never
    produces a signature that readers reject. An invisible signature field ``field_name`` is created
    (a second signature is a new field in a new incremental update); if a field of that name is
    already signed, :class:`StateConflict` is raised.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    quiet_library_logs()
    check_certificate(signer, datetime.now(UTC))
    if validation_data is None:
        validation_data = _OFFICE_DATA.get(signer)
    ltv = bool(timestamp_url and validation_data is not None)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Berkas {src} tidak dapat dibaca: {os_reason(exc)}") from exc
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
    except Exception as exc:
        raise FileUnreadable(f"Berkas {src} bukan PDF yang dapat dibaca.", "Periksa berkasnya: PDF yang utuh.",
                             pustaka=library_text(exc)) from exc
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
        embed_validation_info=ltv,
        validation_context=_ltv_context(validation_data) if ltv and validation_data else None,
    )
    from sakti_cli.documents.pdf_metadata import align_producer

    align_producer(writer)  # info and XMP name the same producer after pyHanko's update (PDF/A)
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=_timestamper(timestamp_url) if timestamp_url else None,
        # drawn only where the field is visible (a template's [[TTE]] marker), in an embedded font
        stamp_style=stamp_style() if _visible_field(writer, field_name) else None,
    )
    room_key = (timestamp_url, ltv)
    room = _RESERVED.get(signer, {}).get(room_key)
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=room)
    except TimestampRequestError as exc:
        raise ServiceUnreachable(
            f"Server cap waktu (TSA) {timestamp_url} tidak dapat dihubungi atau menolak.",
            "Periksa jaringan dan alamat TSA (--tsa atau tte.tsa di sakti.toml), atau tanda tangani tanpa TSA.",
            pustaka=library_text(exc),
        ) from exc
    except (PathBuildingError, PathValidationError, ValidationError, SigningError) as exc:
        if not ltv or not isinstance(exc.__cause__ or exc, PathBuildingError | PathValidationError | ValidationError):
            raise SigningKeyError(f"Penandatanganan {src} gagal.", SARAN_KUNCI, pustaka=library_text(exc)) from exc
        why = _explain_ltv_failure(exc.__cause__ or exc)
        saran = ("Minta sertifikat baru ke penerbitnya." if "dicabut" in why else
                 "Perbarui CRL dan sertifikat CA di bagian tte sakti.toml (dari penerbit sertifikat), lalu ulangi.")
        raise SigningKeyError(f"Tanda tangan B-LT untuk {src} tidak dibuat: {why}", saran,
                              pustaka=library_text(exc.__cause__ or exc)) from exc
    except PdfError as exc:  # structure pyHanko cannot update (found only while writing)
        raise FileUnreadable(f"Berkas {src} tidak dapat ditandatangani: strukturnya tidak dapat diperbarui.",
                             "Simpan ulang PDF-nya (mis. cetak ke PDF) lalu ulangi.",
                             pustaka=library_text(exc)) from exc
    except Exception as exc:
        from pkcs11 import exceptions as p11_exc

        if isinstance(exc, p11_exc.PKCS11Error):
            raise SigningKeyError("Token menolak menandatangani.", SARAN_TOKEN, pustaka=library_text(exc)) from exc
        raise
    if room is None:
        with contextlib.suppress(TypeError):  # a signer that cannot be weakly referenced: estimated each time
            measured = _reserved_room(out.getvalue())
            if measured:
                _RESERVED.setdefault(signer, {})[room_key] = measured
    try:
        _write_atomic(dst, out.getvalue(), mode=src.stat().st_mode & 0o777)
    except OSError as exc:
        raise FileUnreadable(f"Berkas tujuan {dst} tidak dapat ditulis: {os_reason(exc)}") from exc
    return "B-LT" if ltv else ("B-T" if timestamp_url else "B-B")


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
