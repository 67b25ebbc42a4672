"""A throw-away certificate authority for demos and tests.

Real offices sign with a key issued by BSrE; until they have one, ``sakti`` can run end to end
with this demo PKI: one self-signed root and one signer certificate. Nothing here is meant to be
trusted outside the demo, hence "(DEMO)" in every name.

The files are the ones a real deployment has too (a PKCS#12 key file and the root certificate to
trust), so the signing and verification code paths are the same as in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.storage import write_private  # the one private writer; re-exported for PKI callers

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

ORGANISASI = "Kecamatan Arut Selatan (DEMO)"
ROOT_CN = "SAKTI Demo Root CA"
SIGNER_CN = "Kecamatan Arut Selatan (DEMO)"
"""The demo signer is the demo office's seal: its certificate names the office, so the demo office may
sign unattended with it (``sifat = "segel"``, see keys.seal_findings)."""
TSA_CN = "SAKTI Demo TSA"
ROOT_KEY_SIZE = 3072
"""RSA 3072 for the root: it is made once per demo and costs well under a second."""
SIGNER_KEY_SIZE = 2048
ROOT_VALID_YEARS = 10

OID_DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"
"""id-kp-documentSigning (RFC 9336). emailProtection is added too: NSS/poppler require it."""


@dataclass(frozen=True)
class DemoPki:
    """Where :func:`make_demo_pki` wrote its files."""

    root_cert: Path
    """Root certificate (PEM): the trust anchor given to ``verify_pdf`` or imported into a reader."""
    signer_p12: Path
    """Signer key + certificate + root (PKCS#12, encrypted with the passphrase)."""
    signer_cert: Path
    """Signer certificate (PEM), handy for inspection."""
    crl: Path
    """Empty CRL (DER) issued by the root, for long-term-validation (B-LT) work."""


@dataclass(frozen=True)
class CertificatePair:
    """A root and a signer certificate with their keys, in memory (``cryptography`` objects)."""

    root_key: rsa.RSAPrivateKey
    root_cert: x509.Certificate
    signer_key: rsa.RSAPrivateKey
    signer_cert: x509.Certificate


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISASI),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )


def _key_usage(*, signing: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def make_certificate_pair(
    *,
    now: datetime | None = None,
    signer_name: str = SIGNER_CN,
    valid_days: int = 730,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    root: CertificatePair | None = None,
    crl_url: str | None = None,
    root_key_size: int = ROOT_KEY_SIZE,
) -> CertificatePair:
    """Make a root CA and a signer certificate issued by it.

    ``not_before``/``not_after`` override the signer's validity (tests use them for an expired or
    not-yet-valid signer); the root always covers the signer's period. ``root`` reuses the root of
    an earlier pair, so a second signer chains to the same trust anchor. ``crl_url`` adds a CRL
    distribution point; it is only a name, verification never fetches it.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = not_before or now - timedelta(minutes=5)
    end = not_after or now + timedelta(days=valid_days)

    if root is None:
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=root_key_size)
        root_start = min(start, now) - timedelta(days=1)
        root_end = max(end, now + timedelta(days=365 * ROOT_VALID_YEARS))
        root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(_name(ROOT_CN))
            .issuer_name(_name(ROOT_CN))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(root_start)
            .not_valid_after(root_end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(signing=False), critical=True)
            .add_extension(root_ski, critical=False)
            .sign(root_key, hashes.SHA256())
        )
    else:
        root_key, root_cert = root.root_key, root.root_cert

    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=SIGNER_KEY_SIZE)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name))
        .issuer_name(root_cert.subject)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(OID_DOCUMENT_SIGNING)]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    signer_cert = builder.sign(root_key, hashes.SHA256())
    return CertificatePair(root_key, root_cert, signer_key, signer_cert)


def pkcs12_bytes(pair: CertificatePair, passphrase: str) -> bytes:
    """PKCS#12 with PBES2/AES-256 and a SHA-256 MAC: readable by OpenSSL 3, NSS and Windows."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode("utf-8"))
    )
    return pkcs12.serialize_key_and_certificates(
        b"sakti-demo", pair.signer_key, pair.signer_cert, [pair.root_cert], encryption
    )


def make_crl(
    pair: CertificatePair,
    now: datetime,
    *,
    revoked: list[x509.Certificate] | None = None,
    number: int = 1,
    valid_days: int = 30,
) -> bytes:
    """A CRL (DER) issued by ``pair``'s root, listing ``revoked`` certificates (empty by default)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pair.root_cert.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=valid_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pair.root_key.public_key()), critical=False
        )
    )
    for cert in revoked or []:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - timedelta(minutes=1))
            .build()
        )
    return builder.sign(pair.root_key, hashes.SHA256()).public_bytes(Encoding.DER)


def _empty_crl(pair: CertificatePair, now: datetime) -> bytes:
    return make_crl(pair, now)


def make_tsa_certificate(
    root: CertificatePair, *, now: datetime | None = None, name: str = TSA_CN, crl_url: str | None = None
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A time-stamping authority certificate (EKU timeStamping, critical) issued by ``root``'s CA.

    For a TSA on the office network or in tests; the key stays with whoever runs the TSA.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = (now or datetime.now(UTC)).astimezone(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=SIGNER_KEY_SIZE)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(root.root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=365 * 5), root.root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.root_key.public_key()), critical=False
        )
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return key, builder.sign(root.root_key, hashes.SHA256())


def complete_content_type_names() -> None:
    """Let a test TSA (pyHanko's DummyTimeStamper) name ``tst_info`` in this process, whatever ran before.

    asn1crypto.tsp adds 'tst_info' to cms.ContentType's map when first imported, but a name -> OID table built
    earlier in the process (any CMS work before, e.g. a certificate check of ``kantor periksa``) is cached
    without it, and a token could then not be made ("invalid literal ... 'tst_info'")."""
    from asn1crypto import cms, tsp  # noqa: F401  (tsp: its names into the map first)

    built = cms.ContentType._reverse_map
    if built is not None:
        for oid, name in cms.ContentType._map.items():
            built.setdefault(name, oid)


def make_demo_pki(
    folder: Path,
    passphrase: str = "demo",
    *,
    now: datetime | None = None,
    signer_name: str = SIGNER_CN,
    valid_days: int = 730,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    crl_url: str | None = None,
) -> DemoPki:
    """Create a demo root and signer and write them to ``folder`` (files 0600).

    Writes ``demo-root.pem``, ``demo-signer.p12``, ``demo-signer.pem`` and ``demo-root.crl``;
    existing files of those names are replaced.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    pair = make_certificate_pair(
        now=now,
        signer_name=signer_name,
        valid_days=valid_days,
        not_before=not_before,
        not_after=not_after,
        crl_url=crl_url,
    )
    return write_demo_pki(folder, pair, passphrase, now=now)


def write_demo_pki(folder: Path, pair: CertificatePair, passphrase: str, *, now: datetime) -> DemoPki:
    """Write ``pair`` as the demo files (see :func:`make_demo_pki`), with an empty CRL issued at ``now``."""
    from cryptography.hazmat.primitives.serialization import Encoding

    folder.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(
        root_cert=folder / "demo-root.pem",
        signer_p12=folder / "demo-signer.p12",
        signer_cert=folder / "demo-signer.pem",
        crl=folder / "demo-root.crl",
    )
    write_private(pki.root_cert, pair.root_cert.public_bytes(Encoding.PEM))
    write_private(pki.signer_p12, pkcs12_bytes(pair, passphrase))
    write_private(pki.signer_cert, pair.signer_cert.public_bytes(Encoding.PEM))
    write_private(pki.crl, _empty_crl(pair, now))
    return pki


class DemoTsa:
    """A tiny RFC 3161 time-stamping server on 127.0.0.1 for demos and tests (``with DemoTsa(...) as url``).

    Answers ``application/timestamp-query`` POSTs with pyHanko's ``DummyTimeStamper`` signing as the
    given TSA certificate (see :func:`make_tsa_certificate`). Never for production: it stamps anything.
    """

    def __init__(self, key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate] | None = None,
                 fixed: datetime | None = None) -> None:
        self.key, self.cert, self.chain = key, cert, list(chain or [])
        self.fixed = fixed
        """Stamp this time instead of the clock's (a renewal "years later" in tests)."""
        self.requests = 0
        self._server: Any = None
        self._thread: Any = None

    def __enter__(self) -> str:
        import http.server
        import threading

        from asn1crypto import keys, tsp
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        complete_content_type_names()
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.cert.public_bytes(Encoding.DER)),
            tsa_key=keys.PrivateKeyInfo.load(
                self.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            ),
            certs_to_embed=[asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in self.chain],  # type: ignore[arg-type]
            fixed_dt=self.fixed,
        )
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = tsp.TimeStampReq.load(self.rfile.read(length))
                    body = stamper.request_tsa_response(request).dump()
                except Exception:
                    self.send_error(400, "bukan permintaan RFC 3161")
                    return
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
