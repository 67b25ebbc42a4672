"""The file store of a PostgreSQL register: scans and PDFs in the database (:mod:`.files`), the workspace folder
each desk's cache of them.

A file keeps its place under the workspace (``data/berkas/REG/…``, ``data/surat/YYYY/MM/…``), so everything that
opens a file by its path works unchanged; :meth:`PgFileStore.keep` puts its content in the database (by SHA-256,
once) and :meth:`PgFileStore.fetch` brings it to this desk when it is missing here or differs from its digest
(written atomically, 0600). Keeping inside a register step writes the file in that step's transaction (a
savepoint of it): the record and its file are committed together or not at all.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from sakti_cli.core.errors import FileUnreadable, NotFound, os_reason
from sakti_cli.core.storage import atomic_write, sha256_file
from sakti_cli.register import session
from sakti_cli.register.pg.files import get_file, put_file

if TYPE_CHECKING:
    from sakti_cli.register.pg.session import PgRegister


class PgFileStore(session.FileStore):
    def __init__(self, register: PgRegister, workspace_root: Path) -> None:
        self.register = register
        self.workspace_root = workspace_root

    def _within(self, path: Path) -> Path:
        """``path`` as a place under the workspace (a relative one is taken from the workspace's folder)."""
        full = path if path.is_absolute() else self.workspace_root / path
        try:
            full.resolve().relative_to(self.workspace_root.resolve())
        except ValueError:
            raise FileUnreadable(f"Berkas {path} tidak berada di folder kantor {self.workspace_root}.",
                                 saran="Berkas register disimpan di bawah data/ folder kantor.") from None
        return full

    def keep(self, path: Path, sha256: str | None = None) -> str:
        full = self._within(path)
        try:
            content = full.read_bytes()
        except OSError as exc:
            raise FileUnreadable(f"Berkas {full} tidak dapat dibaca : {os_reason(exc)}.",
                                 saran="Periksa berkasnya, lalu ulangi.", berkas=str(full)) from None
        digest = hashlib.sha256(content).hexdigest()
        if sha256 is not None and digest != sha256.lower():
            raise FileUnreadable(f"Berkas {full} berubah sejak dicatat (SHA-256 {digest[:12]}…, register "
                                 f"{sha256[:12]}…); tidak disimpan.", saran="Ulangi langkahnya.", berkas=str(full))
        with self.register.cursor() as cur:
            put_file(cur, content, mimetypes.guess_type(full.name)[0] or "application/octet-stream")
        return digest

    def fetch(self, path: Path, sha256: str) -> Path:
        full = self._within(path)
        wanted = sha256.lower()
        if full.is_file() and sha256_file(full) == wanted:
            return full
        try:
            with self.register.cursor() as cur:
                content = get_file(cur, wanted)
        except NotFound:
            raise FileUnreadable(f"Berkas {full} tidak ada di register (SHA-256 {wanted[:12]}…).",
                                 saran="Jalankan 'sakti register periksa' untuk melihat berkas yang hilang; "
                                       "pulihkan dari cadangan bila perlu.", berkas=str(full)) from None
        if hashlib.sha256(content).hexdigest() != wanted:  # the database checks it too (berkas_sha256_cocok)
            raise FileUnreadable(f"Berkas {full} di register tidak cocok dengan SHA-256-nya.",
                                 saran="Jalankan 'sakti register periksa'.", berkas=str(full))
        atomic_write(full, content)
        return full

    def forget(self, path: Path, sha256: str | None = None) -> None:
        """Remove the file from the store, unless an application still holds it (a scan stored once for several
        applications stays until the last one's retention; the caller has marked its own entry ``dihapus``)."""
        full = self._within(path)
        digest = sha256.lower() if sha256 else (sha256_file(full) if full.is_file() else None)
        if digest is not None:
            with self.register.cursor() as cur:  # berkas_dipegang: schema m003
                cur.execute("DELETE FROM berkas b WHERE b.sha256 = %s AND NOT EXISTS (SELECT 1 FROM berkas_dipegang h "
                            "WHERE h.kantor = b.kantor AND h.sha256 = b.sha256)", (digest,))
        full.unlink(missing_ok=True)
