"""Backups of a workspace (``sakti cadangkan``) and their checked restore (``sakti pulihkan``).

A backup is a .tar.gz or .zip holding sakti.toml, sop/, templat/, data/register, data/surat and
data/berkas (pki/ only when asked: it holds the signing keys), plus ``MANIFEST-SAKTI.json``: every
file with its size and SHA-256, the register's format version and the time.

Consistency: the register lock is held only while a snapshot is made inside ``data/``: register
files are copied (the audit trail grows in place), letters and scans are hard-linked (sakti never
changes them in place, it replaces them). The archive is then written from the snapshot without the
lock, so clerks are not kept waiting while gigabytes of scans are compressed.

A restore goes into an empty or new folder only, never over a workspace: everything is unpacked
into a hidden folder beside the target, checked (manifest hashes, no stray or missing file, the
register loads, its format is not newer than this sakti, sakti.toml loads), and only then moved.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sakti_cli import __version__
from sakti_cli.clock import iso, now
from sakti_cli.errors import FileUnreadable, InputError, RegisterCorrupt, StateConflict
from sakti_cli.recovery import RESTORE_PREFIX, SNAPSHOT_PREFIX
from sakti_cli.scratch import owned_temp, sweep
from sakti_cli.storage import JOURNAL, LOCK, TMP_SUFFIX, locked, sha256_file
from sakti_cli.testhooks import crash_point

MANIFEST_NAME = "MANIFEST-SAKTI.json"
MANIFEST_KIND = "cadangan-sakti"
MANIFEST_VERSION = 1
PARTS = ("sakti.toml", "sop", "templat", "data/register", "data/surat", "data/berkas")
KEY_PART = "pki"
REGISTER_PART = "data/register"
AUTO_BACKUP_DIR = "cadangan"  # under data/: automatic backups before a migration
SUFFIXES = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}


class BackupInvalid(FileUnreadable):
    """The archive is not a usable sakti backup: unreadable, truncated, or not matching its manifest."""

    kode = "CADANGAN_RUSAK"


class TargetNotEmpty(StateConflict):
    """A restore target that already holds something (perhaps a live workspace)."""

    kode = "TUJUAN_TIDAK_KOSONG"


def archive_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise InputError(f"Nama berkas cadangan {path} harus berakhiran .tar.gz, .tgz atau .zip.",
                     saran="Contoh: sakti cadangkan cadangan-2026-11-22.tar.gz")


def _skipped(relative: PurePosixPath) -> bool:
    """Lock, journal and half-written files are never part of a backup."""
    name = relative.name
    return (name in (LOCK, JOURNAL) or name.endswith(TMP_SUFFIX)
            or any(part.startswith((".baru-", ".cadangan-", "kerja-")) for part in relative.parts))


CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".crl")


def is_public_certificate(path: Path) -> bool:
    """Certificates and CRLs in pki/ (needed to verify letters) go into every backup; keys do not."""
    if path.suffix.lower() not in CERT_SUFFIXES:
        return False
    with path.open("rb") as handle:
        return b"PRIVATE KEY" not in handle.read()


def _walk(root: Path, part: str) -> Iterator[PurePosixPath]:
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
            if not _skipped(relative):
                yield relative


def remove_stale_snapshots(data_dir: Path) -> int:
    """Remove snapshot folders left by a backup process that died (they hold hard links to scans that
    a later ``sakti bersihkan`` must really delete). A live process's snapshot is held under its lock
    and left alone (scratch.py)."""
    return len(sweep([(data_dir, f"{SNAPSHOT_PREFIX}*")]))


def read_format_version(register_dir: Path) -> int | None:
    from sakti_cli.registry import read_format_version as registry_version

    return registry_version(register_dir)


# --- writing -----------------------------------------------------------------------------------
def _snapshot(root: Path, parts: tuple[str, ...], staging: Path,
              keep: Callable[[PurePosixPath], bool] | None = None) -> list[PurePosixPath]:
    """Copy (register) or hard-link (letters, scans, config) the files into ``staging``."""
    taken = []
    for part in parts:
        for relative in _walk(root, part):
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


def create_backup(ws: Any, register: Any, target: Path, *, with_keys: bool = False) -> dict[str, Any]:
    """``sakti cadangkan``: snapshot under the register lock, archive, record it in the trail."""
    target = target.expanduser()
    kind = archive_format(target)
    target = target.resolve()
    if target.exists():
        raise InputError(f"Berkas cadangan {target} sudah ada; cadangan lama tidak ditimpa.",
                         saran="Pilih nama berkas lain, mis. dengan tanggal hari ini.")
    if not target.parent.is_dir():
        raise InputError(f"Folder {target.parent} untuk berkas cadangan tidak ada.",
                         saran="Buat foldernya dulu atau pilih letak lain.")
    parts = (*PARTS, KEY_PART)
    ws.data_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_snapshots(ws.data_dir)
    snapshot = owned_temp(ws.data_dir, SNAPSHOT_PREFIX)
    staging = snapshot.path
    try:
        with locked(ws.register_dir, register.lock_timeout):
            version = read_format_version(ws.register_dir)
            _refuse_newer(version, ws.register_dir / "meta.json")
            moment = now(ws.zone)
            files = _snapshot(ws.root, parts, staging,
                              keep=None if with_keys else (lambda rel: rel.parts[0] != KEY_PART
                                                           or is_public_certificate(ws.root / rel)))
        if version is None:
            from sakti_cli.registry import FORMAT_VERSION

            version = FORMAT_VERSION  # no register yet: the first transaction will write this one
        manifest = _manifest(staging, files, version=version, moment=moment, parts=parts,
                             with_keys=with_keys, office=str(ws.root))
        _write_archive(target, kind, staging, manifest)
    finally:
        snapshot.remove()
    digest = sha256_file(target)
    size = target.stat().st_size
    with register.transaction() as txn:
        txn.audit("cadangkan", str(target), None, None, sha256=digest, jumlah_berkas=len(files),
                  dengan_kunci=with_keys, versi_format_register=version)
    return {"berkas": str(target), "format": kind, "sha256": digest, "ukuran": size,
            "jumlah_berkas": len(files), "versi_format_register": version, "dibuat": manifest["dibuat"],
            "dengan_kunci": with_keys, "isi": list(parts)}


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


# --- reading -----------------------------------------------------------------------------------
@dataclass
class _Member:
    name: str
    size: int


class _Archive:
    """Read a .tar.gz or .zip the same way; only regular files and folders are accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar: tarfile.TarFile | None = None
        self._zip: zipfile.ZipFile | None = None
        try:
            if zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
            else:
                self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by close())
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise BackupInvalid(f"Berkas {path} bukan arsip cadangan yang dapat dibaca ({exc}).",
                                saran="Pakai berkas .tar.gz atau .zip buatan 'sakti cadangkan'.") from None

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()
        if self._zip is not None:
            self._zip.close()

    def members(self) -> list[_Member]:
        out = []
        if self._zip is not None:
            for info in self._zip.infolist():
                kind = stat.S_IFMT(info.external_attr >> 16)
                if info.is_dir():
                    continue
                if kind and kind != stat.S_IFREG:
                    raise BackupInvalid(f"Cadangan {self.path} memuat {info.filename} yang bukan berkas biasa.")
                out.append(_Member(info.filename, info.file_size))
            return out
        assert self._tar is not None
        for tar_info in self._tar.getmembers():
            if tar_info.isdir():
                continue
            if not tar_info.isfile():
                raise BackupInvalid(f"Cadangan {self.path} memuat {tar_info.name} yang bukan berkas biasa "
                                    "(tautan atau perangkat).")
            out.append(_Member(tar_info.name, tar_info.size))
        return out

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self._zip is not None:
            with self._zip.open(name) as handle:
                yield handle
            return
        assert self._tar is not None
        extracted = self._tar.extractfile(name)
        if extracted is None:
            raise BackupInvalid(f"Cadangan {self.path}: {name} tidak dapat dibaca.")
        with extracted:
            yield extracted


def _safe_name(archive: Path, name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BackupInvalid(f"Cadangan {archive} memuat nama berkas yang tidak aman: {name!r}.",
                            saran="Arsip ini bukan buatan 'sakti cadangkan'; jangan dipulihkan.")
    return path


def _read_manifest(archive: _Archive) -> dict[str, Any]:
    names = {m.name for m in archive.members()}
    if MANIFEST_NAME not in names:
        raise BackupInvalid(f"Cadangan {archive.path} tidak memuat {MANIFEST_NAME}.",
                            saran="Arsip ini bukan buatan 'sakti cadangkan'.")
    with archive.open(MANIFEST_NAME) as handle:
        raw = handle.read()
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupInvalid(f"{MANIFEST_NAME} di {archive.path} rusak ({exc}).") from None
    entries = manifest.get("berkas") if isinstance(manifest, dict) else None
    if (not isinstance(manifest, dict) or manifest.get("jenis") != MANIFEST_KIND or not isinstance(entries, list)
            or not all(isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str)
                       for e in entries)):
        raise BackupInvalid(f"{MANIFEST_NAME} di {archive.path} tidak berbentuk manifes cadangan sakti.")
    if not isinstance(manifest.get("versi_manifest"), int) or manifest["versi_manifest"] > MANIFEST_VERSION:
        raise BackupInvalid(f"Manifes {archive.path} berversi {manifest.get('versi_manifest')!r}, "
                            f"sakti ini mengenal sampai versi {MANIFEST_VERSION}.",
                            saran="Perbarui sakti sebelum memulihkan cadangan ini.")
    return manifest


def _extract_checked(archive: _Archive, manifest: dict[str, Any], staging: Path) -> int:
    """Unpack every file, hashing on the way; each must match the manifest, none may be extra or missing."""
    expected = {e["path"]: e for e in manifest["berkas"]}
    seen: set[str] = set()
    try:
        for member in archive.members():
            if member.name == MANIFEST_NAME:
                continue
            relative = _safe_name(archive.path, member.name)
            key = str(relative)
            if not any(key == part or key.startswith(part + "/") for part in (*PARTS, KEY_PART)):
                raise BackupInvalid(f"Cadangan {archive.path} memuat {key}, di luar bagian kantor yang dicadangkan.",
                                    saran="Arsip ini bukan buatan 'sakti cadangkan'; jangan dipulihkan.")
            entry = expected.get(key)
            if entry is None:
                raise BackupInvalid(f"Cadangan {archive.path} memuat {key} yang tidak ada di manifesnya.",
                                    saran="Arsip ini telah diubah sesudah dibuat; jangan dipulihkan.")
            if key in seen:
                raise BackupInvalid(f"Cadangan {archive.path} memuat {key} lebih dari sekali.")
            seen.add(key)
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, archive.open(member.name) as handle:
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry["sha256"]:
                raise BackupInvalid(
                    f"Cadangan {archive.path}: isi {key} tidak cocok dengan SHA-256 di manifesnya.",
                    saran="Arsip ini rusak atau telah diubah; pakai cadangan lain.")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise BackupInvalid(f"Cadangan {archive.path} rusak atau terpotong ({type(exc).__name__}: {exc}).",
                            saran="Pakai cadangan lain; berkas ini tidak dapat dipulihkan utuh.") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupInvalid(f"Cadangan {archive.path} tidak memuat {len(missing)} berkas dari manifesnya, "
                            f"mis. {missing[0]}.", saran="Arsip ini tidak lengkap; pakai cadangan lain.")
    return len(seen)


def _refuse_newer(version: int | None, where: Path) -> None:
    from sakti_cli.registry import FORMAT_VERSION

    if version is not None and version > FORMAT_VERSION:
        raise RegisterCorrupt(
            f"Register di {where} dibuat oleh sakti yang lebih baru (format {version}, sakti ini "
            f"{FORMAT_VERSION}).", saran="Perbarui sakti sebelum memakai register ini.")


def check_register_files(register_dir: Path, label: str) -> int | None:
    """The register in a backup loads: every table is JSON, every audit line parses and chains."""
    from sakti_cli.registry import GENESIS, event_hash
    from sakti_cli.storage import read_json

    if not register_dir.is_dir():
        return None
    for path in sorted(register_dir.rglob("*.json")):
        try:
            data = read_json(path)
        except RegisterCorrupt:
            data = []
        if data is not None and not isinstance(data, dict):
            raise RegisterCorrupt(f"Register di {label} rusak: data/register/{path.relative_to(register_dir)} "
                                  "bukan tabel JSON yang utuh.", saran="Pakai cadangan lain.")
    previous = GENESIS
    for path in sorted((register_dir / "audit").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                raise RegisterCorrupt(f"Register di {label}: jejak audit {path.name} rusak pada baris {number}.",
                                      saran="Pakai cadangan lain.") from None
            if event.get("prev") != previous or event_hash(event) != event.get("hash"):
                raise RegisterCorrupt(f"Register di {label}: rantai jejak audit {path.name} putus pada baris "
                                      f"{number}.", saran="Pakai cadangan lain.")
            previous = event["hash"]
    version = read_format_version(register_dir)
    _refuse_newer(version, Path(label))
    return version


def restore_backup(archive_path: Path, target: Path, *, actor: str | None = None) -> dict[str, Any]:
    """``sakti pulihkan``: check everything in a hidden folder, then move it to an empty or new target."""
    from sakti_cli.office import CONFIG_NAME, load_config, make_private
    from sakti_cli.privacy import make_tree_private

    archive_path = archive_path.expanduser()
    target = target.expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise InputError(f"Tujuan pemulihan {target} bukan folder.", saran="Pilih folder baru atau kosong.")
    if target.is_dir() and any(target.iterdir()):
        raise TargetNotEmpty(
            f"Folder tujuan {target} tidak kosong; pemulihan tidak pernah menimpa isi folder (atau kantor) yang ada.",
            saran="Pulihkan ke folder baru, mis. --ke ~/kantor-pulih, lalu periksa dan pindahkan sendiri.")
    if not archive_path.is_file():
        raise FileUnreadable(f"Berkas cadangan {archive_path} tidak ada.", saran="Periksa nama dan letaknya.")
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = _Archive(archive_path)
    held = owned_temp(target.parent, RESTORE_PREFIX)  # a whole register with full NIKs: swept if we are killed
    staging = held.path
    try:
        try:
            manifest = _read_manifest(archive)
            count = _extract_checked(archive, manifest, staging)
            crash_point("setelah_ekstrak_pulihkan")
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise BackupInvalid(f"Cadangan {archive_path} rusak atau terpotong ({type(exc).__name__}: {exc}).",
                                saran="Pakai cadangan lain; berkas ini tidak dapat dipulihkan utuh.") from None
        archive.close()
        label = f"cadangan {archive_path}"
        version = check_register_files(staging / REGISTER_PART, label)
        recorded = manifest.get("versi_format_register")
        if version is not None and recorded != version:
            raise BackupInvalid(f"Cadangan {archive_path}: manifes mencatat format register {recorded}, "
                                f"register di dalamnya format {version}.")
        _refuse_newer(recorded if isinstance(recorded, int) else None, Path(label))
        if not (staging / CONFIG_NAME).is_file():
            raise BackupInvalid(f"Cadangan {archive_path} tidak memuat {CONFIG_NAME}; ini bukan cadangan kantor utuh.",
                                saran="Cadangan otomatis di data/cadangan/ hanya berisi register: ekstrak "
                                "manual ke data/register sebuah kantor.")
        config = load_config(staging / CONFIG_NAME)
        for name in ("data", "pki"):
            (staging / name).mkdir(exist_ok=True)
            make_tree_private(staging / name)
        for name in ("data/register", "data/berkas", "data/surat"):
            (staging / name).mkdir(parents=True, exist_ok=True)
            make_private(staging / name)
        if target.exists():
            for child in staging.iterdir():
                child.rename(target / child.name)
            staging.rmdir()
        else:
            staging.rename(target)
        held.release()
    except BaseException:
        archive.close()
        held.remove()
        raise
    from sakti_cli.clock import office_zone
    from sakti_cli.registry import Register, read_format_version

    register = Register(target / REGISTER_PART, zone=office_zone(config.kantor.zona_waktu), actor=actor)
    with register.transaction() as txn:
        txn.audit("pulihkan", str(target), None, None, arsip=str(archive_path.resolve()),
                  dibuat=manifest.get("dibuat"), jumlah_berkas=count)
    return {"arsip": str(archive_path), "ke": str(target), "jumlah_berkas": count,
            "dibuat": manifest.get("dibuat"), "versi_format_register": version,
            "versi_format_sekarang": read_format_version(target / REGISTER_PART),
            "dengan_kunci": bool(manifest.get("dengan_kunci"))}
