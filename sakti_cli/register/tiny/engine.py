"""The TinyDB register's files: tables staged in memory, committed atomically under one lock.

Why not TinyDB's JSONStorage: it keeps a handle open (a file replaced by another process is never
seen) and rewrites in place (a crash leaves half a file). Here every transaction takes the lock,
reads the files it needs fresh, and commits all changed files together: each is written to a temp
file and fsynced, a journal naming them is fsynced, then they are renamed into place. A crash before
the journal leaves the old state; after it, the next transaction completes the renames. Audit
events ride in the same journal, so a change and its audit event land together or not at all. A
transaction may also remove files (a format migration replacing old partitions): the removals are
listed in the journal and done after the renames, so they too land with the rest or not at all.

Two lock files: ``.kunci`` (LOCK), held by a writing transaction for its whole step, so writers take
turns; and ``.kunci-baca`` (COMMIT_LOCK), held exclusively only while a commit writes its journal and
renames its files (and while a crashed commit is finished), and shared by every reading session for its
whole length. So a reader never waits for a writer's step, only for a commit in progress, and always sees
each commit whole; a commit waits for the readers in progress (listings are short and bounded).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from sakti_cli.core.errors import REGISTER_ADVICE, RegisterCorrupt
from sakti_cli.core.storage import (
    TMP_SUFFIX,
    exclusive_lock,
    fsync_dir,
    shared_lock,
    writable,
    write_all,
    write_private,
)
from sakti_cli.core.testhooks import crash_point

JOURNAL = ".jurnal.json"
LOCK = ".kunci"
COMMIT_LOCK = ".kunci-baca"


CORRUPT_SARAN = "Jalankan 'sakti register periksa' dan pulihkan dari cadangan bila perlu."


def read_text(path: Path) -> str | None:
    """A register file's text; None if it does not exist. A byte that is not UTF-8 is a named
    corruption (RegisterCorrupt with the file and the byte's offset), never a UnicodeDecodeError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterCorrupt(f"Berkas register {path} rusak: bukan UTF-8 pada byte {exc.start}.",
                              saran=CORRUPT_SARAN, berkas=str(path), byte=exc.start) from None


def parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except RecursionError:
        raise RegisterCorrupt(f"Berkas register {path} rusak: JSON bersarang terlalu dalam.",
                              saran=CORRUPT_SARAN, berkas=str(path)) from None
    except json.JSONDecodeError as exc:
        raise RegisterCorrupt(
            f"Berkas register {path} rusak: JSON rusak baris {exc.lineno} kolom {exc.colno} ({exc.msg}).",
            saran=CORRUPT_SARAN, berkas=str(path), baris=exc.lineno, kolom=exc.colno,
        ) from None


def read_json(path: Path) -> Any:
    text = read_text(path)
    return None if text is None else parse_json(path, text)


class StagedStorage(Storage):
    """A TinyDB storage that reads its file once and keeps writes until the transaction commits."""

    def __init__(self, path: Path, source: Path | None = None) -> None:
        self.path = path
        self.source = source or path  # a file spilled earlier in the transaction is read from its temp copy
        self.dirty = source is not None  # ... and written again at commit (its temp is no longer listed)
        self._data: dict[str, dict[str, Any]] | None = None
        self._loaded = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        if not self._loaded:
            data = read_json(self.source)
            if data is not None and not isinstance(data, dict):
                raise RegisterCorrupt(f"Berkas register {self.path} rusak (isinya bukan tabel).",
                                      saran=REGISTER_ADVICE)
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
            spilled = next((tmp for tmp, final in self.spilled if final == path), None)
            if spilled is not None:  # a later migration step reads what an earlier one spilled
                self.spilled.remove((spilled, path))

            def factory() -> StagedStorage:
                holder["s"] = StagedStorage(path, spilled)
                return holder["s"]

            database = TinyDB(storage=_Factory(factory))
            self._dbs[path] = (database, holder["s"])
        return self._dbs[path][0]

    def append(self, relative: str, line_id: str, line: str) -> None:
        self.appends.append((self.root / relative, line_id, line))

    def append_position(self, relative: str) -> int:
        """The byte offset at which the next line appended to ``relative`` will start once committed
        (after the lines already pending, and the fresh line :func:`apply_journal` starts after a cut one)."""
        path = self.root / relative
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        pending = [line for target, _, line in self.appends if target == path]
        fresh = 1 if _ends_mid_line(path) else 0
        return size + fresh + sum(len(line.encode()) + 1 for line in pending)

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

    def stems(self, folder: str) -> list[str]:
        """The names (without .json) of the files in ``folder`` as this transaction sees them: on disk, minus
        those it removes, plus those it spilled or holds changed (a migration step after another)."""
        where = self.root / folder
        seen = set(where.glob("*.json")) if where.is_dir() else set()
        seen |= {final for _, final in self.spilled} | {path for path, (_, store) in self._dbs.items() if store.dirty}
        return [path.stem for path in seen if path.parent == where and path not in self.removals]

    def pending(self) -> bool:
        """True when :meth:`commit` has something to write."""
        return bool(self.appends or self.removals or self.spilled
                    or any(store.dirty for _, store in self._dbs.values()))

    def discard(self) -> None:
        """Give up the transaction: remove the temp files already spilled (nothing was renamed)."""
        for tmp, _ in self.spilled:
            tmp.unlink(missing_ok=True)
        for _, store in self._dbs.values():
            if store.source != store.path:  # spilled, then read again
                store.source.unlink(missing_ok=True)
        self.spilled.clear()

    def _relative(self, path: Path) -> str:
        """Journal entries name files relative to the register folder (never absolute: see apply_journal)."""
        return path.relative_to(self.root).as_posix()

    def commit(self) -> None:
        changed = [(path, store) for path, (_, store) in self._dbs.items() if store.dirty]
        if not changed and not self.appends and not self.removals and not self.spilled:
            return
        rel = self._relative
        plan: dict[str, list[Any]] = {"ganti": [[rel(t), rel(p)] for t, p in self.spilled],
                                      "tambah": [[rel(p), i, line] for p, i, line in self.appends],
                                      "hapus": [rel(p) for p in self.removals]}
        journal = self.root / JOURNAL
        try:
            for path, store in changed:
                plan["ganti"].append([rel(_write_temp(path, store.payload())), rel(path)])
            crash_point("tengah_tulis_register")
            write_private(journal, json.dumps(plan, ensure_ascii=False).encode())
        except OSError:  # a full disk: nothing was renamed, the old state stands; no half-written files stay
            for tmp in [path.with_name(path.name + TMP_SUFFIX) for path, _ in changed] + [t for t, _ in self.spilled]:
                tmp.unlink(missing_ok=True)
            journal.unlink(missing_ok=True)
            raise
        fsync_dir(self.root)
        with exclusive_lock(self.root / COMMIT_LOCK, COMMIT_WAIT):  # readers see the commit whole
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
    """Whether the event ``line_id`` is already a complete line of ``path`` (a line cut short by a
    crash does not count: the event is appended again, whole, on a fresh line)."""
    if not path.exists():
        return False
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        tail = handle.read().decode("utf-8", errors="replace")
    complete = tail.split("\n")[:-1]  # the part after the last newline is not a complete line
    return any(f'"id":"{line_id}"' in line or f'"id": "{line_id}"' in line for line in complete)


def _ends_mid_line(path: Path) -> bool:
    """A trail whose last line was cut (a crash, a full disk): the next event starts on a fresh line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) != b"\n"


JOURNAL_KEYS = {"ganti": 2, "tambah": 3}  # key -> length of each entry (``hapus``: paths, optional)


def read_plan(root: Path) -> dict[str, Any] | None:
    """The pending journal, checked entry by entry: None if there is none; RegisterCorrupt naming
    the journal and what is wrong (``{}``, a missing key, a malformed entry). A journal that is not
    JSON at all is a crash while it was written: reported as ``{"terputus": True}``."""
    journal = root / JOURNAL
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return None
    try:
        plan = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if exc.end < len(raw):  # a bad byte inside, not a character cut at the end by a crash
            raise RegisterCorrupt(f"Jurnal register {journal} rusak: bukan UTF-8 pada byte {exc.start}.",
                                  saran=CORRUPT_SARAN, berkas=str(journal)) from None
        return {"terputus": True}
    except json.JSONDecodeError:
        return {"terputus": True}
    saran = ("Jangan hapus berkas itu begitu saja: bila ada berkas *.baru di data/register, sebuah perubahan "
             "belum selesai; pulihkan dari cadangan atau minta bantuan teknisi.")
    if not isinstance(plan, dict):
        raise RegisterCorrupt(f"Jurnal register {journal} rusak: isinya bukan objek.", saran=saran,
                              berkas=str(journal))
    for key, width in JOURNAL_KEYS.items():
        if key not in plan:
            raise RegisterCorrupt(f"Jurnal register {journal} tidak lengkap: kunci '{key}' tidak ada.",
                                  saran=saran, berkas=str(journal))
        entries = plan[key]
        if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == width and all(isinstance(x, str) for x in e) for e in entries):
            raise RegisterCorrupt(f"Jurnal register {journal} rusak: isi '{key}' tidak sah.", saran=saran,
                                  berkas=str(journal))
    removals = plan.setdefault("hapus", [])
    if not isinstance(removals, list) or not all(isinstance(p, str) for p in removals):
        raise RegisterCorrupt(f"Jurnal register {journal} rusak: isi 'hapus' tidak sah.", saran=saran,
                              berkas=str(journal))
    return plan


def _journal_corrupt(journal: Path, what: str) -> RegisterCorrupt:
    return RegisterCorrupt(
        f"Jurnal register {journal} rusak: {what}. Jurnal tidak dijalankan; tidak ada berkas yang diubah.",
        saran="Program sakti hanya menulis jurnal yang menyebut berkas di dalam folder register: periksa isinya, "
        "pindahkan berkas itu keluar dari data/register, lalu jalankan 'sakti register periksa'.",
        berkas=str(journal))


def _journal_path(root: Path, base: Path, journal: Path, entry: Any) -> Path:
    """One path of a journal entry: relative to the register folder (``base``, resolved) and inside it,
    also through symlinks."""
    if not isinstance(entry, str) or not entry or "\x00" in entry:
        raise _journal_corrupt(journal, f"entri {entry!r} bukan nama berkas")
    relative = PurePosixPath(entry)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise _journal_corrupt(journal, f"entri {entry!r} keluar dari folder register")
    path = root / relative
    if base not in path.resolve().parents:
        raise _journal_corrupt(journal, f"entri {entry!r} menunjuk ke luar folder register (tautan simbolik)")
    return path


def read_journal(root: Path) -> dict[str, list[Any]] | None:
    """The journal's plan with every path checked (None when there is none): a journal naming a file
    outside the register (absolute, ``..``, through a symlink) is corruption, never replayed."""
    plan = read_plan(root)
    if plan is None or plan.get("terputus"):
        return plan
    journal, base = root / JOURNAL, root.resolve()

    def path(entry: Any) -> Path:
        return _journal_path(root, base, journal, entry)

    return {"ganti": [[path(tmp), path(final)] for tmp, final in plan["ganti"]],
            "tambah": [[path(file), line_id, line] for file, line_id, line in plan["tambah"]],
            "hapus": [path(file) for file in plan["hapus"]]}


def apply_journal(root: Path) -> bool:
    """Finish a committed transaction (or one a crash interrupted). True if there was one."""
    journal = root / JOURNAL
    plan = read_journal(root)
    if plan is None:
        return False
    if plan.get("terputus"):
        # The crash came while writing the journal: nothing was renamed yet, the old state stands.
        for tmp in root.rglob("*" + TMP_SUFFIX):
            tmp.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
        return True
    folders = set()
    for tmp, final in plan["ganti"]:
        if tmp.exists():
            os.replace(tmp, final)
        folders.add(final.parent)
    for path, line_id, line in plan["tambah"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _line_present(path, line_id):
            fresh = "\n" if _ends_mid_line(path) else ""
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            try:
                write_all(fd, (fresh + line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        folders.add(path.parent)
    for path in plan["hapus"]:
        path.unlink(missing_ok=True)
        folders.add(path.parent)
    for folder in folders:
        fsync_dir(folder)
    journal.unlink()
    fsync_dir(root)
    return True


COMMIT_WAIT = 60.0  # seconds a commit waits for the reading sessions in progress


@contextlib.contextmanager
def locked(root: Path, timeout: float, *, finish_journal: bool = True) -> Iterator[None]:
    """Hold the register's write lock; give up after ``timeout`` seconds with RegisterBusy (exit 5).
    A crashed commit's journal is finished first (under the commit lock: no reader sees it half-way).
    ``finish_journal=False``: the caller finishes (or reports) a pending journal itself."""
    root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(root / LOCK, timeout):
        if finish_journal and (root / JOURNAL).exists():
            with exclusive_lock(root / COMMIT_LOCK, timeout):
                apply_journal(root)
        yield


@contextlib.contextmanager
def read_locked(root: Path, timeout: float, *, finish_journal: bool = True) -> Iterator[bool]:
    """Hold the register for reading: the commit lock shared (other readers and a writer's step go on; a
    commit waits), taken on a read-only handle, so a register on a read-only disk or folder can still be
    read. Yields whether the folder is writable.

    A journal seen under the shared lock is a commit about to be applied (its writer waits for this lock)
    or one a crash cut short (possibly half renamed): either way the files are not read then. The lock is
    let go, the write lock taken (it waits for that writer's step to end, or finishes the crashed commit),
    and the read starts again. On a read-only register a crashed commit cannot be finished: refused.
    ``finish_journal=False``: the caller deals with a journal itself (``register periksa`` reports it)."""
    import time

    if not root.is_dir():
        yield False
        return
    can_write = writable(root)
    if can_write and not (root / COMMIT_LOCK).exists():
        write_private(root / COMMIT_LOCK, b"")
    deadline = time.monotonic() + timeout
    while True:
        with shared_lock(root / COMMIT_LOCK, max(0.0, deadline - time.monotonic())):
            if not finish_journal or not (root / JOURNAL).exists():
                yield can_write
                return
        if not can_write:
            raise RegisterCorrupt(
                f"Register {root} punya perubahan yang belum selesai ({JOURNAL}) dan foldernya tidak dapat "
                "ditulisi, jadi perubahan itu tidak dapat diselesaikan untuk dibaca.",
                saran="Jalankan sakti sekali dengan izin tulis pada folder kantor (perintah apa saja), lalu ulangi.",
                berkas=str(root / JOURNAL),
            )
        with locked(root, max(0.0, deadline - time.monotonic())):
            pass
