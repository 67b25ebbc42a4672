"""The fork server of the resident worker: a process with sakti's heavy modules already imported that runs a
later ``sakti`` command of the same user in a child forked for it, on that run's own terminal.

Started by ``sakti latar mulai`` beside the LibreOffice pool (sakti_cli.documents.resident), in the same
private runtime folder (``data/latar/``, 0700), on the socket ``garpu``. The served side (what is imported,
how a child runs the command) is sakti_cli.cli.garpu; the client, which imports nothing but the standard
library before it connects, is sakti_cli.cli.launch.

One run, on one connection:

* The client sends ``R<version>\\n`` with four descriptors (``SCM_RIGHTS``): its stdin, stdout and stderr,
  and a memory file holding the request (argv, cwd, environment, umask, stream encodings). The server checks
  the peer with ``SO_PEERCRED`` (this uid only) and the version, answers ``P<pid>\\n`` and forks. It never
  reads the request: the environment (which may hold ``SAKTI_SANDI``) and every prompt's answer stay in the
  child, on the client's own descriptors.
* The child asks the kernel for SIGKILL when the server dies (``PR_SET_PDEATHSIG``), adopts the descriptors,
  folder, environment and umask, runs the command and exits with its code, which the server sends back as
  ``X<code>\\n`` (128+N for a child killed by signal N); the client exits with it.
* A client that goes away (its end of the socket closes) gets its child killed: SIGKILL, as the run itself
  would have died; the child's LibreOffice dies with it (sakti_cli.core.children).
* ``S`` asks for the server's description (a JSON line), ``B`` stops it (the same answer, then: no new run,
  the running ones end on their own or, after :data:`STOP_GRACE` seconds, are killed).
* A server whose socket file is gone (the office folder removed) or is another server's stops the same way
  within a second: nothing runs on that no client can reach.

Imports the standard library only: the client pays for nothing else before it knows whether it is served.
"""

from __future__ import annotations

import array
import contextlib
import io
import json
import os
import selectors
import signal
import socket
import stat
import struct
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SOCKET_NAME = "garpu"
STOP_GRACE = 60.0
_PEERCRED = struct.Struct("3i")
_FDS = 4  # stdin, stdout, stderr, the request


# --- shared with the LibreOffice worker's socket (sakti_cli.documents.resident) ------------------------
def is_private(folder: Path) -> bool:
    """Ours, a real folder (not a link), and closed to group and others."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


@contextlib.contextmanager
def socket_address(folder: Path, name: str) -> Iterator[str]:
    """A socket's address: its path, or (a path longer than a Unix socket address takes) the same file
    reached through an open descriptor of its folder (Linux's /proc/self/fd)."""
    path = os.path.join(folder, name)
    if len(os.fsencode(path)) < 100:
        yield path
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{name}"
    finally:
        os.close(fd)


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end, as the kernel says (SO_PEERCRED)."""
    _pid, uid, _gid = _PEERCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))
    return int(uid)


def _line(conn: socket.socket, limit: int = 1 << 16) -> bytes | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096, socket.MSG_PEEK)
        if not chunk:
            return None
        cut = chunk.find(b"\n")
        data += conn.recv(cut + 1 if cut >= 0 else len(chunk))
        if len(data) > limit:
            return None
    return data[:-1]


def _connect(folder: Path, timeout: float) -> socket.socket | None:
    if not is_private(folder):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        with socket_address(folder, SOCKET_NAME) as address:
            conn.connect(address)
    except OSError:
        conn.close()
        return None
    return conn


# --- the client ---------------------------------------------------------------------------------------
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def run_client(folder: Path, version: str, request: dict[str, Any]) -> int | None:
    """Run ``request`` in the fork server of ``folder``; its exit code, or None when no server of ours and of
    this version took it (the caller then runs the command itself: nothing of it has started)."""
    conn = _connect(folder, timeout=2.0)
    if conn is None:
        return None
    with conn:
        try:
            for fd in (0, 1, 2):
                os.fstat(fd)  # a closed stdin or stdout: run here, as without the server
            body = os.memfd_create("sakti-permintaan", os.MFD_CLOEXEC)
        except OSError:
            return None
        try:
            os.write(body, json.dumps(request).encode())
            os.lseek(body, 0, os.SEEK_SET)
            conn.sendmsg([b"R" + version.encode() + b"\n"],
                         [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2, body]))])
            answer = _line(conn)
        except OSError:
            return None
        finally:
            os.close(body)
        if answer is None or not answer.startswith(b"P"):
            return None  # refused (another version) or gone before it forked
        child = int(answer[1:])
        return _wait_child(conn, child)


def _wait_child(conn: socket.socket, child: int) -> int:
    """Forward the signals a person sends this run (Ctrl-C, a closed terminal, kill) to the child; its
    exit code, or 4 (an environment problem) when the server died under it."""
    def forward(signum: int, _frame: Any) -> None:
        with contextlib.suppress(OSError):
            os.kill(child, signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    try:
        conn.settimeout(None)
        while True:
            try:
                answer = _line(conn)
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for other platforms
                continue
            except OSError:
                answer = None
                break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if answer is not None and answer.startswith(b"X"):
        return int(answer[1:])
    sys.stderr.write("Galat: pekerja latar berhenti di tengah perintah ini; perintahnya tidak selesai.\n"
                     "Saran: periksa suratnya dengan 'sakti status REG', lalu ulangi (tanpa pekerja latar: "
                     "'sakti latar berhenti').\n")
    return 4


def ask(folder: Path, what: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """``status`` or ``berhenti`` to the fork server of ``folder``: its description, or None."""
    conn = _connect(folder, timeout)
    if conn is None:
        return None
    with conn:
        try:
            conn.sendall({"status": b"S\n", "berhenti": b"B\n"}[what])
            answer = _line(conn)
            found = json.loads(answer) if answer else None
        except (OSError, ValueError):
            return None
    return found if isinstance(found, dict) and found.get("ok") else None


# --- the server ---------------------------------------------------------------------------------------
class _Run:
    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.killed = False


class ForkServer:
    """Forks one child per run (``child`` runs it: it gets the adopted request and returns the exit code).
    Single-threaded by design: a fork copies only the thread that forks."""

    def __init__(self, folder: Path, version: str, child: Callable[[dict[str, Any]], int],
                 describe: Callable[[], dict[str, Any]] | None = None) -> None:
        self.folder, self.version, self.child = folder, version, child
        self.extra = describe or dict
        self.started = time.time()
        self.served = self.refused = 0
        self.runs: dict[int, _Run] = {}
        self.stopping: float | None = None
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._bound: tuple[int, int] | None = None  # the socket file this server bound (device, inode)
        self._wake_r, self._wake_w = os.pipe()

    def describe(self) -> dict[str, Any]:
        return {"ok": True, "versi": self.version, "pid": os.getpid(), "mulai": self.started,
                "dilayani": self.served, "ditolak": self.refused, "aktif": len(self.runs), **self.extra()}

    # the loop
    def serve(self, on_ready: Callable[[], None] | None = None) -> None:
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        signal.set_wakeup_fd(self._wake_w)
        old = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGCHLD, signal.SIGTERM)}
        with socket_address(self.folder, SOCKET_NAME) as address:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address)  # a dead server's socket (the caller holds the lock: no live one uses it)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(address)
        self._listener = listener
        try:
            os.chmod(self.folder / SOCKET_NAME, 0o600)
            self._bound = self._socket_file()
            listener.listen(16)
            self._selector.register(listener, selectors.EVENT_READ, "listen")
            self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
            if on_ready is not None:
                on_ready()
            self._loop()
        finally:
            self._close_listener()
            for pid, run in list(self.runs.items()):  # only after STOP_GRACE, or an error here
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                run.conn.close()
            self.runs.clear()
            signal.set_wakeup_fd(-1)
            for signum, handler in old.items():
                signal.signal(signum, handler)
            self._selector.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if signum == signal.SIGTERM:
            self._stop()

    def _stop(self) -> None:
        if self.stopping is None:
            self.stopping = time.monotonic()
            self._close_listener()

    def _socket_file(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.folder / SOCKET_NAME)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _orphaned(self) -> bool:
        """No client can reach this server any more: its socket file is gone (the office folder removed) or
        is another server's. It then stops like on SIGTERM, instead of living on unreachable."""
        return self._bound is not None and self._socket_file() != self._bound

    def _close_listener(self) -> None:
        if self._listener is None:
            return
        ours = not self._orphaned()  # never remove the socket a newer server bound in its place
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(self._listener)
        self._listener.close()
        self._listener = None
        if ours:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                (self.folder / SOCKET_NAME).unlink()

    def _loop(self) -> None:
        while True:
            self._reap()
            if self.stopping is not None:
                if not self.runs:
                    return
                if time.monotonic() - self.stopping > STOP_GRACE:
                    for pid in self.runs:
                        self._kill(pid)
            if self.stopping is None and self._orphaned():
                self._stop()
                continue
            for key, _events in self._selector.select(timeout=1.0):
                if key.data == "listen" and self._listener is not None:
                    with contextlib.suppress(OSError):
                        self._accept(self._listener.accept()[0])
                elif key.data == "wake":
                    with contextlib.suppress(OSError):
                        while os.read(self._wake_r, 512):
                            pass
                elif isinstance(key.data, int):
                    self._client_said(key.data)

    def _accept(self, conn: socket.socket) -> None:
        if peer_uid(conn) != os.getuid():
            self.refused += 1
            with contextlib.suppress(OSError):
                conn.sendall(b"Tpengguna lain\n")
            conn.close()
            return
        conn.settimeout(2.0)
        fds: list[int] = []
        try:
            data, ancillary, _flags, _addr = conn.recvmsg(256, socket.CMSG_SPACE(_FDS * 4))
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    got = array.array("i")
                    got.frombytes(payload[:len(payload) - len(payload) % got.itemsize])
                    fds += list(got)
            self._request(conn, data, fds)
        except OSError:
            conn.close()
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _request(self, conn: socket.socket, data: bytes, fds: list[int]) -> None:
        if data in (b"S\n", b"B\n"):
            conn.sendall(json.dumps(self.describe(), ensure_ascii=False).encode() + b"\n")
            conn.close()
            if data == b"B\n":
                self._stop()
            return
        if not data.startswith(b"R") or len(fds) != _FDS or data[1:].rstrip(b"\n").decode(errors="replace") \
                != self.version or self.stopping is not None:
            self.refused += 1
            conn.sendall(b"Tversi lain\n")
            conn.close()
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing of ours written twice, by the child too
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, measured by the tests through its effects
            self._in_child(conn, fds)
        self.served += 1
        self.runs[pid] = _Run(conn)
        conn.sendall(b"P%d\n" % pid)
        conn.setblocking(False)
        self._selector.register(conn, selectors.EVENT_READ, pid)

    def _client_said(self, pid: int) -> None:
        run = self.runs.get(pid)
        if run is None:
            return
        try:
            said = run.conn.recv(64)
        except BlockingIOError:
            return
        except OSError:
            said = b""
        if not said:  # the client is gone: its run goes with it
            self._selector.unregister(run.conn)
            self._kill(pid)

    def _kill(self, pid: int) -> None:
        run = self.runs[pid]
        run.killed = True
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)

    def _reap(self) -> None:
        while self.runs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run = self.runs.pop(pid, None)
            if run is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(run.conn)
            if not run.killed:
                with contextlib.suppress(OSError):
                    run.conn.setblocking(True)
                    run.conn.sendall(b"X%d\n" % (code if code >= 0 else 128 - code))
            run.conn.close()

    # the child
    def _in_child(self, conn: socket.socket, fds: list[int]) -> None:
        code = 70
        try:
            _tie_to_parent()
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._selector.close()
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)
            if self._listener is not None:
                self._listener.close()
            for run in self.runs.values():
                run.conn.close()
            conn.close()
            request = _adopt(fds)
            code = self.child(request)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:  # a child never returns into the server's loop
            with contextlib.suppress(Exception):
                sys.stderr.write(f"Galat: pekerja latar tidak dapat menjalankan perintah: {exc!r}\n")
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os._exit(code)


def _tie_to_parent() -> None:
    """SIGKILL from the kernel when the server dies (Linux); dead already: die now."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(137)


def _adopt(fds: list[int]) -> dict[str, Any]:
    """Become the client's run: its stdio, folder, environment and umask; its request."""
    stdin, stdout, stderr, body = fds
    with os.fdopen(body, "rb") as handle:
        request: dict[str, Any] = json.loads(handle.read())
    fds[3] = -1
    for source, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(source, target)
    for fd in fds[:3]:
        if fd > 2:
            os.close(fd)
    fds.clear()
    os.chdir(request["cwd"])
    os.umask(int(request["umask"]))
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    streams = request.get("aliran", {})
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        encoding, errors = streams.get(name) or ("utf-8", "strict" if fd < 2 else "backslashreplace")
        raw = open(fd, "rb" if fd == 0 else "wb", closefd=False)  # noqa: SIM115 - the run's own stream
        stream = io.TextIOWrapper(raw, encoding=encoding, errors=errors,
                                  line_buffering=fd == 2 or (fd == 1 and os.isatty(fd)))
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    sys.argv = list(request["argv"])
    return request
