"""Signing (PAdES B-B) and offline verification, cross-checked with poppler's pdfsig."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pki_helpers import (
    CERTUTIL,
    PDFSIG,
    PK12UTIL,
    make_nss_db,
    make_pdf,
    pdfsig_sign,
    pdfsig_verdict_ok,
    run_pdfsig,
)

from sakti_cli.core.errors import ConfigError, EnvironmentProblem, FileUnreadable, SigningKeyError, StateConflict
from sakti_cli.signatures.pki import DemoPki, make_demo_pki
from sakti_cli.signatures.sign import check_certificate, load_pkcs12_signer, sign_pdf
from sakti_cli.signatures.validate import signed_revision_intact, verify_pdf

pytestmark = pytest.mark.slow
needs_pdfsig = pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing")
KODE = "SKTM-7X3Q-91"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tte")


@pytest.fixture(scope="module")
def pki(work: Path) -> DemoPki:
    return make_demo_pki(work / "pki", "rahasia")


@pytest.fixture(scope="module")
def nssdir(work: Path, pki: DemoPki) -> str:
    return make_nss_db(work / "nss", pki.root_cert)


@pytest.fixture(scope="module")
def signer(pki: DemoPki):
    return load_pkcs12_signer(pki.signer_p12, b"rahasia")


@pytest.fixture(scope="module")
def signed(work: Path, signer) -> Path:
    src = make_pdf(work / "surat.pdf", info={"SaktiKodeVerifikasi": KODE})
    dst = work / "surat-tte.pdf"
    sign_pdf(src, dst, signer, reason="Surat keterangan", location="Pangkalan Bun", signer_name="Camat")
    return dst


def _sign(src: Path, dst: Path, signer, field: str = "TTE") -> Path:
    sign_pdf(src, dst, signer, field_name=field, reason="Uji", location="Pangkalan Bun", signer_name=None)
    return dst


def test_demo_pki_files_are_private(pki: DemoPki) -> None:
    for path in (pki.root_cert, pki.signer_p12, pki.signer_cert, pki.crl):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_signed_pdf_verifies(signed: Path, pki: DemoPki) -> None:
    result = verify_pdf(signed, [pki.root_cert])
    assert result.info["/SaktiKodeVerifikasi"] == KODE
    [sig] = result.signatures
    assert (sig.intact, sig.valid, sig.trusted, sig.modified_after) == (True, True, True, False)
    assert sig.coverage == "ENTIRE_FILE" and sig.later_revisions == 0
    assert sig.subfilter == "ETSI.CAdES.detached"
    assert sig.signer == "Kecamatan Arut Selatan (DEMO)" and sig.field == "TTE"
    assert sig.signing_time is not None and sig.signing_time.tzinfo is not None
    assert abs(datetime.now(UTC) - sig.signing_time) < timedelta(minutes=5)
    assert sig.ok and sig.pesan is None and signed_revision_intact(sig)
    json.dumps(result.to_dict())  # plain data


@needs_pdfsig
def test_pdfsig_accepts_signature(signed: Path, nssdir: str) -> None:
    out = run_pdfsig(signed, nssdir)
    assert "Signature is Valid" in out and "Certificate is Trusted" in out, out


@needs_pdfsig
def test_altered_signed_bytes_detected(work: Path, signed: Path, pki: DemoPki, nssdir: str) -> None:
    data = signed.read_bytes()
    at = data.index(b"SURAT KETERANGAN")  # inside the content stream, i.e. inside the signed range
    tampered = work / "diubah.pdf"
    tampered.write_bytes(data[:at] + b"X" + data[at + 1 :])

    [sig] = verify_pdf(tampered, [pki.root_cert]).signatures
    assert not sig.intact and not sig.valid and not sig.trusted
    assert not signed_revision_intact(sig) and not sig.ok
    assert sig.pesan and "diubah" in sig.pesan
    out = run_pdfsig(tampered, nssdir)
    assert "Signature is Valid" not in out, out


def test_untrusted_root(work: Path, signed: Path) -> None:
    other = make_demo_pki(work / "pki-lain")
    [sig] = verify_pdf(signed, [other.root_cert]).signatures
    assert sig.intact and sig.valid and not sig.trusted
    assert signed_revision_intact(sig)  # the document is unchanged; only the signer is unknown
    assert sig.pesan and "akar tepercaya" in sig.pesan


def test_no_trust_roots_means_untrusted(signed: Path) -> None:
    [sig] = verify_pdf(signed, []).signatures  # never falls back to the OS trust store
    assert sig.intact and not sig.trusted


def test_unreadable_trust_root(work: Path, signed: Path) -> None:
    bad = work / "bukan-sertifikat.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nrusak\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigError):
        verify_pdf(signed, [bad])
    with pytest.raises(ConfigError):
        verify_pdf(signed, [work / "tidak-ada.pem"])


def test_wrong_passphrase(pki: DemoPki) -> None:
    with pytest.raises(SigningKeyError, match="Sandi \\(passphrase\\) salah") as info:
        load_pkcs12_signer(pki.signer_p12, b"salah")
    assert str(pki.signer_p12) in info.value.pesan


def test_not_a_pkcs12(work: Path, signed: Path) -> None:
    with pytest.raises(SigningKeyError, match="bukan berkas PKCS#12") as info:
        load_pkcs12_signer(signed, b"rahasia")
    assert str(signed) in info.value.pesan
    with pytest.raises(SigningKeyError, match="tidak dapat dibaca"):
        load_pkcs12_signer(work / "tidak-ada.p12", b"rahasia")


def test_expired_signer_refused(work: Path) -> None:
    now = datetime.now(UTC)
    old = make_demo_pki(
        work / "pki-lama", now=now, not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)
    )
    expired = load_pkcs12_signer(old.signer_p12, b"demo")
    with pytest.raises(SigningKeyError, match="kedaluwarsa"):
        check_certificate(expired, now)
    with pytest.raises(SigningKeyError, match="kedaluwarsa"):
        _sign(make_pdf(work / "untuk-kedaluwarsa.pdf"), work / "tak-jadi.pdf", expired)
    assert not (work / "tak-jadi.pdf").exists()
    # ... and it was fine while it was valid
    assert check_certificate(expired, now - timedelta(days=100)) == []


def test_certificate_warnings_and_not_yet_valid(signer) -> None:
    cert = signer.signing_cert
    end = cert.not_valid_after
    warnings = check_certificate(signer, end - timedelta(days=10))
    assert len(warnings) == 1 and "kedaluwarsa dalam" in warnings[0]
    with pytest.raises(SigningKeyError, match="belum berlaku"):
        check_certificate(signer, cert.not_valid_before - timedelta(days=1))


@needs_pdfsig
def test_second_signature_is_a_later_revision(
    work: Path, signed: Path, signer, pki: DemoPki, nssdir: str
) -> None:
    twice = _sign(signed, work / "dua-tte.pdf", signer, field="TTE_Sekcam")
    first, second = verify_pdf(twice, [pki.root_cert]).signatures
    assert (first.field, second.field) == ("TTE", "TTE_Sekcam")
    assert first.later_revisions == 1 and second.later_revisions == 0
    assert first.coverage == "ENTIRE_REVISION" and second.coverage == "ENTIRE_FILE"
    for sig in (first, second):
        assert sig.intact and sig.valid and sig.trusted and not sig.modified_after and sig.ok
        assert signed_revision_intact(sig)
    assert pdfsig_verdict_ok(run_pdfsig(twice, nssdir))


def test_same_field_twice_refused(work: Path, signed: Path, signer) -> None:
    with pytest.raises(StateConflict):
        _sign(signed, work / "tte-lagi.pdf", signer)


def test_content_changed_in_later_update(work: Path, signed: Path, pki: DemoPki) -> None:
    """An incremental update that replaces the page content keeps the signed bytes, but is caught."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed.read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0]
    page["/Contents"] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 760 Td (PALSU) Tj ET")
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    forged = work / "palsu.pdf"
    forged.write_bytes(out.getvalue())

    [sig] = verify_pdf(forged, [pki.root_cert]).signatures
    assert sig.intact and sig.later_revisions == 1
    assert sig.modified_after and not signed_revision_intact(sig) and not sig.ok


def test_sign_in_place(work: Path, signer, pki: DemoPki) -> None:
    path = make_pdf(work / "di-tempat.pdf")
    path.chmod(0o644)
    _sign(path, path, signer)
    assert path.stat().st_mode & 0o777 == 0o644
    [sig] = verify_pdf(path, [pki.root_cert]).signatures
    assert sig.ok
    assert not [p for p in work.iterdir() if p.name.startswith(".di-tempat")]  # no temp file left


@pytest.mark.skipif(not (PDFSIG and CERTUTIL and PK12UTIL), reason="poppler-utils/libnss3-tools missing")
def test_signature_made_by_other_software(work: Path, pki: DemoPki) -> None:
    nss_signer = make_nss_db(work / "nss-penanda-tangan", pki.root_cert)
    dst = work / "poppler-tte.pdf"
    pdfsig_sign(make_pdf(work / "untuk-poppler.pdf"), dst, nss_signer, pki.signer_p12, "rahasia")
    [sig] = verify_pdf(dst, [pki.root_cert]).signatures
    assert sig.subfilter == "adbe.pkcs7.detached"
    assert sig.intact and sig.valid and sig.trusted and sig.ok


def test_not_a_pdf(work: Path, pki: DemoPki) -> None:
    path = work / "bukan.pdf"
    path.write_text("ini bukan PDF\n")
    with pytest.raises(FileUnreadable):
        verify_pdf(path, [pki.root_cert])
    with pytest.raises(FileUnreadable):
        verify_pdf(work / "tidak-ada.pdf", [pki.root_cert])


def test_not_a_pdf_cannot_be_signed(work: Path, signer) -> None:
    path = work / "bukan-juga.pdf"
    path.write_text("ini bukan PDF\n")
    with pytest.raises(FileUnreadable):
        _sign(path, work / "x.pdf", signer)


def test_unsigned_pdf(work: Path, pki: DemoPki) -> None:
    result = verify_pdf(make_pdf(work / "polos.pdf", info={"SaktiKodeVerifikasi": KODE}), [pki.root_cert])
    assert result.signatures == []
    assert result.info["/SaktiKodeVerifikasi"] == KODE
    assert len(result.sha256) == 64 and result.revisions == 1


def test_p12_without_key(work: Path, pki: DemoPki) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    cert = x509.load_pem_x509_certificate(pki.signer_cert.read_bytes())
    only_cert = work / "hanya-sertifikat.p12"
    only_cert.write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", None, None, [cert], BestAvailableEncryption(b"pw"))
    )
    with pytest.raises(SigningKeyError, match="tidak berisi kunci privat"):
        load_pkcs12_signer(only_cert, b"pw")


def test_an_inconsistent_rsa_key_is_refused_when_the_file_is_opened(work: Path) -> None:
    """sign._key_parsed_once skips cryptography's RSA consistency check because the PKCS#12 loader already
    ran it: a key whose CRT value was altered must be refused here, before anything is signed with it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.private_numbers()
    broken = rsa.RSAPrivateNumbers(n.p, n.q, n.d, n.dmp1, n.dmq1, (n.iqmp + 1) % n.p, n.public_numbers)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Kunci Rusak")])
    moment = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(moment - timedelta(days=1)).not_valid_after(moment + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    bad = work / "kunci-rusak.p12"
    bad.write_bytes(pkcs12.serialize_key_and_certificates(
        b"x", broken.private_key(unsafe_skip_rsa_key_validation=True), cert, None, BestAvailableEncryption(b"pw")))
    with pytest.raises(SigningKeyError, match="rusak") as info:
        load_pkcs12_signer(bad, b"pw")
    assert str(bad) in info.value.pesan and "Sandi" not in info.value.pesan


def test_unreachable_timestamp_server(work: Path, signer) -> None:
    """Port 9 on localhost refuses at once: no real network is involved."""
    with pytest.raises(EnvironmentProblem, match="TSA"):
        sign_pdf(
            make_pdf(work / "untuk-tsa.pdf"),
            work / "tsa.pdf",
            signer,
            reason="Uji",
            location="PB",
            signer_name=None,
            timestamp_url="http://127.0.0.1:9/tsa",
        )
    assert not (work / "tsa.pdf").exists()
