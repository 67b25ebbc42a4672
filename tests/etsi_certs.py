"""Small X.509 certificates for the etsi tests: roots that are not the letter's, not a CA, expired or not
self-signed (EC keys: fast to make)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID


def write_cert(path: Path, name: str, *, ca: bool = True, days: tuple[int, int] = (-30, 3650),
               issuer: str | None = None) -> Path:
    """A certificate named ``name`` valid from ``days[0]`` to ``days[1]`` days from the clock under test
    (SAKTI_WAKTU, as ``kantor periksa`` reads it); self-signed unless ``issuer`` names another (made-up) issuer,
    whose key then signs it."""
    from sakti_cli.core.clock import now as clock_now

    key = ec.generate_private_key(ec.SECP256R1())
    signer = ec.generate_private_key(ec.SECP256R1()) if issuer else key
    now = clock_now(UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or name)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0])).not_valid_after(now + timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    path.chmod(0o600)  # as an office keeps its pki/ folder
    return path


def revoked_signature(folder: Path) -> tuple[Path, Path]:
    """A small PDF signed (no timestamp) by a fresh test signer whose root's CRL, embedded afterwards in the
    document security store, revokes it; and that root (PEM). The signer's certificate names a CRL
    distribution point, so validators look for one."""
    import io

    from asn1crypto import crl as asn1_crl
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat
    from pki_helpers import make_pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from sakti_cli.signatures.pki import make_certificate_pair, make_crl

    now = datetime.now(UTC)
    pair = make_certificate_pair(now=now - timedelta(days=10), crl_url="http://crl.invalid/akar.crl")

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))

    key = keys.PrivateKeyInfo.load(pair.signer_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=asn1(pair.signer_cert), signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([asn1(pair.root_cert)]))
    meta = signers.PdfSignatureMetadata(field_name="TTE", subfilter=fields.SigSeedSubFilter.PADES)
    source = make_pdf(folder / "asal.pdf").read_bytes()
    out = signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(source)))
    crl = asn1_crl.CertificateList.load(make_crl(pair, now - timedelta(days=1), revoked=[pair.signer_cert], number=2))
    DocumentSecurityStore.add_dss(out, sig_contents=None, certs=[asn1(pair.root_cert)], crls=[crl])
    pdf, root = folder / "dicabut.pdf", folder / "akar-dicabut.pem"
    pdf.write_bytes(out.getvalue())
    root.write_bytes(pair.root_cert.public_bytes(Encoding.PEM))
    root.chmod(0o600)
    return pdf, root
