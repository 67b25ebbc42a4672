"""Backups of a workspace (``sakti cadangkan``) and their checked restore (``sakti pulihkan``).

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

A backup is untrusted input. A restore goes into an empty or new folder only, never over a
workspace: everything is unpacked into a hidden folder beside the target (``.pulihkan-*``), and only
the file kinds a workspace has are accepted (regular files in known places, see
:func:`workspace_file`; no links, devices, absolute or ``..`` names, hidden files such as the
register's journal or lock, duplicates, or more members and bytes than the bounds below). Every file
must match the manifest. The copy is then checked (the register loads, its format is not newer than
this sakti, sakti.toml loads), opened as a register (an old format is migrated there), checked as
``sakti register periksa`` does, and only then renamed into place; if any step fails it is removed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import lzma
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
from typing import IO, TYPE_CHECKING, Any

from sakti_cli import __version__
from sakti_cli.core.clock import iso, now
from sakti_cli.core.errors import (
    EnvironmentProblem,
    FileUnreadable,
    InputError,
    RegisterCorrupt,
    StateConflict,
    library_text,
    os_reason,
)
from sakti_cli.core.scratch import owned_temp, sweep
from sakti_cli.core.storage import JOURNAL, LOCK, TMP_SUFFIX, check_writable_folder, locked, sha256_file, write_private
from sakti_cli.core.testhooks import crash_point
from sakti_cli.register.recovery import RESTORE_PREFIX, SNAPSHOT_PREFIX

if TYPE_CHECKING:
    from sakti_cli.signatures.keys import PassphrasePrompt

MANIFEST_NAME = "MANIFEST-SAKTI.json"
MANIFEST_KIND = "cadangan-sakti"
MANIFEST_VERSION = 2  # 2: the private part of pki/ sealed in KEYS_MEMBER (1: pki/ as plain files)
KEYS_MEMBER = "KUNCI-SAKTI.bin"
MAX_MEMBERS = 500_000  # an office's years of scans are tens of thousands of files
MAX_MEMBER_SIZE = 4 << 30
MAX_TOTAL_SIZE = 512 << 30  # and never more than the free space beside the target
MAX_MANIFEST = 256 << 20  # read into memory: about 150 bytes per file
PARTS = ("sakti.toml", "sop", "templat", "data/register", "data/surat", "data/berkas", "data/antrean")
KEY_PART = "pki"
REGISTER_PART = "data/register"
AUTO_BACKUP_DIR = "cadangan"  # under data/: automatic backups before a migration
SUFFIXES = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}


class BackupInvalid(FileUnreadable):
    """The archive is not a usable sakti backup: unreadable, truncated, or not matching its manifest."""

    kode = "CADANGAN_RUSAK"


class RestoredCopyFails(RegisterCorrupt):
    """The restored copy does not pass the register check: it is removed, the target is not made."""

    kode = "PULIHAN_TIDAK_UTUH"


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
    from sakti_cli.register.registry import read_format_version as registry_version

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
                  prompt: PassphrasePrompt | None = None) -> dict[str, Any]:
    """``sakti cadangkan``: snapshot under the register lock, archive, record it in the trail.

    With keys, the passphrase is asked first (twice, through ``prompt``): without one nothing is written."""
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
    try:
        with locked(ws.register_dir, register.lock_timeout):
            version = read_format_version(ws.register_dir)
            _refuse_newer(version, ws.register_dir / "meta.json")
            moment = now(ws.zone)
            files = _snapshot(ws.root, parts, staging,
                              keep=None if with_keys else (lambda rel: rel.parts[0] != KEY_PART
                                                           or is_public_certificate(ws.root / rel)),
                              passed_over=passed_over)
        if passphrase is not None:
            private = [rel for rel in files if rel.parts[0] == KEY_PART and not is_public_certificate(ws.root / rel)]
            sealed = _seal_keys(staging, private, passphrase)
            files = [sealed, *(rel for rel in files if rel not in private)]  # first: read before the rest
        if version is None:
            from sakti_cli.register.registry import FORMAT_VERSION

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
    return {"berkas": str(target.resolve()), "format": kind, "sha256": digest, "ukuran": size,
            "jumlah_berkas": len(files), "versi_format_register": version, "dibuat": manifest["dibuat"],
            "dengan_kunci": with_keys, "kunci_tersegel": with_keys, "isi": list(parts),
            "dilewati": passed_over}


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
    handle: Any  # the TarInfo or ZipInfo


def _refuse(label: str, what: str) -> BackupInvalid:
    return BackupInvalid(f"Cadangan {label} {what}.",
                         saran="Arsip ini bukan buatan 'sakti cadangkan' atau telah diubah; jangan dipulihkan.")


def _safe_name(label: str, name: str) -> PurePosixPath:
    """The one spelling sakti writes: relative, no ``..``, ``.``, empty or hidden part, no backslash or
    control character (so no two members can name one file)."""
    path = PurePosixPath(name)
    if (path.is_absolute() or not path.parts or str(path) != name.rstrip("/") or ".." in path.parts
            or "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise _refuse(label, f"memuat nama berkas yang tidak aman: {name!r}")
    return path


MAX_READ = 64 << 20
"""The most tarfile may read at once: a header (pax, GNU long name) is read whole into memory, so a
crafted one declaring gigabytes would be a bomb before any member is seen; members are read in 1 MiB."""


class _CappedStream:
    """The (decompressed) tar stream, refusing any single read larger than MAX_READ."""

    def __init__(self, stream: Any, label: str, raw: IO[bytes] | None = None) -> None:
        self.stream, self.label, self.raw = stream, label, raw

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > MAX_READ:
            raise _refuse(self.label, f"memuat kepala tar yang menyatakan lebih dari {MAX_READ} byte")
        return self.stream.read(size)

    def close(self) -> None:
        self.stream.close()
        if self.raw is not None:
            self.raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _tar_stream(path: Path, label: str) -> _CappedStream:
    """gzip (what sakti writes), bzip2, xz or plain, by the file's first bytes."""
    import bz2
    import gzip

    raw = path.open("rb")
    magic = raw.read(6)
    raw.seek(0)
    if magic[:2] == b"\x1f\x8b":
        stream: Any = gzip.GzipFile(fileobj=raw)
    elif magic[:3] == b"BZh":
        stream = bz2.BZ2File(raw)
    elif magic == b"\xfd7zXZ\x00":
        stream = lzma.LZMAFile(raw)  # noqa: SIM115 (closed with the archive)
    else:
        stream = raw
    return _CappedStream(stream, label, raw)


class _Archive:
    """Read a .tar.gz or .zip the same way; only regular files (and folders, which are skipped) are
    accepted, and the members are bounded in number and size while they are listed."""

    def __init__(self, path: Path, *, fileobj: IO[bytes] | None = None, label: str | None = None) -> None:
        self.path = path
        self.label = label or str(path)
        self._tar: tarfile.TarFile | None = None
        self._zip: zipfile.ZipFile | None = None
        self._stream: Any = None
        try:
            if fileobj is None and zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
            else:
                self._stream = (_CappedStream(fileobj, self.label) if fileobj is not None
                                else _tar_stream(path, self.label))
                self._tar = tarfile.open(fileobj=self._stream, mode="r:")  # noqa: SIM115 (closed by close())
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            self.close()
            raise BackupInvalid(f"Berkas {self.label} bukan arsip cadangan yang dapat dibaca.",
                                saran="Pakai berkas .tar.gz atau .zip buatan 'sakti cadangkan'.",
                                pustaka=library_text(exc)) from None

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()
        if self._zip is not None:
            self._zip.close()
        if self._stream is not None:
            self._stream.close()

    def _entries(self) -> Iterator[tuple[str, bool, bool, int, Any]]:
        """(name, is a folder, is a regular file, declared size, handle), lazily for a tar."""
        if self._zip is not None:
            for info in self._zip.infolist():
                kind = stat.S_IFMT(info.external_attr >> 16)
                regular = not info.is_dir() and kind in (0, stat.S_IFREG) and not info.flag_bits & 0x1
                yield info.filename, info.is_dir(), regular, info.file_size, info
            return
        assert self._tar is not None
        for tar_info in self._tar:  # header by header: the bounds stop a bomb before it is read through
            regular = tar_info.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
            yield tar_info.name, tar_info.isdir(), regular, tar_info.size, tar_info

    def members(self) -> list[_Member]:
        out: list[_Member] = []
        seen: set[str] = set()
        total = 0
        try:
            for name, is_dir, regular, size, handle in self._entries():
                relative = str(_safe_name(self.label, name))
                if is_dir:
                    continue
                if not regular:
                    raise _refuse(self.label, f"memuat {relative} yang bukan berkas biasa (tautan, perangkat, "
                                              "pipa atau berkas terenkripsi)")
                if relative in seen:
                    raise _refuse(self.label, f"memuat {relative} lebih dari sekali")
                seen.add(relative)
                if len(out) >= MAX_MEMBERS:
                    raise _refuse(self.label, f"memuat lebih dari {MAX_MEMBERS} berkas (sampai {relative}): "
                                              "bukan cadangan kantor")
                if size > MAX_MEMBER_SIZE:
                    raise _refuse(self.label, f"memuat {relative} berukuran {size} byte, di atas batas "
                                              f"{MAX_MEMBER_SIZE} byte per berkas")
                total += size
                if total > MAX_TOTAL_SIZE:
                    raise _refuse(self.label, f"berisi lebih dari {MAX_TOTAL_SIZE} byte (sampai {relative})")
                out.append(_Member(relative, size, handle))
        except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            raise BackupInvalid(f"Cadangan {self.label} rusak atau terpotong.",
                                saran="Pakai cadangan lain; berkas ini tidak dapat dipulihkan utuh.",
                                pustaka=library_text(exc)) from None
        return out

    @contextlib.contextmanager
    def open(self, member: _Member) -> Iterator[IO[bytes]]:
        if self._zip is not None:
            with self._zip.open(member.handle) as handle:
                yield handle
            return
        assert self._tar is not None
        extracted = self._tar.extractfile(member.handle)
        if extracted is None:
            raise _refuse(self.label, f"memuat {member.name} yang tidak dapat dibaca")
        with extracted:
            yield extracted


def _read_bounded(archive: _Archive, member: _Member, limit: int, out: IO[bytes] | None = None) -> tuple[str, bytes]:
    """Copy one member (to ``out``, else into memory), never more than its declared size or ``limit``:
    returns its SHA-256 and, without ``out``, its bytes."""
    if member.size > limit:
        raise _refuse(archive.label, f"memuat {member.name} berukuran {member.size} byte, di atas batas {limit}")
    digest, kept, left = hashlib.sha256(), io.BytesIO(), member.size
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(min(1 << 20, left + 1))
            if not chunk:
                break
            left -= len(chunk)
            if left < 0:
                raise _refuse(archive.label, f"memuat {member.name} yang lebih besar dari ukuran yang dinyatakan")
            digest.update(chunk)
            (out or kept).write(chunk)
    if left:
        raise _refuse(archive.label, f"memuat {member.name} yang lebih pendek dari ukuran yang dinyatakan")
    return digest.hexdigest(), kept.getvalue()


def _read_manifest(archive: _Archive, members: dict[str, _Member]) -> dict[str, Any]:
    if MANIFEST_NAME not in members:
        raise BackupInvalid(f"Cadangan {archive.label} tidak memuat {MANIFEST_NAME}.",
                            saran="Arsip ini bukan buatan 'sakti cadangkan'.")
    raw = _read_bounded(archive, members[MANIFEST_NAME], MAX_MANIFEST)[1]
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        from sakti_cli.core.validation import syntax_error_place

        raise BackupInvalid(f"{MANIFEST_NAME} di {archive.label} rusak ({syntax_error_place(exc)}).",
                            saran="Pakai cadangan lain; manifes ini tidak dapat dipercaya.",
                            pustaka=library_text(exc)) from None
    entries = manifest.get("berkas") if isinstance(manifest, dict) else None
    if (not isinstance(manifest, dict) or manifest.get("jenis") != MANIFEST_KIND or not isinstance(entries, list)
            or not all(isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str)
                       and isinstance(e.get("ukuran"), int) for e in entries)):
        raise BackupInvalid(f"{MANIFEST_NAME} di {archive.label} tidak berbentuk manifes cadangan sakti.")
    if not isinstance(manifest.get("versi_manifest"), int) or manifest["versi_manifest"] > MANIFEST_VERSION:
        raise BackupInvalid(f"Manifes {archive.label} berversi {manifest.get('versi_manifest')!r}, "
                            f"sakti ini mengenal sampai versi {MANIFEST_VERSION}.",
                            saran="Perbarui sakti sebelum memulihkan cadangan ini.")
    return manifest


def _sealed_member(manifest: dict[str, Any]) -> str | None:
    """The member holding the sealed keys (manifest 2 with keys), else None."""
    return KEYS_MEMBER if manifest["versi_manifest"] >= 2 and manifest.get("dengan_kunci") else None


def _check_plan(archive: _Archive, manifest: dict[str, Any], members: dict[str, _Member]) -> None:
    """Before anything is unpacked: each member a workspace's kind and in the manifest with its size,
    none missing. Plain private keys only in a manifest-1 backup made with keys."""
    expected = {e["path"]: e for e in manifest["berkas"]}
    sealed = _sealed_member(manifest)
    plain_keys = manifest["versi_manifest"] < 2 and bool(manifest.get("dengan_kunci"))
    for name, member in members.items():
        if name == MANIFEST_NAME:
            continue
        relative = PurePosixPath(name)
        if relative.name in (JOURNAL, LOCK):
            raise _refuse(archive.label, f"memuat {name}: jurnal dan kunci register tidak pernah dipulihkan "
                                         "atau dijalankan dari cadangan")
        if name != sealed and not workspace_file(relative, private_keys=plain_keys):
            raise _refuse(archive.label, f"memuat {name}, di luar bagian kantor yang dicadangkan (bukan jenis "
                                         "berkas kantor)")
        entry = expected.get(name)
        if entry is None:
            raise _refuse(archive.label, f"memuat {name} yang tidak ada di manifesnya")
        if entry["ukuran"] != member.size:
            raise _refuse(archive.label, f"memuat {name} berukuran {member.size} byte, manifesnya mencatat "
                                         f"{entry['ukuran']}")
    missing = sorted(set(expected) - set(members))
    if missing:
        raise BackupInvalid(f"Cadangan {archive.label} tidak memuat {len(missing)} berkas dari manifesnya, "
                            f"mis. {missing[0]}.", saran="Arsip ini tidak lengkap; pakai cadangan lain.")
    if sealed is not None and sealed not in members:
        raise BackupInvalid(f"Cadangan {archive.label} mencatat kunci tersegel, tetapi {sealed} tidak ada.",
                            saran="Arsip ini tidak lengkap; pakai cadangan lain.")
    from sakti_cli.office.workspace import CONFIG_NAME

    if CONFIG_NAME not in members:
        raise BackupInvalid(f"Cadangan {archive.label} tidak memuat {CONFIG_NAME}; ini bukan cadangan kantor utuh.",
                            saran="Cadangan otomatis di data/cadangan/ hanya berisi register: ekstrak "
                            "manual ke data/register sebuah kantor.")


def _write_member(archive: _Archive, member: _Member, staging: Path, sha256: str | None) -> None:
    """One regular file into the fresh staging folder: created (never opened through a link), bounded,
    and matching its SHA-256 when the manifest gives one."""
    destination = staging / member.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        digest = _read_bounded(archive, member, MAX_MEMBER_SIZE, out)[0]
    if sha256 is not None:
        _same_hash(archive, member, digest, sha256)


def _same_hash(archive: _Archive, member: _Member, digest: str, sha256: str) -> None:
    if digest != sha256:
        raise BackupInvalid(f"Cadangan {archive.label}: isi {member.name} tidak cocok dengan SHA-256 di manifesnya.",
                            saran="Arsip ini rusak atau telah diubah; pakai cadangan lain.")


def _open_sealed(archive: _Archive, member: _Member, sha256: str, prompt: PassphrasePrompt | None) -> bytes:
    """The sealed key part, checked against the manifest, asked for and decrypted (before the bulk)."""
    from sakti_cli.register.backup_keys import MAX_SEALED, ask_passphrase, unseal

    digest, blob = _read_bounded(archive, member, MAX_SEALED)
    _same_hash(archive, member, digest, sha256)
    return unseal(blob, ask_passphrase(prompt, archive.label), archive.label)


def _unpack_keys(archive: _Archive, packed: bytes, staging: Path) -> int:
    """The decrypted key part: a tar of pki/ files, held to the same rules as the archive itself."""
    inner = _Archive(archive.path, fileobj=io.BytesIO(packed), label=f"{archive.label} ({KEYS_MEMBER})")
    try:
        members = inner.members()
        for member in members:
            relative = PurePosixPath(member.name)
            if relative.parts[0] != KEY_PART or not workspace_file(relative, private_keys=True):
                raise _refuse(inner.label, f"memuat {member.name}, di luar pki/")
            if (staging / member.name).exists():
                raise _refuse(inner.label, f"memuat {member.name} lebih dari sekali")
            _write_member(inner, member, staging, None)  # authenticated by the seal
    finally:
        inner.close()
    return len(members)


def _unpack(archive: _Archive, staging: Path, prompt: PassphrasePrompt | None) -> tuple[dict[str, Any], int]:
    """Check the plan, open the sealed keys (asking their passphrase), then unpack every file."""
    listed = archive.members()
    members = {m.name: m for m in listed}
    manifest = _read_manifest(archive, members)
    _check_plan(archive, manifest, members)
    needed = sum(m.size for m in listed)
    free = shutil.disk_usage(staging).free
    if needed > free:
        raise EnvironmentProblem(f"Ruang kosong di {staging.parent} ({free} byte) tidak cukup untuk isi cadangan "
                                 f"{archive.label} ({needed} byte).", saran="Kosongkan ruang disk atau pulihkan "
                                 "ke disk lain.")
    expected = {e["path"]: e["sha256"] for e in manifest["berkas"]}
    sealed = _sealed_member(manifest)
    packed = _open_sealed(archive, members[sealed], expected[sealed], prompt) if sealed else None
    count = 0
    try:
        for member in listed:
            if member.name not in (MANIFEST_NAME, sealed):
                _write_member(archive, member, staging, expected[member.name])
                count += 1
        if packed is not None:
            count += _unpack_keys(archive, packed, staging)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise EnvironmentProblem(f"Tidak dapat menulis salinan pulihan di {staging.parent}: {exc.strerror}.",
                                     saran="Kosongkan ruang disk atau pulihkan ke folder lain yang dapat ditulis."
                                     ) from None
        raise BackupInvalid(f"Cadangan {archive.label} tidak dapat diurai menjadi berkas: {os_reason(exc)}.",
                            saran="Arsip ini bukan buatan 'sakti cadangkan' atau telah diubah; jangan dipulihkan.",
                            pustaka=library_text(exc)) from None
    return manifest, count


def _refuse_newer(version: int | None, where: Path) -> None:
    from sakti_cli.register.registry import FORMAT_VERSION

    if version is not None and version > FORMAT_VERSION:
        raise RegisterCorrupt(
            f"Register di {where} dibuat oleh sakti yang lebih baru (format {version}, sakti ini "
            f"{FORMAT_VERSION}).", saran="Perbarui sakti sebelum memakai register ini.")


def check_register_files(register_dir: Path, label: str) -> int | None:
    """The register in a backup loads: every table is JSON, every audit line parses and chains."""
    from sakti_cli.core.storage import read_json
    from sakti_cli.register.registry import GENESIS, event_hash

    if not register_dir.is_dir():
        return None
    for path in sorted(register_dir.rglob("*.json")):
        try:
            data = read_json(path)
        except (RegisterCorrupt, UnicodeDecodeError, RecursionError):
            data = []
        if data is not None and not isinstance(data, dict):
            raise RegisterCorrupt(f"Register di {label} rusak: data/register/{path.relative_to(register_dir)} "
                                  "bukan tabel JSON yang utuh.", saran="Pakai cadangan lain.")
    previous = GENESIS
    for path in sorted((register_dir / "audit").glob("*.jsonl")):
        for number, raw in enumerate(path.read_bytes().splitlines(), 1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw.decode("utf-8"))
                if not isinstance(event, dict):
                    raise ValueError(event)
            except (ValueError, RecursionError):  # JSON, UTF-8, or not an event
                raise RegisterCorrupt(f"Register di {label}: jejak audit {path.name} rusak pada baris {number}.",
                                      saran="Pakai cadangan lain.") from None
            if event.get("prev") != previous or event_hash(event) != event.get("hash"):
                raise RegisterCorrupt(f"Register di {label}: rantai jejak audit {path.name} putus pada baris "
                                      f"{number}.", saran="Pakai cadangan lain.")
            previous = event["hash"]
    version = read_format_version(register_dir)
    _refuse_newer(version, Path(label))
    return version


TOLERATED_PROBLEMS = ("audit_data_pribadi",)
"""Problems of the check a restored copy may keep (returned as warnings): a NIK written into the
append-only trail by an older sakti is a privacy finding the office can never repair, not damage."""


def _register_in_staging(staging: Path, config: Any, actor: str | None, target: Path, archive_path: Path,
                         manifest: dict[str, Any], count: int) -> list[str]:
    """Open the restored register where it lies (an old format is migrated there), record the restore,
    then check it as 'sakti register periksa' does: a copy with any problem is refused (exit 4)."""
    from sakti_cli.core.clock import office_zone
    from sakti_cli.office.workspace import Workspace
    from sakti_cli.register.check import check_register
    from sakti_cli.register.registry import Register

    register_dir = staging / REGISTER_PART
    if (register_dir / JOURNAL).exists():  # never: the plan refuses it; a journal is not replayed from an archive
        raise BackupInvalid(f"Cadangan {archive_path} memuat jurnal register; tidak dijalankan.")
    register = Register(register_dir, zone=office_zone(config.kantor.zona_waktu), actor=actor)
    with register.transaction() as txn:
        txn.audit("pulihkan", str(target), None, None, arsip=str(archive_path.resolve()),
                  dibuat=manifest.get("dibuat"), jumlah_berkas=count)
    result = check_register(Workspace(root=staging, config=config, found_by="pulihkan"), register)
    problems = [p for p in result["masalah"] if p["jenis"] not in TOLERATED_PROBLEMS]
    if problems:
        first = problems[0]
        raise RestoredCopyFails(
            f"Salinan pulihan dari {archive_path} tidak lolos pemeriksaan register ({len(problems)} masalah), "
            f"mis. [{first['berkas']}] {first['pesan']} Salinan itu dihapus; {target} tidak dibuat.",
            saran="Periksa kantor asalnya dengan 'sakti register periksa', atau pakai cadangan lain.",
            masalah=problems[:20])
    return [p["pesan"] for p in result["masalah"] if p["jenis"] in TOLERATED_PROBLEMS]


def restore_backup(archive_path: Path, target: Path, *, actor: str | None = None,
                   prompt: PassphrasePrompt | None = None) -> dict[str, Any]:
    """``sakti pulihkan``: unpack and check everything in a hidden folder beside the target, then rename
    it to the empty or new target. ``prompt`` asks the passphrase of a backup with sealed keys."""
    from sakti_cli.core.privacy import make_tree_private
    from sakti_cli.office.workspace import CONFIG_NAME, load_config, make_private

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
            manifest, count = _unpack(archive, staging, prompt)
            crash_point("setelah_ekstrak_pulihkan")
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, NotImplementedError) as exc:
            raise BackupInvalid(f"Cadangan {archive_path} rusak atau terpotong.",
                                saran="Pakai cadangan lain; berkas ini tidak dapat dipulihkan utuh.",
                                pustaka=library_text(exc)) from None
        archive.close()
        label = f"cadangan {archive_path}"
        version = check_register_files(staging / REGISTER_PART, label)
        recorded = manifest.get("versi_format_register")
        if version is not None and recorded != version:
            raise BackupInvalid(f"Cadangan {archive_path}: manifes mencatat format register {recorded}, "
                                f"register di dalamnya format {version}.")
        _refuse_newer(recorded if isinstance(recorded, int) else None, Path(label))
        config = load_config(staging / CONFIG_NAME)
        for name in ("data", "pki"):
            (staging / name).mkdir(exist_ok=True)
            make_tree_private(staging / name)
        for name in ("data/register", "data/berkas", "data/surat"):
            (staging / name).mkdir(parents=True, exist_ok=True)
            make_private(staging / name)
        warnings = _register_in_staging(staging, config, actor, target, archive_path, manifest, count)
        try:
            os.rename(staging, target)  # onto a new name or an empty folder: one step
        except OSError:
            raise TargetNotEmpty(f"Folder tujuan {target} berubah selama pemulihan; salinan pulihan dihapus.",
                                 saran="Pulihkan ke folder baru yang tidak dipakai proses lain.") from None
        held.release()
    except BaseException:
        archive.close()
        held.remove()
        raise
    from sakti_cli.register.registry import read_format_version

    return {"arsip": str(Path(archive_path).resolve()), "ke": str(target.resolve()), "jumlah_berkas": count,
            "dibuat": manifest.get("dibuat"), "versi_format_register": version,
            "versi_format_sekarang": read_format_version(target / REGISTER_PART),
            "dengan_kunci": bool(manifest.get("dengan_kunci")), "kunci_tersegel": _sealed_member(manifest) is not None,
            "peringatan": warnings}
