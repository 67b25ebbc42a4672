"""Files of the register: TinyDB tables staged in memory, committed atomically under one lock.

Why not TinyDB's JSONStorage: it keeps a handle open (a file replaced by another process is never
seen) and rewrites in place (a crash leaves half a file). Here every transaction takes the lock,
reads the files it needs fresh, and commits all changed files together: each is written to a temp
file and fsynced, a journal naming them is fsynced, then they are renamed into place. A crash before
the journal leaves the old state; after it, the next transaction completes the renames. Audit
events ride in the same journal, so a change and its audit event land together or not at all. A
transaction may also remove files (a format migration replacing old partitions): the removals are
listed in the journal and done after the renames, so they too land with the rest or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from sakti_cli.errors import RegisterBusy, RegisterCorrupt
from sakti_cli.testhooks import crash_point

JOURNAL = ".jurnal.json"
LOCK = ".kunci"
TMP_SUFFIX = ".baru"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, payload: bytes) -> None:
    """Write and fsync a file readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, payload: bytes) -> None:
    """Temp file, fsync, rename: for single files outside a register transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    write_private(tmp, payload)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise RegisterCorrupt(
            f"Berkas register {path} rusak (bukan JSON yang utuh: {exc}).",
            saran="Jalankan 'sakti register periksa' dan pulihkan dari cadangan bila perlu.",
            berkas=str(path),
        ) from None


class StagedStorage(Storage):
    """A TinyDB storage that reads its file once and keeps writes until the transaction commits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dirty = False
        self._data: dict[str, dict[str, Any]] | None = None
        self._loaded = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        if not self._loaded:
            data = read_json(self.path)
            if data is not None and not isinstance(data, dict):
                raise RegisterCorrupt(f"Berkas register {self.path} rusak (isinya bukan tabel).")
            self._data, self._loaded = data, True
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data, self._loaded, self.dirty = data, True, True

    def payload(self) -> bytes:
        return json.dumps(self._data or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class FileSet:
    """The files one transaction touches: TinyDB databases and append-only logs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dbs: dict[Path, tuple[TinyDB, StagedStorage]] = {}
        self.appends: list[tuple[Path, str, str]] = []  # (file, line id, line)
        self.removals: list[Path] = []
        self.spilled: list[tuple[Path, Path]] = []  # (temp file already written and fsynced, final path)

    def db(self, relative: str) -> TinyDB:
        path = self.root / relative
        if path not in self._dbs:
            holder: dict[str, StagedStorage] = {}

            def factory() -> StagedStorage:
                holder["s"] = StagedStorage(path)
                return holder["s"]

            database = TinyDB(storage=_Factory(factory))
            self._dbs[path] = (database, holder["s"])
        return self._dbs[path][0]

    def append(self, relative: str, line_id: str, line: str) -> None:
        self.appends.append((self.root / relative, line_id, line))

    def remove(self, relative: str) -> None:
        """Delete a file at commit, after the new files are in place (same journal)."""
        path = self.root / relative
        if path not in self.removals:
            self.removals.append(path)
        if path in self._dbs:
            del self._dbs[path]

    def spill(self, relative: str) -> None:
        """Write a changed file's temp copy now and forget its contents (a migration rewriting a large
        register keeps one month in memory, not all of it). It is still renamed into place only by
        :meth:`commit`, with everything else. The file must not be read again in this transaction."""
        path = self.root / relative
        entry = self._dbs.pop(path, None)
        if entry is None or not entry[1].dirty:
            return
        self.spilled.append((_write_temp(path, entry[1].payload()), path))

    def pending(self) -> bool:
        """True when :meth:`commit` has something to write."""
        return bool(self.appends or self.removals or self.spilled
                    or any(store.dirty for _, store in self._dbs.values()))

    def discard(self) -> None:
        """Give up the transaction: remove the temp files already spilled (nothing was renamed)."""
        for tmp, _ in self.spilled:
            tmp.unlink(missing_ok=True)
        self.spilled.clear()

    def commit(self) -> None:
        changed = [(path, store) for path, (_, store) in self._dbs.items() if store.dirty]
        if not changed and not self.appends and not self.removals and not self.spilled:
            return
        plan: dict[str, list[Any]] = {"ganti": [[str(t), str(p)] for t, p in self.spilled],
                                      "tambah": [[str(p), i, line] for p, i, line in self.appends],
                                      "hapus": [str(p) for p in self.removals]}
        for path, store in changed:
            plan["ganti"].append([str(_write_temp(path, store.payload())), str(path)])
        journal = self.root / JOURNAL
        crash_point("tengah_tulis_register")
        write_private(journal, json.dumps(plan, ensure_ascii=False).encode())
        fsync_dir(self.root)
        apply_journal(self.root)
        for _, store in changed:
            store.dirty = False
        self.appends.clear()
        self.removals.clear()
        self.spilled.clear()


def _write_temp(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    write_private(tmp, payload)
    return tmp


class _Factory:
    """TinyDB wants a storage class; hand it a ready instance instead."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> StagedStorage:
        return self.make()


def _line_present(path: Path, line_id: str) -> bool:
    if not path.exists():
        return False
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        tail = handle.read().decode("utf-8", errors="replace")
    return f'"id":"{line_id}"' in tail or f'"id": "{line_id}"' in tail


def apply_journal(root: Path) -> bool:
    """Finish a committed transaction (or one a crash interrupted). True if there was one."""
    journal = root / JOURNAL
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except json.JSONDecodeError:
        # The crash came while writing the journal: nothing was renamed yet, the old state stands.
        for tmp in root.rglob("*" + TMP_SUFFIX):
            tmp.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
        return True
    folders = set()
    for tmp, final in plan["ganti"]:
        if Path(tmp).exists():
            os.replace(tmp, final)
        folders.add(Path(final).parent)
    for path_text, line_id, line in plan["tambah"]:
        path = Path(path_text)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _line_present(path, line_id):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        folders.add(path.parent)
    for path_text in plan.get("hapus", []):
        Path(path_text).unlink(missing_ok=True)
        folders.add(Path(path_text).parent)
    for folder in folders:
        fsync_dir(folder)
    journal.unlink()
    fsync_dir(root)
    return True


@contextlib.contextmanager
def locked(root: Path, timeout: float) -> Iterator[None]:
    """Hold the register lock; give up after ``timeout`` seconds with RegisterBusy (exit 5)."""
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise RegisterBusy(
            f"Register sedang dipakai proses lain lebih dari {timeout:g} detik.",
            saran="Tunggu sebentar lalu ulangi; bila tidak ada proses sakti lain, periksa dengan "
            "'sakti register periksa'.",
        ) from None
    try:
        apply_journal(root)
        yield
    finally:
        lock.release()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks (scans and letters can be large)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
