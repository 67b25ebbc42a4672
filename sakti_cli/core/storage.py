"""Files written safely: atomic writes (temp file, fsync, rename), private files, the lock primitives and
hashing. The register's own storage engine (TinyDB files staged in memory, committed under a journal) is
:mod:`sakti_cli.register.tiny.engine`, built on these.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sakti_cli.core.errors import RegisterBusy

TMP_SUFFIX = ".baru"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, payload: bytes) -> None:
    """Write and fsync a file readable by the owner only (0600 also when the file already existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        write_all(fd, payload)
        os.fsync(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the file: ENOSPC of a write has none
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_output(path: Path) -> Iterator[BinaryIO]:
    """A file written as a stream (an export of many rows): into a 0600 temp file beside ``path``, renamed
    over it only when the body finished, so a failed or interrupted export leaves no half file."""
    tmp = path.with_name(f".{path.name}{TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_all(fd: int, payload: bytes) -> None:
    """os.write until every byte is written: on a nearly full disk a write may be short without an
    error (the next one raises ENOSPC); a short write taken for a whole one truncates the file."""
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def check_writable_folder(folder: Path, what: str) -> None:
    """The folder a user named for a new file exists and really takes one (a trial file: ``os.access``
    says yes for root in ``/proc``, where nothing can be created); InputError (exit 3) otherwise, before
    any work is done. ``what`` names the file for the message ("berkas cadangan", "formulir")."""
    import tempfile

    from sakti_cli.core.errors import InputError

    if not folder.is_dir():
        raise InputError(f"Folder {folder} untuk {what} tidak ada.", saran="Buat foldernya dulu atau pilih letak lain.",
                         berkas=str(folder))
    try:
        probe, name = tempfile.mkstemp(prefix=".sakti-uji-", dir=folder)
        os.close(probe)
        os.unlink(name)
    except OSError as exc:
        raise InputError(f"Folder {folder} tidak dapat menampung {what} (folder sistem, diska hanya-baca atau tanpa "
                         f"izin tulis, errno {exc.errno}); belum ada yang ditulis.",
                         saran="Pilih folder yang dapat ditulisi, mis. folder rumah petugas atau flashdisk.",
                         berkas=str(folder)) from None


def check_output_file(path: Path, what: str) -> None:
    """:func:`check_writable_folder` for a file the user named as output, and that name is not a folder
    (the export would fail after the work, on its temp file's name)."""
    from sakti_cli.core.errors import InputError

    if path.is_dir():
        raise InputError(f"Tujuan {path} berupa folder, bukan berkas untuk {what}; belum ada yang ditulis.",
                         saran="Sebut nama berkasnya di folder itu, atau pilih letak lain.", berkas=str(path))
    check_writable_folder(path.parent, what)


def check_input_file(path: Path, what: str, saran: str | None = None) -> None:
    """A file the user named as input is a regular file: a missing one, a folder or a path that cannot be
    followed each said as such (not all as "tidak ada"), the wording of the other readers'."""
    import errno

    from sakti_cli.core.errors import FileUnreadable, os_reason

    try:
        if path.is_file():
            return
        reason = "berupa folder, bukan berkas" if path.is_dir() else "bukan berkas biasa"
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise FileUnreadable(f"{what} {path} tidak ada.", saran=saran or "Periksa nama dan letaknya.",
                                 berkas=str(path)) from None
        raise FileUnreadable(f"{what} {path} tidak dapat dibaca: {os_reason(exc)}.", saran=saran or
                             "Periksa nama, letak dan izin bacanya.", berkas=str(path), pustaka=exc.strerror) from None
    raise FileUnreadable(f"{what} {path} tidak dapat dibaca: {reason}.", berkas=str(path),
                         saran=saran or "Sebut berkasnya, bukan folder atau perangkat.")


def atomic_write(path: Path, payload: bytes) -> None:
    """Temp file, fsync, rename: for single files outside a register transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    write_private(tmp, payload)
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock file ``path`` exclusively; give up after ``timeout`` seconds with RegisterBusy (exit 5)."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(timeout) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def shared_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock file ``path`` shared (other shared holders too, an exclusive one waits), taken on a
    read-only handle so that it works on a read-only disk. A lock file that does not exist (a read-only
    folder nobody ever locked) means no writer can be at work: nothing to wait for."""
    import fcntl
    import time

    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(timeout) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


def _busy(timeout: float) -> RegisterBusy:
    return RegisterBusy(
        f"Register sedang dipakai proses lain lebih dari {timeout:g} detik.",
        saran="Tunggu sebentar lalu ulangi; bila tidak ada proses sakti lain, periksa dengan "
        "'sakti register periksa'.",
    )


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder`` (a read-only mount, chmod a-w, another owner)."""
    try:
        return os.access(folder, os.W_OK) and not os.statvfs(folder).f_flag & os.ST_RDONLY
    except OSError:  # it does not exist (yet)
        return False


def stat_key(st: os.stat_result) -> str:
    """``size:mtime_ns:ctime_ns:inode``: a file rewritten, replaced, touched back or restored has another
    (its ctime cannot be set back)."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks (scans and letters can be large)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
