"""``sakti register salin``: copy a whole register to the other backend (or another folder), source intact.

What is copied: applications, letters (every status, revisions, digests), counters and ``nomor mulai``, the
signing queue, batch row keys, the NIK index, the audit trail event by event with its hashes as they are, and
the files (scans, signed PDFs, the unsigned PDFs of the signing queue), each checked against its digest.
Refused before anything is written: a source with an open reservation (a number being issued right now:
"selesaikan dulu"), a source whose trail does not verify (the event named) or whose files do not match, and a
target that is not empty (exit 5).

A copy is all or nothing. Into PostgreSQL: one transaction, in which the copy is read back and compared with
the source part by part, and its chain verified, before it commits. Into a folder: the new workspace (sakti.toml
without the server's address, sop/, templat/, the certificates of pki/ but never its keys, the register, the
files) is built in a hidden folder beside the target, read back, compared, checked as ``register periksa``
does, and only then renamed into place.

Audit: the target's trail is the source's, byte for byte, followed by one ``salin`` event (from where, the
source's last hash, the figures), committed with the copy. The source gets one ``salin`` event too, after the
copy stood (to where, the same last hash): an auditor reading either trail sees that the register was copied,
when, by whom and where to, and the two trails are provably the same up to that hash. Nothing else of the source
changes: its records, counters and files stay byte for byte as they were.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sakti_cli.core.errors import RegisterCorrupt, StateConflict, UsageError, os_reason
from sakti_cli.register.backup import TargetNotEmpty, move_into_place
from sakti_cli.register.snapshot import (
    RegisterSnapshot,
    StoredFile,
    chain_break,
    describe_break,
    differences,
    files_of,
)
from sakti_cli.register.states import LetterStatus

Progress = Callable[[str], None]
COPY_PREFIX = ".salin-"  # beside a folder target: the workspace being built (full NIKs: swept if killed)
CONFIG_PARTS = ("sakti.toml", "sop", "templat", "pki")


class CopyMismatch(RegisterCorrupt):
    kode = "SALINAN_TIDAK_COCOK"


def is_server(target: str) -> bool:
    return target.strip().lower().startswith(("postgresql://", "postgres://"))


# --- sources --------------------------------------------------------------------------------------------------
@dataclass
class Source:
    """Where the copy comes from: read in one consistent view (TinyDB: under the lock; PostgreSQL: one
    REPEATABLE READ snapshot), files fetched within it."""

    backend: str
    where: str
    read_file: Callable[[StoredFile], bytes] = field(default=lambda item: b"")


@contextlib.contextmanager
def tinydb_source(ws: Any, lock_timeout: float) -> Iterator[tuple[Source, RegisterSnapshot]]:
    from sakti_cli.register.tiny.bulk import read_register
    from sakti_cli.register.tiny.engine import locked

    root = ws.register_dir
    if not (root / "meta.json").is_file():
        raise StateConflict(f"Register {root} masih kosong; tidak ada yang disalin.",
                            saran="Periksa folder kantornya (sakti --kantor DIR register salin ...).")
    with locked(root, lock_timeout):
        snapshot = read_register(root, str(root))

        def read(item: StoredFile) -> bytes:
            try:
                return (ws.root / item.path).read_bytes()
            except OSError as exc:
                raise RegisterCorrupt(f"Berkas {item.path} ({item.owner}) tidak dapat dibaca: {os_reason(exc)}; "
                                      "tidak disalin.", saran="Jalankan 'sakti register periksa' pada register asal.",
                                      berkas=str(ws.root / item.path)) from None

        yield Source("tinydb", str(root), read), snapshot


@contextlib.contextmanager
def postgresql_source(conn: Any, url: str) -> Iterator[tuple[Source, RegisterSnapshot]]:
    from sakti_cli.register.pg.bulk import read_file, read_register
    from sakti_cli.register.pg.connect import reading
    from sakti_cli.register.pg.url import describe

    where = describe(url)
    with reading(conn) as cur:
        snapshot = read_register(cur, where)

        def read(item: StoredFile) -> bytes:
            from sakti_cli.core.errors import NotFound

            try:
                return read_file(cur, item)
            except NotFound:
                raise RegisterCorrupt(f"Berkas {item.path} ({item.owner}) tidak ada di register {where}; tidak "
                                      "disalin.", saran="Jalankan 'sakti register periksa' pada register asal."
                                      ) from None

        yield Source("postgresql", where, read), snapshot


def refuse_unfit(snapshot: RegisterSnapshot) -> None:
    """A source that cannot be copied as it stands: an open reservation, a broken chain, a queue out of step."""
    if snapshot.open_reservations:
        numbers = ", ".join(str(r["nomor_surat"]) for r in snapshot.open_reservations[:5])
        raise StateConflict(f"Register {snapshot.where} masih punya {len(snapshot.open_reservations)} nomor yang "
                            f"sedang dipesan ({numbers}); selesaikan dulu sebelum menyalin.",
                            saran="Tunggu penerbitan yang sedang berjalan selesai; nomor yang tertinggal proses mati "
                                  "ditutup dengan 'sakti register periksa --perbaiki'. Lalu ulangi salin.",
                            nomor_surat=[r["nomor_surat"] for r in snapshot.open_reservations])
    broken = chain_break(snapshot.events)
    if broken is not None:
        raise RegisterCorrupt(f"Jejak audit register {snapshot.where} putus: {describe_break(broken)}; register ini "
                              "tidak disalin.", saran="Jalankan 'sakti register periksa' pada register asal; pulihkan "
                              "dari cadangan bila jejaknya diubah.", peristiwa=broken)
    waiting = {str(x["id"]) for x in snapshot.letters if x.get("status") == LetterStatus.MENUNGGU_TTD}
    if waiting != set(snapshot.queue):
        raise RegisterCorrupt(f"Antrean tanda tangan register {snapshot.where} tidak sesuai dengan surat "
                              "MENUNGGU_TTD; register ini tidak disalin.",
                              saran="Jalankan 'sakti register periksa' pada register asal.")


def checked_files(source: Source, snapshot: RegisterSnapshot, progress: Progress) -> Iterator[tuple[StoredFile, bytes]]:
    """Every file the records name, read from the source and checked against its recorded digest."""
    items = files_of(snapshot)
    for number, item in enumerate(items, 1):
        content = source.read_file(item)
        digest = hashlib.sha256(content).hexdigest()
        if digest != item.sha256.lower():
            raise RegisterCorrupt(f"Berkas {item.path} ({item.owner}) di register asal berubah: SHA-256 "
                                  f"{digest[:12]}…, tercatat {item.sha256[:12]}…; tidak disalin.",
                                  saran="Jalankan 'sakti register periksa' pada register asal.")
        if number % 100 == 0 or number == len(items):
            progress(f"berkas {number}/{len(items)}")
        yield item, content


# --- targets --------------------------------------------------------------------------------------------------
def check_folder_target(target: Path) -> Path:
    """A new or empty folder whose parent takes new files; TargetNotEmpty (exit 5) otherwise."""
    from sakti_cli.core.storage import check_writable_folder

    target = target.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise TargetNotEmpty(f"Tujuan salinan {target} tidak kosong; salin tidak pernah menimpa register atau "
                             "folder yang berisi.", saran="Pilih folder baru atau kosong, mis. --ke ~/kantor-tinydb.")
    existing = next(folder for folder in (target, *target.parents) if folder.exists())
    check_writable_folder(existing if existing != target else target.parent, "tujuan salinan")
    return target


def check_server_target(conn: Any, url: str) -> None:
    from sakti_cli.register.pg.bulk import filled_tables
    from sakti_cli.register.pg.url import describe

    with conn.cursor() as cur:
        filled = filled_tables(cur)
    if filled:
        raise TargetNotEmpty(f"Register tujuan ({describe(url)}) tidak kosong: {', '.join(filled)} sudah berisi; "
                             "salin hanya ke register yang kosong.",
                             saran="Pakai basis data atau peran kantor baru yang belum berisi catatan.",
                             tabel=filled)


def _copy_config(ws: Any, staging: Path) -> int:
    """sakti.toml (without the server's address), sop/, templat/, and pki/'s certificates (never its keys)."""
    import shutil

    from sakti_cli.core.storage import write_private
    from sakti_cli.register.backup import _walk, is_public_certificate, tinydb_config, workspace_file

    count = 0
    for part in CONFIG_PARTS:
        for relative in _walk(ws.root, part):
            if not workspace_file(PurePosixPath(relative), private_keys=False):
                continue
            if relative.parts[0] == "pki" and not is_public_certificate(ws.root / relative):
                continue
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            if str(relative) == "sakti.toml":
                text = (ws.root / relative).read_text(encoding="utf-8")
                write_private(staging / relative, tinydb_config(text).encode("utf-8"))
            else:
                shutil.copyfile(ws.root / relative, staging / relative)
            count += 1
    return count


def _write_files(staging: Path, files: Iterator[tuple[StoredFile, bytes]]) -> tuple[int, int]:
    from sakti_cli.core.storage import write_private

    count = size = 0
    for item, content in files:
        path = staging / item.path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(path, content)
        count, size = count + 1, size + len(content)
    return count, size


def _salin_detail(snapshot: RegisterSnapshot, *, dari: str | None = None, ke: str | None = None,
                  files: int = 0) -> dict[str, Any]:
    figures = snapshot.summary()
    detail = {"peristiwa": figures["peristiwa"], "kepala": figures["kepala_audit"], "permohonan": figures["permohonan"],
              "surat": figures["surat"], "berkas": files}
    return {**({"dari": dari} if dari else {}), **({"ke": ke} if ke else {}), **detail}


def build_copy(ws: Any, source: Source, snapshot: RegisterSnapshot, staging: Path, *, progress: Progress,
               config: bool) -> tuple[int, int, int]:
    """The copy's files and TinyDB register in the private, new folder ``staging`` (the office's files too when
    ``config``), read back and compared with the source: (office files, files, their bytes)."""
    from sakti_cli.register.tiny.bulk import read_register, write_register

    config_files = _copy_config(ws, staging) if config else 0
    for name in ("data", "data/register", "data/berkas", "data/surat", *(("pki",) if config else ())):
        (staging / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    progress("menyalin berkas")
    count, size = _write_files(staging, checked_files(source, snapshot, progress))
    progress("menulis register TinyDB")
    register_dir = staging / "data" / "register"
    write_register(register_dir, snapshot, zone=ws.zone, actor="salin")
    _same(snapshot, read_register(register_dir, str(staging)), str(staging))
    return config_files, count, size


def to_folder(ws: Any, source: Source, snapshot: RegisterSnapshot, target: Path, *, actor: str,
              progress: Progress) -> dict[str, Any]:
    """Build the new workspace beside ``target``, check it as 'register periksa' does, record the copy, rename."""
    from sakti_cli.core.scratch import owned_temp
    from sakti_cli.register.tiny.registry import Register

    target.parent.mkdir(parents=True, exist_ok=True)
    held = owned_temp(target.parent, COPY_PREFIX)
    staging = held.path
    try:
        config_files, count, size = build_copy(ws, source, snapshot, staging, progress=progress, config=True)
        _check_copy(ws, staging, target)
        register = Register(staging / "data" / "register", zone=ws.zone, actor=actor, upkeep=None)
        with register.transaction() as txn:
            txn.audit("salin", "REGISTER", None, None, **_salin_detail(snapshot, dari=snapshot.where, files=count))
        move_into_place(staging, target, "Tujuan salinan", "penyalinan")
        held.release()
    except BaseException:
        held.remove()
        raise
    return {"ke": str(target), "berkas": count, "ukuran_berkas": size, "berkas_kantor": config_files}


def _same(source: RegisterSnapshot, copy: RegisterSnapshot, where: str) -> None:
    """The copy read back is the source, part by part, and its chain verifies (else nothing is kept)."""
    broken = chain_break(copy.events)
    parts = differences(source, copy)
    if parts or broken is not None:
        what = f"berbeda pada {', '.join(parts)}" if parts else f"jejak auditnya putus: {describe_break(broken or {})}"
        raise CopyMismatch(f"Salinan di {where} tidak sama dengan register asal ({what}); salinan dibatalkan, "
                           "tujuan tidak berubah.", saran="Laporkan ke pengembang SAKTI; register asal tidak diubah.",
                           bagian=parts)


def _check_copy(ws: Any, staging: Path, target: Path) -> None:
    """The new workspace passes 'register periksa' (a NIK an older sakti left in the trail is only a warning)."""
    from sakti_cli.office.workspace import CONFIG_NAME, Workspace, load_config
    from sakti_cli.register.restore import TOLERATED_PROBLEMS
    from sakti_cli.register.tiny.check import check_register
    from sakti_cli.register.tiny.registry import Register

    config = load_config(staging / CONFIG_NAME)
    register = Register(staging / "data" / "register", zone=ws.zone, upkeep=None)
    result = check_register(Workspace(root=staging, config=config, found_by="salin"), register)
    problems = [p for p in result["masalah"] if p["jenis"] not in TOLERATED_PROBLEMS]
    if problems:
        first = problems[0]
        raise CopyMismatch(f"Salinan untuk {target} tidak lolos pemeriksaan register ({len(problems)} masalah), mis. "
                           f"[{first['berkas']}] {first['pesan']} Salinan dihapus; tujuan tidak berubah.",
                           saran="Periksa register asal dengan 'sakti register periksa'.", masalah=problems[:20])


def to_server(conn: Any, url: str, source: Source, snapshot: RegisterSnapshot, *, actor: str, moment: Any,
              progress: Progress, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """Insert the copy in one transaction: read back, compared, chain verified, its ``salin`` event (``detail``
    over the usual one: a restore names its archive), commit."""
    from sakti_cli.register.pg.audit import append_event, chain_problems
    from sakti_cli.register.pg.bulk import claim_head, filled_tables, read_register, write_register
    from sakti_cli.register.pg.url import describe

    where = describe(url)
    sizes: list[int] = []

    def counted(files: Iterator[tuple[StoredFile, bytes]]) -> Iterator[tuple[StoredFile, bytes]]:
        for item, content in files:
            sizes.append(len(content))
            yield item, content

    with conn.transaction(), conn.cursor() as cur:
        claim_head(cur)  # a desk of this office that appends meanwhile waits for the copy, then follows it
        filled = filled_tables(cur)
        if filled:
            raise TargetNotEmpty(f"Register tujuan ({where}) tidak kosong: {', '.join(filled)} sudah berisi.",
                                 saran="Pakai basis data atau peran kantor baru yang belum berisi catatan.")
        progress(f"menulis ke {where}")
        count = write_register(cur, snapshot, counted(checked_files(source, snapshot, progress)))
        progress("membaca ulang dan memeriksa salinan")
        _same(snapshot, read_register(cur, where), where)
        problems = chain_problems(cur)
        if problems:
            raise CopyMismatch(f"Jejak audit salinan di {where} tidak utuh: {problems[0]}; salinan dibatalkan, "
                               "tujuan tidak berubah.",
                               saran="Laporkan ke pengembang SAKTI; register asal tidak diubah.")
        append_event(cur, actor, moment, "salin", "REGISTER", None, None,
                     **{**_salin_detail(snapshot, dari=snapshot.where, files=count), **(detail or {})})
    return {"ke": where, "berkas": count, "ukuran_berkas": sum(sizes), "berkas_kantor": 0}


# --- the command ----------------------------------------------------------------------------------------------
def source_url(ws: Any) -> str | None:
    from sakti_cli.register.pg.url import register_url

    found = register_url(ws.config.register_settings.url)
    return found[0] if found else None


def note_on_source(ws: Any, url: str | None, conn: Any, snapshot: RegisterSnapshot, ke: str, files: int, *,
                   actor: str, moment: Any) -> None:
    """The source's own ``salin`` event, after the copy stood (see the module's docstring)."""
    detail = _salin_detail(snapshot, ke=ke, files=files)
    if url is not None:
        from sakti_cli.register.pg.audit import append_event

        with conn.transaction(), conn.cursor() as cur:
            append_event(cur, actor, moment, "salin", "REGISTER", None, None, **detail)
        return
    from sakti_cli.register.tiny.registry import Register

    register = Register(ws.register_dir, zone=ws.zone, actor=actor,
                        lock_timeout=ws.config.register_settings.batas_tunggu_kunci, upkeep=None)
    with register.transaction() as txn:
        txn.audit("salin", "REGISTER", None, None, **detail)


def copy_register(ws: Any, target: str, *, actor: str | None, progress: Progress) -> dict[str, Any]:
    """``sakti register salin --ke TARGET``: this workspace's register (TinyDB, or PostgreSQL when it names a
    server) into an empty PostgreSQL register or a new folder."""
    from sakti_cli.core.clock import now
    from sakti_cli.core.privacy import mask_text
    from sakti_cli.register.pg.url import check_url
    from sakti_cli.register.trail import default_actor

    actor = mask_text(actor or default_actor())
    to_pg = is_server(target)
    url_target = check_url(target, "baris perintah (--ke)", UsageError) if to_pg else None
    folder = None if to_pg else check_folder_target(Path(target))
    url_source = source_url(ws)
    connections: list[Any] = []
    try:
        target_conn = None
        if url_target is not None:
            target_conn = _connect(ws, url_target)
            connections.append(target_conn)
            check_server_target(target_conn, url_target)
        source_conn = None
        if url_source is not None:
            source_conn = _connect(ws, None)
            connections.append(source_conn)
        opened = (postgresql_source(source_conn, url_source) if url_source is not None
                  else tinydb_source(ws, ws.config.register_settings.batas_tunggu_kunci))
        progress(f"membaca register asal ({'PostgreSQL' if url_source else 'TinyDB'})")
        moment = now(ws.zone)
        with opened as (source, snapshot):
            refuse_unfit(snapshot)
            if url_target is not None:
                done = to_server(target_conn, url_target, source, snapshot, actor=actor, moment=moment,
                                 progress=progress)
            else:
                assert folder is not None
                done = to_folder(ws, source, snapshot, folder, actor=actor, progress=progress)
        note_on_source(ws, url_source, source_conn, snapshot, done["ke"], done["berkas"], actor=actor, moment=moment)
    finally:
        for conn in connections:
            conn.close()
    figures = snapshot.summary()
    return {"dari": source.where, "asal": source.backend, "ke": done["ke"],
            "tujuan": "postgresql" if to_pg else "tinydb", **figures, "berkas": done["berkas"],
            "ukuran_berkas": done["ukuran_berkas"], "berkas_kantor": done["berkas_kantor"]}


def _connect(ws: Any, url: str | None) -> Any:
    from sakti_cli.register.pg.connect import desk_connection

    conn = desk_connection(ws, url)
    if conn is None:
        raise UsageError("Alamat register PostgreSQL tidak diberikan.", saran="Pakai --ke postgresql://PERAN@SERVER/DB.")
    return conn
