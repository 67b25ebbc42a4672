"""Test helpers around signatures: a tiny PDF, an NSS database and poppler's ``pdfsig``.

``pdfsig`` is an independent verifier (poppler + NSS, as in many PDF readers on Linux), so a test
that passes both pyHanko and pdfsig shows the signature is not only self-consistent.
Note: pdfsig exits 0 whatever the verdict; read its output.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")
PK12UTIL = shutil.which("pk12util")


def around_both_clocks(fixed: str, days_before: int = 30, valid_days: int = 730) -> tuple[datetime, datetime]:
    """A key's validity that holds at the office's frozen clock (``SAKTI_WAKTU``) and at the machine's,
    which signing and validation read: tests built on the frozen clock alone failed from late 2028."""
    office, machine = datetime.fromisoformat(fixed).astimezone(UTC), datetime.now(UTC)
    return min(office, machine) - timedelta(days=days_before), max(office, machine) + timedelta(days=valid_days)


def make_pdf(
    path: Path, text: str = "SURAT KETERANGAN TIDAK MAMPU", info: dict[str, str] | None = None
) -> Path:
    """Write a one-page PDF with an uncompressed content stream (so tests can find and alter text).

    ``info`` entries go to the document information dictionary, keys without the leading slash.
    """
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    info = {"Title": "Surat uji", "Producer": "sakti tests", **(info or {})}
    info_dict = " ".join(f"/{k} ({v})" for k, v in info.items())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< {info_dict} >>".encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def make_nss_db(folder: Path, root_pem: Path, nickname: str = "root") -> str:
    """Create an empty-password NSS database trusting ``root_pem`` as a CA; return ``sql:DIR``."""
    assert CERTUTIL, "certutil (libnss3-tools) is not installed"
    folder.mkdir(parents=True, exist_ok=True)
    nssdir = f"sql:{folder}"
    subprocess.run([CERTUTIL, "-N", "--empty-password", "-d", nssdir], check=True, capture_output=True)
    subprocess.run(
        [CERTUTIL, "-A", "-n", nickname, "-t", "C,C,C", "-i", str(root_pem), "-d", nssdir],
        check=True,
        capture_output=True,
    )
    return nssdir


def run_pdfsig(pdf: Path, nssdir: str) -> str:
    """Run ``pdfsig`` (no OCSP, so never the network) and return stdout + stderr."""
    assert PDFSIG, "pdfsig (poppler-utils) is not installed"
    proc = subprocess.run([PDFSIG, "-nssdir", nssdir, str(pdf)], capture_output=True, text=True, timeout=60)
    return proc.stdout + proc.stderr


def pdfsig_verdict_ok(output: str) -> bool:
    """Every signature pdfsig listed is valid and trusted."""
    count = output.count("Signature Validation:")
    return (
        count > 0
        and output.count("Signature is Valid") == count
        and output.count("Certificate is Trusted") == count
    )


def pdfsig_sign(
    src: Path, dst: Path, nssdir: str, p12: Path, passphrase: str, field: str = "Poppler"
) -> None:
    """Sign with poppler/NSS (``adbe.pkcs7.detached``): a signature made by other software."""
    assert PDFSIG and PK12UTIL and CERTUTIL, "poppler-utils/libnss3-tools missing"
    subprocess.run(
        [PK12UTIL, "-i", str(p12), "-d", nssdir, "-W", passphrase, "-K", ""],
        check=True,
        capture_output=True,
    )
    listing = subprocess.run(
        [CERTUTIL, "-L", "-d", nssdir], check=True, capture_output=True, text=True
    ).stdout
    nick = next(line.rsplit(None, 1)[0].strip() for line in listing.splitlines() if line.endswith("u,u,u"))
    proc = subprocess.run(
        [
            PDFSIG,
            "-nssdir",
            nssdir,
            "-add-signature",
            "-nick",
            nick,
            "-new-signature-field-name",
            field,
            "-reason",
            "uji",
            str(src),
            str(dst),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dst.exists(), proc.stdout + proc.stderr
