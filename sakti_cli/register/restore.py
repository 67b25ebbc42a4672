"""``sakti pulihkan``: the checked restore of a backup made by :mod:`sakti_cli.register.backup`.

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
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from sakti_cli.core.errors import (
    BackupInvalid,
    EnvironmentProblem,
    FileUnreadable,
    InputError,
    RegisterCorrupt,
    library_text,
    os_reason,
)
from sakti_cli.core.scratch import owned_temp
from sakti_cli.core.testhooks import crash_point
from sakti_cli.register.backup import (
    KEY_PART,
    KEYS_MEMBER,
    MANIFEST_KIND,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    REGISTER_PART,
    RestoredCopyFails,
    TargetNotEmpty,
    _refuse_newer,
    move_into_place,
    read_format_version,
    workspace_file,
)
from sakti_cli.register.places import RESTORE_PREFIX
from sakti_cli.register.tiny.engine import COMMIT_LOCK, JOURNAL, LOCK

if TYPE_CHECKING:
    from sakti_cli.signatures.keys import PassphrasePrompt

MAX_MEMBERS = 500_000  # an office's years of scans are tens of thousands of files
MAX_MEMBER_SIZE = 4 << 30
MAX_TOTAL_SIZE = 512 << 30  # and never more than the free space beside the target
MAX_MANIFEST = 256 << 20  # read into memory: about 150 bytes per file


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
        if relative.name in (JOURNAL, LOCK, COMMIT_LOCK):
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
            raise EnvironmentProblem(f"Tidak dapat menulis salinan pulihan di {staging.parent}: {os_reason(exc)}.",
                                     saran="Kosongkan ruang disk atau pulihkan ke folder lain yang dapat ditulis."
                                     ) from None
        raise BackupInvalid(f"Cadangan {archive.label} tidak dapat diurai menjadi berkas: {os_reason(exc)}.",
                            saran="Arsip ini bukan buatan 'sakti cadangkan' atau telah diubah; jangan dipulihkan.",
                            pustaka=library_text(exc)) from None
    return manifest, count


def check_register_files(register_dir: Path, label: str) -> int | None:
    """The register in a backup loads: every table is JSON, every audit line parses and chains."""
    from sakti_cli.register.tiny.engine import read_json
    from sakti_cli.register.trail import GENESIS, event_hash

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


def _register_in_staging(staging: Path, config: Any, actor: str | None, target: Path | str, archive_path: Path,
                         manifest: dict[str, Any], count: int) -> list[str]:
    """Open the restored register where it lies (an old format is migrated there), record the restore,
    then check it as 'sakti register periksa' does: a copy with any problem is refused (exit 4)."""
    from sakti_cli.core.clock import office_zone
    from sakti_cli.office.workspace import Workspace
    from sakti_cli.register.tiny.check import check_register
    from sakti_cli.register.tiny.history import pointers_from_trail, write_index
    from sakti_cli.register.upkeep import open_tiny_register

    register_dir = staging / REGISTER_PART
    if (register_dir / JOURNAL).exists():  # never: the plan refuses it; a journal is not replayed from an archive
        raise BackupInvalid(f"Cadangan {archive_path} memuat jurnal register; tidak dijalankan.")
    register = open_tiny_register(register_dir, zone=office_zone(config.kantor.zona_waktu), actor=actor)
    with register.transaction() as txn:  # the history index is derived: built from the trail, never archived
        write_index(txn, pointers_from_trail(register_dir))
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
                   prompt: PassphrasePrompt | None = None, shown: str | None = None) -> dict[str, Any]:
    """``sakti pulihkan``: unpack and check everything in a hidden folder beside the target, then rename
    it to the empty or new target. ``prompt`` asks the passphrase of a backup with sealed keys. ``shown``: what
    the ``pulihkan`` event names as the target (a PostgreSQL register the copy goes on to), else the folder."""
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
        warnings = _register_in_staging(staging, config, actor, shown or target, archive_path, manifest, count)
        move_into_place(staging, target, "Folder tujuan", "pemulihan")
        held.release()
    except BaseException:
        archive.close()
        held.remove()
        raise
    from sakti_cli.register.tiny.registry import read_format_version

    return {"arsip": str(Path(archive_path).resolve()), "ke": str(target.resolve()), "jumlah_berkas": count,
            "dibuat": manifest.get("dibuat"), "versi_format_register": version,
            "versi_format_sekarang": read_format_version(target / REGISTER_PART),
            "dengan_kunci": bool(manifest.get("dengan_kunci")), "kunci_tersegel": _sealed_member(manifest) is not None,
            "peringatan": warnings}
