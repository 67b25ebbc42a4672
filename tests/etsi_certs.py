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
    """A certificate named ``name`` valid from ``days[0]`` to ``days[1]`` days from now; self-signed unless
    ``issuer`` names another (made-up) issuer, whose key then signs it."""
    key = ec.generate_private_key(ec.SECP256R1())
    signer = ec.generate_private_key(ec.SECP256R1()) if issuer else key
    now = datetime.now(UTC)
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
