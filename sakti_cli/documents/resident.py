"""The resident worker (``sakti latar``): LibreOffice kept warm for the later runs of one user on one workspace.

Started in the morning (``sakti latar mulai``), it holds a :class:`~sakti_cli.documents.convert_pool.ConverterPool`
and answers on a Unix socket in the workspace's private runtime folder (``data/latar/``, 0700). A later
``sakti terbitkan`` hands it the rendered DOCX and gets the PDF back, without paying LibreOffice's start.

What it may and may not do:

* It converts only. It holds no passphrase (its environment is a child's, sakti_cli.core.children) and
  never opens a key or touches the register: a run that uses it still signs and records by itself.
* Only the same user reaches it: the folder is ours and 0700 (checked by server and client), and the
  server asks the kernel who is calling (``SO_PEERCRED``) and refuses another uid.
* Its LibreOffice processes are started through sakti_cli.core.children like every run's, tied to the
  worker by the kernel's death signal: a killed worker leaves nothing running.
* A client that finds no worker, a stale socket, an unsafe folder or a worker of another version or
  workspace converts by itself as before, saying nothing (:func:`desk_converter`). A worker that dies during
  a conversion is replaced by a conversion of the client's own.

The protocol: one JSON line each way per connection: ``{"perintah": "status" | "ubah" | "berhenti", ...}``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sakti_cli.core import errors as error_types
from sakti_cli.core.errors import EnvironmentProblem, SaktiError
from sakti_cli.core.forkserver import is_private, peer_uid, socket_address

RUNTIME_DIR = "latar"
SOCKET_NAME = "soket"
LOCK_NAME = "latar.kunci"
INFO_NAME = "latar.json"
LOG_NAME = "latar.log"
PROTOCOL = 1
_MAX_LINE = 1 << 16
_ASK_TIMEOUT = 2.0  # status and stop: a worker that does not answer this fast is not used


def runtime_dir(data_dir: Path) -> Path:
    """The worker's private folder of a workspace: its socket, lock, log and description."""
    return data_dir / RUNTIME_DIR


def identity(root: Path) -> dict[str, Any]:
    """What a client and its worker must agree on: sakti's version, the protocol, the workspace."""
    from sakti_cli import __version__

    return {"versi": __version__, "protokol": PROTOCOL, "kantor": str(Path(root).resolve())}


def make_private(folder: Path) -> None:
    """Create the runtime folder 0700, or refuse one that is not ours or is open to others."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    if not is_private(folder):
        raise EnvironmentProblem(
            f"Folder {folder} bukan milik pengguna ini atau terbuka bagi pengguna lain; pekerja latar tidak "
            "dijalankan di sana.",
            saran=f"Hapus folder itu (atau jalankan 'chmod 700 {folder}' sebagai pemiliknya), lalu ulangi "
                  "'sakti latar mulai'.",
            folder=str(folder),
        )


def _address(folder: Path) -> contextlib.AbstractContextManager[str]:
    return socket_address(folder, SOCKET_NAME)


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def _receive(conn: socket.socket) -> dict[str, Any] | None:
    """One JSON line, None on end of input, a broken line or one too long."""
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _MAX_LINE:
            return None
    try:
        message = json.loads(data.partition(b"\n")[0])
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


# --- the client ------------------------------------------------------------------------------------
class WorkerGone(Exception):
    """The worker did not answer (stopped, killed, another version): convert without it."""


def ask(folder: Path, message: dict[str, Any], timeout: float | None = _ASK_TIMEOUT) -> dict[str, Any]:
    """One request to the worker of ``folder``; WorkerGone when there is none we may use."""
    if not is_private(folder):
        raise WorkerGone("folder not private")
    try:
        with _address(folder) as address, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(address)
            _send(conn, message)
            answer = _receive(conn)
    except OSError as exc:  # no socket, refused (stale), timed out, folder gone
        raise WorkerGone(str(exc)) from exc
    if answer is None:
        raise WorkerGone("no answer")
    return answer


def worker_status(folder: Path) -> dict[str, Any] | None:
    """The running worker's own description, or None."""
    try:
        answer = ask(folder, {"perintah": "status"})
    except WorkerGone:
        return None
    return answer if answer.get("ok") else None


class ResidentClient:
    """Converts as a :class:`~sakti_cli.documents.convert.Converter` does, through the resident worker;
    a worker gone meanwhile is replaced by a Converter of our own (``fallback``)."""

    def __init__(self, folder: Path, ident: dict[str, Any], fallback: Callable[[], Any]) -> None:
        self.folder, self.ident, self._fallback = folder, ident, fallback
        self._own: Any = None
        self.used_worker = 0  # letters the worker converted for us (tests, the progress line)

    def convert(self, docx: Path, out_dir: Path, *, pdfa: bool = False) -> Path:
        request = {"perintah": "ubah", **self.ident, "docx": str(Path(docx).resolve()),
                   "keluar": str(Path(out_dir).resolve()), "pdfa": pdfa}
        try:
            answer = ask(self.folder, request, timeout=None)  # the worker's pool has its own time limit
        except WorkerGone:
            answer = {"ok": False}
        if answer.get("ok"):
            self.used_worker += 1
            return Path(answer["pdf"])
        if isinstance(answer.get("galat"), dict):
            raise _rebuilt(answer["galat"])
        if self._own is None:
            self._own = self._fallback()
        result: Path = self._own.convert(docx, out_dir, pdfa=pdfa)
        return result

    def start_early(self) -> None:
        """Nothing to start: the worker's LibreOffice is up."""

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


def _rebuilt(said: dict[str, Any]) -> SaktiError:
    """The worker's conversion error as the same kind of error here (a broken template stays one)."""
    kind = getattr(error_types, str(said.get("jenis")), None)
    if not (isinstance(kind, type) and issubclass(kind, SaktiError)) or kind is SaktiError:
        kind = EnvironmentProblem
    given = said.get("rincian")
    detail: dict[str, Any] = given if isinstance(given, dict) else {}
    return kind(str(said.get("pesan")), said.get("saran"), **detail)


def _said(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, SaktiError):
        return {"jenis": type(exc).__name__, "pesan": exc.pesan, "saran": exc.saran,
                "rincian": json.loads(json.dumps(exc.detail, default=str))}
    return {"jenis": "EnvironmentProblem", "pesan": f"Pekerja latar gagal mengubah surat menjadi PDF: {exc}.",
            "saran": "Ulangi; bila berulang, jalankan 'sakti latar berhenti' lalu 'sakti latar mulai'."}


class EarlyConverter:
    """LibreOffice started early, in the background, while this run imports, checks and renders: the desk
    without a worker. A one-worker pool (its thread owns LibreOffice, as the death signal needs), built
    in a thread of its own from :meth:`start_early` on (the pipeline calls it once the application's cheap
    checks passed, so a refused letter starts no LibreOffice); :meth:`convert` waits for it.

    ``meanwhile``: the modules the run imports after its conversion (pypdf, the signing and register steps),
    imported in a thread while LibreOffice converts: this process only waits then, and a fresh run would
    otherwise import them one after another once the PDF is there."""

    def __init__(self, make_pool: Callable[[], Any], meanwhile: Sequence[str] = ()) -> None:
        self._make_pool = make_pool
        self._meanwhile = tuple(meanwhile)
        self._pool: Any = None
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start_early(self) -> None:
        with self._lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._build, name="sakti-lo-awal", daemon=True)
                self._thread.start()

    def _build(self) -> None:
        try:
            pool = self._make_pool()
        except BaseException as exc:  # reported at the first conversion, where the run expects it
            self._error = exc
            return
        with self._lock:
            self._pool = pool
            if self._closed:  # the run ended (an error before its letter) while LibreOffice started
                pool.kill()

    def convert(self, docx: Path, out_dir: Path, *, pdfa: bool = False) -> Path:
        self.start_early()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._meanwhile:
            names, self._meanwhile = self._meanwhile, ()
            threading.Thread(target=_import_all, args=(names,), name="sakti-impor", daemon=True).start()
        result: Path = self._pool.convert(docx, out_dir, pdfa=pdfa)
        return result

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool = self._pool
        if pool is not None:
            pool.kill()  # the letter is converted: no need to wait for LibreOffice's clean exit


def _import_all(names: Sequence[str]) -> None:
    """Import ``names`` (a module that fails is imported, and fails, again where the run needs it)."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # the run's own import reports it
            continue


def desk_converter(data_dir: Path, root: Path, make_pool: Callable[[], Any],
                   meanwhile: Sequence[str] = ()) -> ResidentClient | EarlyConverter:
    """The converter of one letter at the desk: the resident worker when one of ours answers, else
    LibreOffice started in the background as soon as the pipeline says (``make_pool`` builds a one-worker
    pool; ``meanwhile`` see :class:`EarlyConverter`)."""
    folder = runtime_dir(data_dir)
    ident = identity(root)
    found = worker_status(folder)
    if found is not None and all(found.get(key) == value for key, value in ident.items()):
        return ResidentClient(folder, ident, make_pool)
    return EarlyConverter(make_pool, meanwhile)


# --- the server -------------------------------------------------------------------------------------
class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    resident: ResidentWorker


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        conn: socket.socket = self.request
        worker = self.server.resident  # type: ignore[attr-defined]
        if peer_uid(conn) != os.getuid():
            worker.refused += 1
            with contextlib.suppress(OSError):
                _send(conn, {"ok": False, "alasan": "pengguna lain"})
            return
        conn.settimeout(30)
        try:
            message = _receive(conn)
        except OSError:
            return
        if message is None:
            return
        with contextlib.suppress(OSError):
            _send(conn, worker.answer(message))
        if message.get("perintah") == "berhenti":
            threading.Thread(target=self.server.shutdown, daemon=True).start()


class ResidentWorker:
    """The worker's state: its pool, identity and counts; :meth:`serve` until stopped."""

    def __init__(self, folder: Path, ident: dict[str, Any], pool: Any) -> None:
        self.folder, self.ident, self.pool = folder, ident, pool
        self.started = time.time()
        self.converted = 0
        self.refused = 0
        self._count = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"ok": True, **self.ident, "pid": os.getpid(), "mulai": self.started, "dikonversi": self.converted,
                "ditolak": self.refused, "libreoffice": self.pool.office_pids(), "pekerja": self.pool.size}

    def answer(self, message: dict[str, Any]) -> dict[str, Any]:
        command = message.get("perintah")
        if command in ("status", "berhenti"):
            return self.describe()
        if command != "ubah":
            return {"ok": False, "alasan": f"perintah tidak dikenal: {command}"}
        if any(message.get(key) != value for key, value in self.ident.items()):
            return {"ok": False, "alasan": "versi atau kantor lain"}
        docx, out_dir = Path(str(message.get("docx"))), Path(str(message.get("keluar")))
        if not (docx.is_absolute() and out_dir.is_absolute()):
            return {"ok": False, "alasan": "jalur harus mutlak"}
        try:
            pdf = self.pool.convert(docx, out_dir, pdfa=bool(message.get("pdfa")))
        except Exception as exc:
            return {"ok": False, "galat": _said(exc)}
        with self._count:
            self.converted += 1
        return {"ok": True, "pdf": str(pdf)}

    def serve(self, on_ready: Callable[[], None] | None = None) -> None:
        with _address(self.folder) as address:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address)  # a dead worker's socket (we hold the lock: no live one uses it)
            server = _Server(address, _Handler)
        server.resident = self
        try:
            os.chmod(self.folder / SOCKET_NAME, 0o600)
            (self.folder / INFO_NAME).write_text(json.dumps(self.describe()) + "\n", encoding="utf-8")
            if on_ready is not None:
                on_ready()
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            for name in (SOCKET_NAME, INFO_NAME):
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / name).unlink()


def hold_lock(folder: Path, name: str = LOCK_NAME) -> int | None:
    """The worker's lock of ``folder`` (one worker per workspace), or None when another holds it."""
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def _stopped(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def serve(folder: Path, ident: dict[str, Any], make_pool: Callable[[], Any]) -> bool:
    """Run the worker in this process until ``sakti latar berhenti`` (or a signal); False when another
    worker already serves this workspace."""
    make_private(folder)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stopped)  # 'kill PID': the pool and the socket are cleaned up
    lock = hold_lock(folder)
    if lock is None:
        return False
    try:
        with make_pool() as pool:
            ResidentWorker(folder, ident, pool).serve()
    finally:
        os.close(lock)
    return True
