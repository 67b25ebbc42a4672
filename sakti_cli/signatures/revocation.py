"""Revocation data from the sources the office configured in ``[tte]``, fresh each time a letter is signed
or renewed, and the one rule for outages.

Sources: ``tte.crl`` entries are files (the office downloads them) or ``http(s)://`` URLs (fetched now);
``tte.ocsp`` are OCSP responder URLs, asked about the signer's and the TSA's certificates. Nothing else is
asked: pyHanko never fetches from the distribution points a certificate names (``allow_fetching=False``).

A CRL or OCSP answer whose ``nextUpdate`` has passed is never used. From a file it is refused
(:class:`~sakti_cli.core.errors.SigningKeyError`, exit 4: the office must download a new one) before any number
is reserved; from a URL, and any source or TSA that does not answer, it is an outage
(:class:`~sakti_cli.core.errors.ServiceUnreachable`): the letter waits in the signing queue with the reason.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import ConfigError, ServiceUnreachable, SigningKeyError, library_text

if TYPE_CHECKING:
    from sakti_cli.office.workspace import Workspace
    from sakti_cli.signatures.sign import ValidationData

TIMEOUT = 15.0
"""Seconds to wait for one CRL, OCSP or TSA answer before calling it an outage."""
SARAN_SUMBER = ("Periksa jaringan dan alamat di [tte] sakti.toml; surat menunggu di antrean tanda tangan "
                "dan diselesaikan dengan 'sakti ttd setujui' setelah layanannya kembali.")


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def validation_data(ws: Workspace) -> Any:
    """The office's stored validation data for B-LT, or None when sakti.toml stores none.

    Trust roots from ``verifikasi.akar_tepercaya``, CA certificates and CRLs from ``[tte]``.
    """
    from sakti_cli.signatures.sign import ValidationData

    tte = ws.config.tte
    if not (tte.crl or tte.sertifikat_ca or tte.ocsp):
        return None
    files = {"akar_tepercaya": [ws.path(p) for p in ws.config.verifikasi.akar_tepercaya],
             "sertifikat_ca": [ws.path(p) for p in tte.sertifikat_ca],
             "crl": [ws.path(p) for p in tte.crl if not is_url(p)]}
    missing = [str(p) for paths in files.values() for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"Berkas data validasi tidak ada: {', '.join(missing)}.",
                          saran="Periksa tte.crl, tte.sertifikat_ca dan verifikasi.akar_tepercaya di sakti.toml.")
    return ValidationData(trust_roots=files["akar_tepercaya"], certificates=files["sertifikat_ca"],
                          crls=files["crl"], remote=bool(tte.ocsp) or any(is_url(p) for p in tte.crl))


def _fetch(url: str, what: str, body: bytes | None = None, content_type: str | None = None) -> bytes:
    """GET (or POST ``body``) ``url``; any failure to get an answer is an outage."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if content_type else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ServiceUnreachable(f"{what} {url} tidak dapat dihubungi.", SARAN_SUMBER,
                                 pustaka=library_text(exc)) from None


def crl_from(source: str, data: bytes, at: datetime) -> Any:
    """The CRL in ``data`` (DER or PEM), refused when unreadable or past its nextUpdate at ``at``."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem

    url = is_url(source)
    try:
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        item = asn1_crl.CertificateList.load(der)
        next_update = item["tbs_cert_list"]["next_update"].native
    except Exception as exc:
        if url:
            raise ServiceUnreachable(f"Sumber CRL {source} tidak memberi CRL yang dapat dibaca.", SARAN_SUMBER,
                                     pustaka=library_text(exc)) from None
        raise SigningKeyError(f"Daftar pencabutan (CRL) {source} tidak dapat dibaca.",
                              "Ganti berkas itu dengan CRL terbaru dari penerbit sertifikat (tte.crl di sakti.toml).",
                              pustaka=library_text(exc)) from None
    if next_update is not None and next_update < at:
        when = next_update.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if url:
            raise ServiceUnreachable(f"Sumber CRL {source} memberi CRL yang sudah kedaluwarsa (nextUpdate {when}).",
                                     SARAN_SUMBER)
        raise SigningKeyError(f"Daftar pencabutan (CRL) {source} sudah kedaluwarsa sejak {when}; tidak dipakai dan "
                              "tidak ada nomor yang dipesan.",
                              "Unduh CRL terbaru dari penerbit sertifikat ke berkas itu (tte.crl di sakti.toml), "
                              "atau tulis URL CRL-nya di tte.crl agar diambil setiap kali menandatangani.")
    return item


def fetch_crls(ws: Workspace, at: datetime) -> list[Any]:
    """Every CRL of ``tte.crl``, read or fetched now, each checked fresh at ``at``."""
    crls = []
    for source in ws.config.tte.crl:
        if is_url(source):
            data = _fetch(source, "Sumber CRL")
        else:
            path = ws.path(source)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise SigningKeyError(f"CRL {path} (dari tte.crl di sakti.toml) tidak dapat dibaca: "
                                      f"{exc.strerror or exc}", "Periksa tte.crl di sakti.toml.") from None
            source = str(path)
        crls.append(crl_from(source, data, at))
    return crls


def _issuer_of(cert: Any, candidates: list[Any]) -> Any | None:
    for other in candidates:
        if other.subject == cert.issuer and other != cert:
            return other
    return None


def fetch_ocsp(url: str, cert: Any, issuer: Any, at: datetime) -> Any | None:
    """Ask the responder at ``url`` about ``cert`` (asn1crypto): its fresh answer, or None when it refuses to
    answer for that certificate. No answer at all, or a stale one, is an outage."""
    from asn1crypto import ocsp as asn1_ocsp
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import ocsp

    request = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_der_x509_certificate(cert.dump()), x509.load_der_x509_certificate(issuer.dump()), hashes.SHA1()
    ).build().public_bytes(Encoding.DER)
    data = _fetch(url, "Penjawab OCSP", request, "application/ocsp-request")
    try:
        answer = asn1_ocsp.OCSPResponse.load(data)
        status = answer["response_status"].native
        single = answer.basic_ocsp_response["tbs_response_data"]["responses"][0] if status == "successful" else None
    except Exception as exc:
        raise ServiceUnreachable(f"Penjawab OCSP {url} tidak memberi jawaban OCSP yang dapat dibaca.", SARAN_SUMBER,
                                 pustaka=library_text(exc)) from None
    if single is None:
        return None  # it does not answer for this certificate (another CA's): the CRLs may cover it
    next_update = single["next_update"].native
    if next_update is not None and next_update < at:
        raise ServiceUnreachable(f"Penjawab OCSP {url} memberi jawaban yang sudah kedaluwarsa.", SARAN_SUMBER)
    return answer


def probe_tsa(url: str) -> list[Any]:
    """Ask the TSA for a test timestamp (pyHanko sizes the signature with it anyway); its certificates
    (asn1crypto), so the TSA's revocation data can be gathered too. No answer: an outage."""
    import asyncio

    from pyhanko.sign.timestamps import HTTPTimeStamper

    try:
        token = asyncio.run(HTTPTimeStamper(url, timeout=int(TIMEOUT)).async_dummy_response("sha256"))
        certs = [c.chosen for c in token["content"]["certificates"] or []]
        own = token_signer(token["content"])
        return [*([own] if own is not None else []), *(c for c in certs if c != own)]
    except Exception as exc:
        raise tsa_unreachable(url, exc) from None


def tsa_unreachable(url: str, exc: BaseException) -> ServiceUnreachable:
    """The outage of a TSA that does not answer or refuses (the letter waits in the signing queue)."""
    return ServiceUnreachable(f"Server cap waktu (TSA) {url} tidak dapat dihubungi atau menolak.",
                              "Periksa jaringan dan alamat TSA (--tsa atau tte.tsa di sakti.toml); surat menunggu "
                              "di antrean tanda tangan dan diselesaikan dengan 'sakti ttd setujui' setelah TSA "
                              "kembali.", pustaka=library_text(exc))


def token_signer(signed_data: Any) -> Any | None:
    """The certificate (asn1crypto) that signed an RFC 3161 token (a CMS SignedData), when it carries it."""
    sid = signed_data["signer_infos"][0]["sid"]
    for choice in signed_data["certificates"] or []:
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if cert.serial_number == sid.chosen["serial_number"].native and cert.issuer == sid.chosen["issuer"]:
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def fresh_data(ws: Workspace, base: ValidationData, certs: list[Any], at: datetime) -> ValidationData:
    """``base`` with the revocation data fetched now: every CRL source, and an OCSP answer for each of
    ``certs`` (asn1crypto; the signer's, the TSA's) from each ``tte.ocsp`` responder."""
    from sakti_cli.signatures.sign import _load_certificates

    crls = fetch_crls(ws, at)
    known = [*certs, *_load_certificates(base.trust_roots, "Sertifikat akar tepercaya"),
             *_load_certificates(base.certificates, "Sertifikat CA")]
    answers = []
    for url in ws.config.tte.ocsp:
        for cert in certs:
            issuer = _issuer_of(cert, known)
            answer = fetch_ocsp(url, cert, issuer, at) if issuer is not None else None
            if answer is not None:
                answers.append(answer)
    return dataclasses.replace(base, crls=[], fetched_crls=crls, fetched_ocsps=answers)


def prepare_signing(ws: Workspace, signer: Any, timestamp_url: str | None) -> None:
    """Before a number is reserved: is every configured outside service answering, and is the
    revocation data fresh? Attaches the fresh data to ``signer`` (B-LT uses it).

    Raises :class:`ServiceUnreachable` (an outage: the caller queues the letter), or
    :class:`SigningKeyError` (a stale CRL file, a revoked certificate: refused, nothing reserved).
    """
    from sakti_cli.signatures.sign import check_office_revocation, remember_validation_data

    base = validation_data(ws)
    if not timestamp_url:
        return
    tsa_certs = probe_tsa(timestamp_url)
    if base is None or getattr(signer, "signing_cert", None) is None:  # a BSrE key: checked once it signed
        return
    now = datetime.now(UTC)  # pyHanko signs and validates on the machine's clock
    fresh = fresh_data(ws, base, [signer.signing_cert, *tsa_certs[:1]], now)
    warnings = check_office_revocation(signer, fresh)
    if tsa_certs and not warnings:  # the TSA's certificate must be covered too, or B-LT fails after the number
        warnings = check_office_revocation(tsa_certs[0], fresh)
    if warnings:
        raise SigningKeyError(warnings[0], "Perbarui data validasi di [tte] sakti.toml (CRL/OCSP dari penerbit "
                              "sertifikat), lalu ulangi.")
    remember_validation_data(signer, fresh)


def renewal_context(ws: Workspace, certs: list[Any], at: datetime, moment: datetime | None) -> Any:
    """A strict, offline validation context with revocation data fetched now (``at``), for ``ttd perbarui``."""
    from sakti_cli.signatures.sign import ValidationData, _ltv_context

    base = validation_data(ws) or ValidationData(trust_roots=[ws.path(p) for p in ws.config.verifikasi.akar_tepercaya])
    return _ltv_context(fresh_data(ws, base, certs, at), moment=moment)


def stale_dates(paths: list[Path]) -> list[datetime]:
    """nextUpdate of each readable CRL file (``kantor periksa`` warns of the passed ones)."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem

    found = []
    for path in paths:
        try:
            data = path.read_bytes()
            item = asn1_crl.CertificateList.load(pem.unarmor(data)[2] if pem.detect(data) else data)
            if item["tbs_cert_list"]["next_update"].native:
                found.append(item["tbs_cert_list"]["next_update"].native)
        except Exception:
            continue
    return found
