"""Backups across backends: one archive format, whichever register it comes from or goes to.

- ``sakti cadangkan`` on a PostgreSQL workspace: the register (records, trail, files) is copied into a private
  temporary TinyDB folder (:func:`sakti_cli.register.copy.build_copy`: read in one snapshot of the database, every
  file checked against its digest, read back and compared), and today's archive is written from it, so the
  archive is exactly what a TinyDB workspace's backup holds (its sakti.toml without the server's address, the
  manifest naming the server in ``register_asal``). Restoring it into a folder gives a TinyDB workspace.
- ``sakti pulihkan ARSIP --ke postgresql://…`` (or on a PostgreSQL workspace without ``--ke``): today's checked
  restore (every guarantee of :mod:`sakti_cli.register.restore` against hostile archives, ``register periksa``
  on the restored copy, its ``pulihkan`` event naming the server) into a private temporary folder, then the copy
  into the empty PostgreSQL register in one transaction (:func:`sakti_cli.register.copy.to_server`), its ``salin``
  event (from the archive) committed with it. The
  archive's own office files (sakti.toml, sop, templat, pki) are checked but not installed: the desk's
  workspace keeps its own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import UsageError
from sakti_cli.register.copy import (
    Progress,
    build_copy,
    check_server_target,
    postgresql_source,
    refuse_unfit,
    source_url,
    tinydb_source,
    to_server,
)

if TYPE_CHECKING:
    from sakti_cli.signatures.keys import PassphrasePrompt


def backup_from_server(ws: Any, register: Any, target: Path, *, with_keys: bool, prompt: PassphrasePrompt | None,
                       progress: Progress) -> dict[str, Any]:
    """``sakti cadangkan`` of a workspace whose register is on a PostgreSQL server."""
    from sakti_cli.core.scratch import owned_temp
    from sakti_cli.register.backup import create_backup
    from sakti_cli.register.copy import _connect
    from sakti_cli.register.pg.url import describe
    from sakti_cli.register.places import SNAPSHOT_PREFIX

    url = source_url(ws)
    assert url is not None
    ws.data_dir.mkdir(parents=True, exist_ok=True)
    conn = _connect(ws, None)
    held = owned_temp(ws.data_dir, SNAPSHOT_PREFIX)  # full NIKs: swept if this process is killed
    try:
        progress(f"menyalin register dari {describe(url)} ke register TinyDB sementara")
        with postgresql_source(conn, url) as (source, snapshot):
            build_copy(ws, source, snapshot, held.path, progress=progress, config=False)
        progress("menulis arsip cadangan")
        return create_backup(ws, register, target, with_keys=with_keys, prompt=prompt, data_root=held.path,
                             origin=describe(url))
    finally:
        held.remove()
        conn.close()


def restore_to_server(archive: Path, url: str | None, ws: Any, *, actor: str | None,
                      prompt: PassphrasePrompt | None, progress: Progress) -> dict[str, Any]:
    """``sakti pulihkan ARSIP`` into an empty PostgreSQL register: ``url`` (from ``--ke``), else ``ws``'s own."""
    from sakti_cli.core.clock import now, office_zone
    from sakti_cli.core.privacy import mask_text
    from sakti_cli.core.scratch import owned_temp
    from sakti_cli.office.workspace import CONFIG_NAME, Workspace, load_config
    from sakti_cli.register.copy import _connect
    from sakti_cli.register.pg.connect import connect
    from sakti_cli.register.pg.schema import check_schema
    from sakti_cli.register.pg.url import check_url, describe
    from sakti_cli.register.places import RESTORE_PREFIX
    from sakti_cli.register.restore import restore_backup
    from sakti_cli.register.trail import default_actor

    if url is not None:
        url = check_url(url, "baris perintah (--ke)", UsageError)
    elif ws is not None:
        url = source_url(ws)
    if url is None:
        raise UsageError("Tujuan pemulihan tidak diberikan.",
                         saran="Pakai --ke FOLDER (register TinyDB baru) atau --ke postgresql://PERAN@SERVER/DB.")
    if ws is not None:
        conn = _connect(ws, url)
    else:
        conn = connect(url)
        check_schema(conn)
    try:
        check_server_target(conn, url)  # before anything is unpacked
        parent = ws.data_dir if ws is not None else Path(tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        held = owned_temp(parent, RESTORE_PREFIX)  # a whole register with full NIKs: swept if killed
        try:
            progress("memeriksa dan memulihkan cadangan ke folder sementara")
            restored = restore_backup(archive, held.path / "kantor", actor=actor, prompt=prompt,
                                      shown=describe(url))
            root = Path(restored["ke"])
            copy_ws = Workspace(root=root, config=load_config(root / CONFIG_NAME), found_by="pulihkan")
            with tinydb_source(copy_ws, copy_ws.config.register_settings.batas_tunggu_kunci) as (source, snapshot):
                refuse_unfit(snapshot)
                done = to_server(conn, url, source, snapshot, actor=mask_text(actor or default_actor()),
                                 moment=now(office_zone(copy_ws.config.kantor.zona_waktu)), progress=progress,
                                 detail={"dari": f"cadangan {restored['arsip']}"})
        finally:
            held.remove()
    finally:
        conn.close()
    return {**restored, "ke": done["ke"], "tujuan": "postgresql", "jumlah_berkas_register": done["berkas"]}
