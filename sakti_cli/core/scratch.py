"""Temporary files and folders owned by a live run, and the sweep that removes those of dead runs.

A staging folder of scans, a scratch folder of rendered letters, a restored register waiting to be
moved, a half-written archive: each holds personal data and must not outlive a killed ``sakti``.
Each is made by :func:`owned_temp`, which takes an ``flock`` on the folder or file itself (its inode)
and keeps it for as long as the run uses it. The kernel drops the lock when the process ends, even
on SIGKILL, so "nobody holds the lock" means "its run is gone": no guessing from pids (reused) or
start times. :func:`sweep` takes the lock itself before removing anything, so a live run's folder is
never removed; a run whose fresh folder was swept in the instant between creating and locking it
notices (the path no longer is the inode it locked) and makes another.

A folder can also record the process groups it started (:meth:`Owned.record_group`, LibreOffice):
the sweep kills the members of those groups that still name the folder on their command line.

Locks are flock(2): local file systems only (on NFS an exclusive flock needs a writable file).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import stat
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from sakti_cli.core.children import group_members

GROUPS_FILE = ".grup-proses"
"""In an owned folder: one process group id per line, killed by the sweep once the owner is gone."""

_ATTEMPTS = 20


class Owned:
    """A temporary folder or file that this process holds under a lock until :meth:`remove` or
    :meth:`release`. One that is dropped without either (an exception unwound past its maker) is
    removed when it is garbage-collected, or at the latest when the interpreter exits."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd
        self._finalizer = weakref.finalize(self, _drop, path, fd)

    @property
    def held(self) -> bool:
        return self._finalizer.alive

    def record_group(self, pgid: int) -> None:
        """Note a process group started for this folder, so a sweep after our death can end it."""
        with (self.path / GROUPS_FILE).open("a", encoding="ascii") as handle:
            handle.write(f"{pgid}\n")

    def release(self) -> None:
        """Give up the lock and keep the path (it was moved into place, or it is gone)."""
        if self._finalizer.detach() is not None:
            os.close(self._fd)

    def remove(self) -> None:
        """Delete the folder or file, then give up the lock. Safe to call twice."""
        self._finalizer()

    def __enter__(self) -> Owned:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()


def _drop(path: Path, fd: int) -> None:
    try:
        _delete(path)
    finally:
        os.close(fd)


def owned_temp(parent: Path, prefix: str = "", *, file_name: str | None = None) -> Owned:
    """Create and lock a private temporary folder (``prefix`` + random, mode 0700) in ``parent``; or,
    with ``file_name``, the file ``parent/file_name`` (mode 0600, empty). An unlocked leftover of that
    file name is taken over; one held by a live run is refused with FileExistsError."""
    for _ in range(_ATTEMPTS):
        if file_name is None:
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except FileNotFoundError:
                continue  # swept before we could lock it
        else:
            path = parent / file_name
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if file_name is None:  # our fresh folder, locked for a moment by another run's sweep: make another
                continue
            raise FileExistsError(f"{path} is held by a running process") from None
        if _same_inode(path, fd):
            if file_name is not None:
                os.ftruncate(fd, 0)
            return Owned(path, fd)
        os.close(fd)  # a sweep removed it between creation and our lock: make another
    raise OSError(f"could not create a temporary folder or file in {parent}")


def sweep(places: Iterable[tuple[Path, str]], *, remove: bool = True) -> list[Path]:
    """The leftovers of dead runs among ``(folder, glob pattern)`` places: removed (and their recorded
    process groups killed) unless ``remove`` is False. Held (live) ones and symlinks are left alone;
    an unreadable or read-only place is skipped, never an error."""
    found: list[Path] = []
    for folder, pattern in places:
        try:
            candidates = sorted(folder.glob(pattern)) if folder.is_dir() else []
        except OSError:
            continue
        for path in candidates:
            with contextlib.suppress(OSError):
                if _take_dead(path, remove):
                    found.append(path)
    return found


def _take_dead(path: Path, remove: bool) -> bool:
    """True if ``path`` is a leftover (nobody holds its lock); removes it under our lock if asked."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return False
    flags = os.O_RDONLY | os.O_NOFOLLOW | (os.O_DIRECTORY if stat.S_ISDIR(info.st_mode) else 0)
    fd = os.open(path, flags)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its run is alive
        if not _same_inode(path, fd):
            return False
        if remove:
            if stat.S_ISDIR(info.st_mode):
                _kill_recorded_groups(path)
            _delete(path)
        return True
    finally:
        os.close(fd)


def _kill_recorded_groups(folder: Path) -> None:
    """SIGKILL the members of the groups a dead run recorded that still name ``folder`` (a pid number
    reused by an unrelated program does not name it)."""
    try:
        groups = {int(line) for line in (folder / GROUPS_FILE).read_text(encoding="ascii").split() if line.isdigit()}
    except (OSError, ValueError):
        return
    marks = (str(folder).encode(), folder.as_uri().encode())
    for pid in group_members(groups):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if any(mark in cmdline for mark in marks):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _same_inode(path: Path, fd: int) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
