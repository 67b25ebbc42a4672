"""PAdES levels B-B, B-T and B-LT against a TSA on 127.0.0.1, several signatures, and what
verification reports per signature; every output re-checked by pyHanko and by poppler's pdfsig."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pki_helpers import CERTUTIL, PDFSIG, PK12UTIL, make_nss_db, make_pdf, pdfsig_sign, pdfsig_verdict_ok, run_pdfsig

from sakti_cli.core.errors import EnvironmentProblem, SigningKeyError
from sakti_cli.signatures.pki import (
    CertificatePair,
    DemoPki,
    DemoTsa,
    make_certificate_pair,
    make_crl,
    make_tsa_certificate,
    write_demo_pki,
)
from sakti_cli.signatures.sign import ValidationData, load_pkcs12_signer, sign_pdf
from sakti_cli.signatures.validate import verify_pdf

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing")]
CRL_URL = "http://crl.demo.invalid/sakti-root.crl"  # only a name: nothing ever fetches it


@dataclass
class Lab:
    """One demo CA with a camat and a sekcam key, its CRL, a TSA on 127.0.0.1 and an NSS db trusting the root."""

    work: Path
    pair: CertificatePair
    pki: DemoPki
    sekcam_p12: Path
    tsa_url: str
    tsa: DemoTsa
    nssdir: str

    def data(self, crls: list[Path] | None = None) -> ValidationData:
        return ValidationData(trust_roots=[self.pki.root_cert], crls=[self.pki.crl] if crls is None else crls)

    def pdf(self, name: str) -> Path:
        return make_pdf(self.work / name, info={"SaktiKodeVerifikasi": "UJI-TTD"})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    from sakti_cli.signatures.pki import pkcs12_bytes, write_private

    work = tmp_path_factory.mktemp("tingkat")
    now = datetime.now(UTC)
    pair = make_certificate_pair(now=now, crl_url=CRL_URL)
    pki = write_demo_pki(work / "pki", pair, "demo", now=now)
    sekcam = make_certificate_pair(now=now, root=pair, signer_name="Sekretaris Kecamatan (DEMO)", crl_url=CRL_URL)
    sekcam_p12 = work / "pki" / "sekcam.p12"
    write_private(sekcam_p12, pkcs12_bytes(sekcam, "demo"))
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=now, crl_url=CRL_URL)
    tsa = DemoTsa(tsa_key, tsa_cert, [pair.root_cert])
    with tsa as url:
        yield Lab(work, pair, pki, sekcam_p12, url, tsa, make_nss_db(work / "nss", pki.root_cert))


@pytest.fixture(scope="module")
def camat(lab: Lab):
    return load_pkcs12_signer(lab.pki.signer_p12, b"demo")


@pytest.fixture(scope="module")
def b_lt(lab: Lab, camat) -> Path:
    out = lab.work / "b-lt.pdf"
    level = sign_pdf(lab.pdf("untuk-b-lt.pdf"), out, camat, reason="Uji", location="Pangkalan Bun",
                     signer_name="Camat", timestamp_url=lab.tsa_url, validation_data=lab.data())
    assert level == "B-LT"
    return out


def _strict_offline_from_dss(pdf: Path, root: Path):
    """pyHanko's validation with only the root and the data embedded in the file: no fetching,
    revocation information required for every certificate (signer's and TSA's)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    dss = DocumentSecurityStore.read_dss(reader)
    anchor = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(root.read_bytes()).public_bytes(Encoding.DER))
    vc = dss.as_validation_context({"trust_roots": [anchor], "allow_fetching": False, "revocation_mode": "require"})
    return [validate_pdf_signature(emb, vc) for emb in reader.embedded_signatures], dss


def test_b_b_is_offline_by_default(lab: Lab, camat) -> None:
    before = lab.tsa.requests
    out = lab.work / "b-b.pdf"
    assert sign_pdf(lab.pdf("untuk-b-b.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                    validation_data=lab.data()) == "B-B"  # validation data alone does not call anyone
    assert lab.tsa.requests == before
    [sig] = verify_pdf(out, [lab.pki.root_cert]).signatures
    assert sig.level == "B-B" and sig.timestamp_time is None and sig.tsa is None and sig.ok
    assert sig.trust_root and "SAKTI Demo Root CA" in sig.trust_root
    assert pdfsig_verdict_ok(run_pdfsig(out, lab.nssdir))


def test_b_t_with_local_tsa(lab: Lab, camat) -> None:
    before = lab.tsa.requests
    out = lab.work / "b-t.pdf"
    assert sign_pdf(lab.pdf("untuk-b-t.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                    timestamp_url=lab.tsa_url) == "B-T"
    assert lab.tsa.requests > before  # (pyHanko also asks once to size the signature)
    result = verify_pdf(out, [lab.pki.root_cert])
    [sig] = result.signatures
    assert sig.level == "B-T" and sig.ok and sig.timestamp_ok
    assert sig.tsa == "SAKTI Demo TSA" and sig.timestamp_time is not None
    assert abs(sig.timestamp_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert sig.signing_time == sig.timestamp_time and result.revisions == 2 and sig.later == []
    assert pdfsig_verdict_ok(run_pdfsig(out, lab.nssdir))


def test_b_lt_validates_strictly_without_network(lab: Lab, b_lt: Path) -> None:
    statuses, dss = _strict_offline_from_dss(b_lt, lab.pki.root_cert)
    [status] = statuses
    assert status.bottom_line and status.trusted and status.timestamp_validity.trusted
    assert len(dss.crls) == 1 and len(dss.certs) >= 3  # signer, TSA, root
    result = verify_pdf(b_lt, [lab.pki.root_cert])
    [sig] = result.signatures
    assert sig.level == "B-LT" and sig.level_note is None and sig.ok
    assert sig.later == ["revisi 2: data validasi (DSS)"] and sig.later_revisions == 1
    assert sig.coverage == "ENTIRE_REVISION" and not sig.modified_after
    assert pdfsig_verdict_ok(run_pdfsig(b_lt, lab.nssdir))


def test_b_lta_detected_after_document_timestamp(lab: Lab, b_lt: Path) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(b_lt.read_bytes()))
    out = PdfTimeStamper(HTTPTimeStamper(lab.tsa_url), field_name="Arsip").timestamp_pdf(writer, "sha256")
    lta = lab.work / "b-lta.pdf"
    lta.write_bytes(out.getvalue())
    sig, stamp = verify_pdf(lta, [lab.pki.root_cert]).signatures
    assert sig.level == "B-LTA" and sig.ok
    assert stamp.kind == "cap_waktu_dokumen" and stamp.tsa == "SAKTI Demo TSA" and stamp.ok and stamp.level is None
    assert sig.later == ["revisi 2: data validasi (DSS)", "revisi 3: cap waktu dokumen Arsip"]


def test_b_lt_refused_when_office_has_no_crl(lab: Lab, camat) -> None:
    out = lab.work / "tanpa-crl.pdf"
    with pytest.raises(SigningKeyError) as info:
        sign_pdf(lab.pdf("untuk-tanpa-crl.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                 timestamp_url=lab.tsa_url, validation_data=lab.data(crls=[]))
    assert not out.exists()
    assert "B-LT" in info.value.pesan and "data pencabutan (CRL)" in info.value.pesan


def test_revoked_signer_refused_at_b_lt(lab: Lab, camat) -> None:
    revoked = lab.work / "dicabut.crl"
    revoked.write_bytes(make_crl(lab.pair, datetime.now(UTC), revoked=[lab.pair.signer_cert], number=2))
    out = lab.work / "dicabut.pdf"
    with pytest.raises(SigningKeyError) as info:
        sign_pdf(lab.pdf("untuk-dicabut.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                 timestamp_url=lab.tsa_url, validation_data=lab.data(crls=[revoked]))
    assert not out.exists()
    assert "dicabut menurut CRL kantor" in info.value.pesan and info.value.saran and "baru" in info.value.saran


def test_tsa_not_answering(lab: Lab, camat) -> None:
    out = lab.work / "tsa-mati.pdf"
    with pytest.raises(EnvironmentProblem, match="TSA"):
        sign_pdf(lab.pdf("untuk-tsa-mati.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                 timestamp_url="http://127.0.0.1:9/tsa", validation_data=lab.data())  # port 9 refuses at once
    assert not out.exists()


def test_paraf_then_camat_both_valid(lab: Lab, camat) -> None:
    sekcam = load_pkcs12_signer(lab.sekcam_p12, b"demo")
    paraf = lab.work / "paraf.pdf"
    original = lab.pdf("untuk-paraf.pdf")
    assert sign_pdf(original, paraf, sekcam, field_name="Paraf", reason="Paraf", location="PB",
                    signer_name=None) == "B-B"
    final = lab.work / "paraf-camat.pdf"
    assert sign_pdf(paraf, final, camat, field_name="TTE", reason="TTE", location="PB", signer_name=None,
                    timestamp_url=lab.tsa_url, validation_data=lab.data()) == "B-LT"
    # incremental: the earlier file is a byte prefix of the later one
    assert final.read_bytes().startswith(paraf.read_bytes()) and paraf.read_bytes().startswith(original.read_bytes())
    result = verify_pdf(final, [lab.pki.root_cert])
    first, second = result.signatures
    assert (first.field, first.signer, first.level) == ("Paraf", "Sekretaris Kecamatan (DEMO)", "B-B")
    assert (second.field, second.signer, second.level) == ("TTE", "Kecamatan Arut Selatan (DEMO)", "B-LT")
    assert first.ok and second.ok and not first.modified_after and not second.modified_after
    assert first.later == ["revisi 2: tanda tangan TTE", "revisi 3: data validasi (DSS)"]
    out = run_pdfsig(final, lab.nssdir)
    assert out.count("Signature Validation:") == 2 and pdfsig_verdict_ok(out), out


def test_untrusted_root(lab: Lab, b_lt: Path, tmp_path: Path) -> None:
    other = make_certificate_pair(now=datetime.now(UTC), root_key_size=2048)
    other_root = tmp_path / "akar-lain.pem"
    other_root.write_bytes(other.root_cert.public_bytes(Encoding.PEM))
    [sig] = verify_pdf(b_lt, [other_root]).signatures
    assert sig.intact and sig.valid and not sig.trusted and sig.trust_root is None and not sig.ok
    assert sig.pesan and "akar tepercaya" in sig.pesan
    assert sig.level == "B-T" and sig.level_note  # the embedded data proves nothing without the right root
    out = run_pdfsig(b_lt, make_nss_db(tmp_path / "nss-lain", other_root))
    assert "Signature is Valid" in out and "Certificate is Trusted" not in out, out


def test_altered_signed_bytes(lab: Lab, b_lt: Path, tmp_path: Path) -> None:
    data = b_lt.read_bytes()
    at = data.index(b"SURAT KETERANGAN")
    altered = tmp_path / "diubah.pdf"
    altered.write_bytes(data[:at] + b"P" + data[at + 1:])
    [sig] = verify_pdf(altered, [lab.pki.root_cert]).signatures
    assert not sig.intact and not sig.ok and sig.pesan and "diubah" in sig.pesan
    out = run_pdfsig(altered, lab.nssdir)
    assert "Signature is Valid" not in out, out


@pytest.mark.skipif(not PK12UTIL, reason="libnss3-tools missing")
def test_pdf_signed_by_other_software(lab: Lab) -> None:
    dst = lab.work / "poppler.pdf"
    pdfsig_sign(lab.pdf("untuk-poppler.pdf"), dst, make_nss_db(lab.work / "nss-poppler", lab.pki.root_cert),
                lab.pki.signer_p12, "demo")
    [sig] = verify_pdf(dst, [lab.pki.root_cert]).signatures
    assert sig.subfilter == "adbe.pkcs7.detached" and sig.level is None
    assert sig.ok and sig.trusted and sig.signer == "Kecamatan Arut Selatan (DEMO)"
    json_ready = sig.to_dict()
    assert json_ready["tingkat"] is None and json_ready["waktu_cap_waktu"] is None


def test_b_lt_refused_when_signer_not_under_office_root(lab: Lab, camat, tmp_path: Path) -> None:
    other = make_certificate_pair(now=datetime.now(UTC), root_key_size=2048)
    other_root = tmp_path / "akar-lain.pem"
    other_root.write_bytes(other.root_cert.public_bytes(Encoding.PEM))
    out = tmp_path / "akar-lain.pdf"
    with pytest.raises(SigningKeyError) as info:
        sign_pdf(lab.pdf("untuk-akar-lain.pdf"), out, camat, reason="Uji", location="PB", signer_name=None,
                 timestamp_url=lab.tsa_url,
                 validation_data=ValidationData(trust_roots=[other_root], crls=[lab.pki.crl]))
    assert "B-LT" in info.value.pesan and "akar tepercaya" in info.value.pesan
    assert not out.exists()
