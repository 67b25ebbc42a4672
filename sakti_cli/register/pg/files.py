"""Scans and signed PDFs of a PostgreSQL register: stored in the database itself, by SHA-256.

Why in the database rather than a file store beside it:
- every desk reaches them through the one connection it already has, with the same credentials: no network
  share to mount on each computer, whose file locks and permissions cannot be trusted (the reason this
  backend exists), and no second place to back up or to keep in step;
- a file is written in the same transaction as the record naming it: a desk that dies mid-step leaves
  neither a record without its file nor an orphan file;
- an office's files are kept from other offices by the same row-level security as its letters;
- the database checks each file: ``sha256`` must be the digest of ``isi`` and ``ukuran`` its length
  (constraints of ``berkas``), so a stored file cannot silently differ from what the register says.
The cost is size: a kecamatan's scans (a few hundred KB each) and PDFs (~100-300 KB) grow a database by a
few GB over years, well within PostgreSQL (bytea values are stored out of line, TOAST; compression is
switched off for them since JPEG and PDF are compressed already), and ``pg_dump`` carries them.
Files are content-addressed: the same scan uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sakti_cli.core.errors import NotFound

MAX_BYTES = 200 * 1024 * 1024  # one file; a bytea may hold 1 GB, a scan or letter is far below this


def put_file(cur: Any, content: bytes, jenis: str) -> str:
    """Store ``content`` (media type ``jenis``, e.g. application/pdf) once; its SHA-256 (hex)."""
    if len(content) > MAX_BYTES:
        from sakti_cli.core.errors import InputError

        raise InputError(f"Berkas {len(content) // (1024 * 1024)} MB terlalu besar untuk register.",
                         saran=f"Perkecil berkasnya (paling besar {MAX_BYTES // (1024 * 1024)} MB).")
    digest = hashlib.sha256(content).hexdigest()
    cur.execute("INSERT INTO berkas (sha256, ukuran, jenis, isi) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (kantor, sha256) DO NOTHING", (digest, len(content), jenis, content))
    return digest


def get_file(cur: Any, sha256: str) -> bytes:
    cur.execute("SELECT isi FROM berkas WHERE sha256 = %s", (sha256.lower(),))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"Berkas {sha256[:12]}… tidak ada di register.",
                       saran="Jalankan 'sakti register periksa' untuk melihat berkas yang hilang.")
    return bytes(row[0])


def has_file(cur: Any, sha256: str) -> bool:
    cur.execute("SELECT 1 FROM berkas WHERE sha256 = %s", (sha256.lower(),))
    return cur.fetchone() is not None
