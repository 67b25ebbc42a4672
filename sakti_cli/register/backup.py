"""Backups of a workspace (``sakti cadangkan``), and the automatic one before a migration.

A backup is a .tar.gz or .zip holding sakti.toml, sop/, templat/, data/register, data/surat,
data/berkas and data/antrean (pki/'s certificates always, its keys only when asked), plus
``MANIFEST-SAKTI.json``: every file with its size and SHA-256, the register's format version and the time.

Consistency: the register lock is held only while a snapshot is made inside ``data/``: register
files are copied (the audit trail grows in place), letters and scans are hard-linked (sakti never
changes them in place, it replaces them). The archive is then written from the snapshot without the
lock, so clerks are not kept waiting while gigabytes of scans are compressed.

With ``--dengan-kunci`` the private part of pki/ (keys, passphrase files: everything that is not a
public certificate) is not stored as files but sealed in one member, ``KUNCI-SAKTI.bin``, encrypted
with a passphrase typed at the terminal (see backup_keys.py).

The checked restore of such an archive is :mod:`sakti_cli.register.restore`.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sakti_cli import __version__
from sakti_cli.core.clock import iso, now
from sakti_cli.core.errors import (
    InputError,
    RegisterCorrupt,
    StateConflict,
)
from sakti_cli.core.scratch import owned_temp, sweep
from sakti_cli.core.storage import TMP_SUFFIX, check_writable_folder, sha256_file, write_private
from sakti_cli.core.testhooks import crash_point
from sakti_cli.register.places import SNAPSHOT_PREFIX
from sakti_cli.register.tiny.engine import COMMIT_LOCK, JOURNAL, LOCK, locked
from sakti_cli.register.tiny.registry import HISTORY_DIR

if TYPE_CHECKING:
    from sakti_cli.signatures.keys import PassphrasePrompt

MANIFEST_NAME = "MANIFEST-SAKTI.json"
MANIFEST_KIND = "cadangan-sakti"
MANIFEST_VERSION = 2  # 2: the private part of pki/ sealed in KEYS_MEMBER (1: pki/ as plain files)
KEYS_MEMBER = "KUNCI-SAKTI.bin"
PARTS = ("sakti.toml", "sop", "templat", "data/register", "data/surat", "data/berkas", "data/antrean")
KEY_PART = "pki"
REGISTER_PART = "data/register"
AUTO_BACKUP_DIR = "cadangan"  # under data/: automatic backups before a migration
SUFFIXES = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}


class RestoredCopyFails(RegisterCorrupt):
    """The restored copy does not pass the register check: it is removed, the target is not made."""

    kode = "PULIHAN_TIDAK_UTUH"


class TargetNotEmpty(StateConflict):
    """A restore target that already holds something (perhaps a live workspace)."""

    kode = "TUJUAN_TIDAK_KOSONG"


def move_into_place(staging: Path, target: Path, what: str, built: str) -> None:
    """Rename a folder built aside (a restore, a copy) onto ``target``, a new name or an empty folder, in one
    step; TargetNotEmpty (exit 5) when ``target`` gained content meanwhile (``what`` names the target, ``built``
    what was made: the caller then removes it)."""
    try:
        os.rename(staging, target)
    except OSError:
        raise TargetNotEmpty(f"{what} {target} berubah selama {built}; hasilnya dihapus.",
                             saran="Ulangi ke folder baru yang tidak dipakai proses lain.") from None


SERVER_KEYS = ("url", "variabel_sandi", "berkas_sandi")
"""Keys of ``[register]`` naming a PostgreSQL server: not carried into a TinyDB register's sakti.toml (a backup
of a PostgreSQL register holds it as a TinyDB register: see sakti_cli.register.cross_backup)."""


def tinydb_config(text: str) -> str:
    """sakti.toml for a TinyDB copy: the ``[register]`` keys naming a server removed, nothing else changed."""
    import re

    out, table = [], None
    for line in text.splitlines(keepends=True):
        header = re.match(r"\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(#.*)?$", line)
        if header:
            table = header.group(1)
        elif table == "register" and re.match(rf"\s*({'|'.join(SERVER_KEYS)})\s*=", line):
            continue
        out.append(line)
    return "".join(out)


def archive_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise InputError(f"Nama berkas cadangan {path} harus berakhiran .tar.gz, .tgz atau .zip.",
                     saran="Contoh: sakti cadangkan cadangan-2026-11-22.tar.gz")


def _skipped(relative: PurePosixPath) -> bool:
    """Lock, journal and half-written files are never part of a backup; nor the history index
    (``register/riwayat/``), which is derived from the trail and rebuilt from it on restore."""
    name = relative.name
    parts = relative.parts
    derived = any(parts[i:i + 2] == ("register", HISTORY_DIR) for i in range(len(parts) - 1))
    return (derived or name in (LOCK, COMMIT_LOCK, JOURNAL) or name.endswith(TMP_SUFFIX)
            or any(part.startswith((".baru-", ".cadangan-", "kerja-")) for part in parts))


CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".crl")
TEMPLATE_SUFFIXES = (".docx", ".png", ".jpg", ".jpeg")


def workspace_file(relative: PurePosixPath, *, private_keys: bool) -> bool:
    """Is this one of the file kinds a workspace has (the only ones backed up and restored)?

    sakti.toml, sop/*.yaml, sop/gform/*.yaml (Google Form mappings), templat/*.docx|png|jpg, templat/pesan/*.txt,
    data/register/**.json (audit/*.jsonl),
    data/berkas/**, data/surat/**.pdf, data/antrean/*.pdf (letters waiting for their signature),
    pki/ certificates, and the rest of pki/ only with
    ``private_keys``. Never a hidden name (the journal, the lock, staging folders)."""
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts) or relative.name.endswith(TMP_SUFFIX):
        return False
    suffix = relative.suffix.lower()
    if parts[0] in ("sakti.toml", "sop", "templat", "pki"):
        return {"sakti.toml": len(parts) == 1,
                "sop": (len(parts) == 2 or (len(parts) == 3 and parts[1] == "gform")) and suffix == ".yaml",
                "templat": (len(parts) == 2 and suffix in TEMPLATE_SUFFIXES)
                or (len(parts) == 3 and parts[1] == "pesan" and suffix == ".txt"),  # the citizen's messages
                "pki": len(parts) >= 2 and (private_keys or suffix in CERT_SUFFIXES)}[parts[0]]
    if parts[0] != "data" or len(parts) < 3:
        return False
    if parts[1] == "register":
        return suffix == ".json" or (parts[2] == "audit" and len(parts) == 4 and suffix == ".jsonl")
    if parts[1] == "antrean":
        return len(parts) == 3 and suffix == ".pdf"
    return parts[1] == "berkas" or (parts[1] == "surat" and suffix == ".pdf")


def is_public_certificate(path: Path) -> bool:
    """Certificates and CRLs in pki/ (needed to verify letters) go into every backup; keys do not."""
    if path.suffix.lower() not in CERT_SUFFIXES:
        return False
    with path.open("rb") as handle:
        return b"PRIVATE KEY" not in handle.read()


def _walk(root: Path, part: str, passed_over: list[str] | None = None) -> Iterator[PurePosixPath]:
    """The files of one part that a backup holds; others (not a workspace's kind) go to ``passed_over``."""
    base = root / part
    if base.is_file():
        yield PurePosixPath(part)
        return
    if not base.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = PurePosixPath(path.relative_to(root).as_posix())
            if _skipped(relative):
                continue
            if workspace_file(relative, private_keys=True):
                yield relative
            elif passed_over is not None:
                passed_over.append(str(relative))


def remove_stale_snapshots(data_dir: Path) -> int:
    """Remove snapshot folders left by a backup process that died (they hold hard links to scans that
    a later ``sakti bersihkan`` must really delete). A live process's snapshot is held under its lock
    and left alone (scratch.py)."""
    return len(sweep([(data_dir, f"{SNAPSHOT_PREFIX}*")]))


def read_format_version(register_dir: Path) -> int | None:
    from sakti_cli.register.tiny.registry import read_format_version as registry_version

    return registry_version(register_dir)


# --- writing -----------------------------------------------------------------------------------
def _snapshot(root: Path, parts: tuple[str, ...], staging: Path,
              keep: Callable[[PurePosixPath], bool] | None = None,
              passed_over: list[str] | None = None) -> list[PurePosixPath]:
    """Copy (register) or hard-link (letters, scans, config) the files into ``staging``."""
    taken = []
    for part in parts:
        for relative in _walk(root, part, passed_over):
            if keep is not None and not keep(relative):
                continue
            source, copy = root / relative, staging / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            if relative.parts[:2] == ("data", "register"):
                shutil.copyfile(source, copy)
            else:
                try:
                    os.link(source, copy)
                except OSError:  # another filesystem, or links not allowed: copy instead
                    shutil.copyfile(source, copy)
            taken.append(relative)
    return taken


def _seal_keys(staging: Path, private: list[PurePosixPath], passphrase: bytes) -> PurePosixPath:
    """Pack the private pki/ files into one tar, seal it under the passphrase, drop the plain copies."""
    from sakti_cli.register.backup_keys import MAX_SEALED, seal

    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w") as tar:
        for relative in private:
            info = tar.gettarinfo(str(staging / relative), arcname=str(relative))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o600
            with (staging / relative).open("rb") as handle:
                tar.addfile(info, handle)
    if packed.tell() > MAX_SEALED:
        raise InputError(f"Isi pki/ yang akan disegel berukuran {packed.tell()} byte, di atas batas {MAX_SEALED}.",
                         saran="pki/ hanya untuk kunci dan sertifikat; pindahkan berkas lain keluar dari pki/.")
    member = PurePosixPath(KEYS_MEMBER)
    write_private(staging / member, seal(packed.getvalue(), passphrase))
    for relative in private:
        (staging / relative).unlink()
    return member


def _manifest(staging: Path, files: list[PurePosixPath], *, version: int | None, moment: datetime,
              parts: tuple[str, ...], with_keys: bool, office: str) -> dict[str, Any]:
    return {
        "jenis": MANIFEST_KIND,
        "versi_manifest": MANIFEST_VERSION,
        "sakti": __version__,
        "dibuat": iso(moment),
        "kantor": office,
        "versi_format_register": version,
        "isi": list(parts),
        "dengan_kunci": with_keys,
        "kunci_tersegel": KEYS_MEMBER if with_keys else None,
        "berkas": [{"path": str(rel), "ukuran": (staging / rel).stat().st_size,
                    "sha256": sha256_file(staging / rel)} for rel in files],
    }


def _write_archive(target: Path, kind: str, staging: Path, manifest: dict[str, Any]) -> None:
    """Write next to ``target``, fsync, then rename: a half-written archive never has the real name."""
    try:
        held = owned_temp(target.parent, file_name=target.name + TMP_SUFFIX)  # swept if we are killed
    except FileExistsError:
        raise StateConflict(f"Berkas cadangan {target} sedang ditulis proses sakti lain.",
                            saran="Tunggu proses itu selesai, atau pilih nama berkas lain.") from None
    tmp = held.path
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
    try:
        with os.fdopen(fd, "wb") as raw:
            if kind == "tar":
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    info = tarfile.TarInfo(MANIFEST_NAME)
                    info.size, info.mode = len(manifest_bytes), 0o600
                    tar.addfile(info, io.BytesIO(manifest_bytes))
                    for entry in manifest["berkas"]:
                        info = tar.gettarinfo(str(staging / entry["path"]), arcname=entry["path"])
                        info.uid = info.gid = 0
                        info.uname = info.gname = ""
                        with (staging / entry["path"]).open("rb") as handle:
                            tar.addfile(info, handle)
            else:
                with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    info_zip = zipfile.ZipInfo(MANIFEST_NAME, date_time=(1980, 1, 1, 0, 0, 0))
                    info_zip.external_attr = (stat.S_IFREG | 0o600) << 16
                    info_zip.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info_zip, manifest_bytes)
                    for entry in manifest["berkas"]:
                        archive.write(staging / entry["path"], arcname=entry["path"])
            raw.flush()
            os.fsync(raw.fileno())
        crash_point("tengah_tulis_cadangan")
        os.replace(tmp, target)
        held.release()
    except BaseException:
        held.remove()
        raise


def check_backup_target(target: Path) -> tuple[Path, str]:
    """The archive's name and folder, checked before any snapshot is taken: a supported kind, not
    there yet, in a folder that exists and really takes a new file (``/proc``, a read-only disk do not)."""
    target = target.expanduser()
    kind = archive_format(target)
    target = target.resolve()
    if target.exists():
        raise InputError(f"Berkas cadangan {target} sudah ada; cadangan lama tidak ditimpa.",
                         saran="Pilih nama berkas lain, mis. dengan tanggal hari ini.")
    check_writable_folder(target.parent, "berkas cadangan")
    return target, kind


def create_backup(ws: Any, register: Any, target: Path, *, with_keys: bool = False,
                  prompt: PassphrasePrompt | None = None, data_root: Path | None = None,
                  origin: str | None = None) -> dict[str, Any]:
    """``sakti cadangkan``: snapshot under the register lock, archive, record it in the trail.

    With keys, the passphrase is asked first (twice, through ``prompt``): without one nothing is written.
    ``data_root``: a folder whose ``data/`` (a TinyDB copy of a PostgreSQL register, ``origin`` its server) is
    archived instead of the workspace's, with sakti.toml's server keys left out (:func:`tinydb_config`)."""
    target, kind = check_backup_target(target)
    passphrase = None
    if with_keys:
        from sakti_cli.register.backup_keys import ask_new_passphrase

        passphrase = ask_new_passphrase(prompt)
    parts = (*PARTS, KEY_PART)
    ws.data_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_snapshots(ws.data_dir)
    snapshot = owned_temp(ws.data_dir, SNAPSHOT_PREFIX)
    staging = snapshot.path
    passed_over: list[str] = []
    register_dir = (data_root or ws.root) / REGISTER_PART
    try:
        with locked(ws.register_dir, getattr(register, "lock_timeout", 30.0)):
            version = read_format_version(register_dir)
            _refuse_newer(version, register_dir / "meta.json")
            moment = now(ws.zone)
            keep = None if with_keys else (lambda rel: rel.parts[0] != KEY_PART or is_public_certificate(ws.root / rel))
            own = tuple(p for p in parts if data_root is None or not p.startswith("data/"))
            files = _snapshot(ws.root, own, staging, keep=keep, passed_over=passed_over)
            if data_root is not None:
                files += _snapshot(data_root, tuple(p for p in parts if p not in own), staging)
                config = staging / "sakti.toml"
                config.unlink()  # a hard link to the workspace's own: never written through
                write_private(config, tinydb_config((ws.root / "sakti.toml").read_text("utf-8")).encode())
        if passphrase is not None:
            private = [rel for rel in files if rel.parts[0] == KEY_PART and not is_public_certificate(ws.root / rel)]
            sealed = _seal_keys(staging, private, passphrase)
            files = [sealed, *(rel for rel in files if rel not in private)]  # first: read before the rest
        if version is None:
            from sakti_cli.register.tiny.registry import FORMAT_VERSION

            version = FORMAT_VERSION  # no register yet: the first transaction will write this one
        manifest = _manifest(staging, files, version=version, moment=moment, parts=parts,
                             with_keys=with_keys, office=str(ws.root))
        manifest["register_asal"] = origin  # None: this workspace's TinyDB register
        _write_archive(target, kind, staging, manifest)
    finally:
        snapshot.remove()
    digest = sha256_file(target)
    size = target.stat().st_size
    with register.transaction() as txn:
        txn.audit("cadangkan", str(target), None, None, sha256=digest, jumlah_berkas=len(files),
                  dengan_kunci=with_keys, versi_format_register=version)
    return {"berkas": str(target.resolve()), "format": kind, "sha256": digest, "ukuran": size,
            "jumlah_berkas": len(files), "versi_format_register": version, "dibuat": manifest["dibuat"],
            "dengan_kunci": with_keys, "kunci_tersegel": with_keys, "isi": list(parts),
            "dilewati": passed_over, "register_asal": origin}


def backup_register(register_dir: Path, dest_dir: Path, label: str, moment: datetime) -> Path:
    """An automatic copy of data/register alone (e.g. before a migration). The caller holds the lock."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest_dir.chmod(0o700)
    root = register_dir.parent.parent
    target = dest_dir / f"{label}-{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}.tar.gz"
    snapshot = owned_temp(dest_dir, SNAPSHOT_PREFIX)
    staging = snapshot.path
    try:
        parts = (register_dir.relative_to(root).as_posix(),)
        files = _snapshot(root, parts, staging)
        manifest = _manifest(staging, files, version=read_format_version(register_dir), moment=moment,
                             parts=parts, with_keys=False, office=str(root))
        _write_archive(target, "tar", staging, manifest)
    finally:
        snapshot.remove()
    return target



def _refuse_newer(version: int | None, where: Path) -> None:
    from sakti_cli.register.tiny.registry import FORMAT_VERSION

    if version is not None and version > FORMAT_VERSION:
        raise RegisterCorrupt(
            f"Register di {where} dibuat oleh sakti yang lebih baru (format {version}, sakti ini "
            f"{FORMAT_VERSION}).", saran="Perbarui sakti sebelum memakai register ini.")
