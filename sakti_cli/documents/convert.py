"""DOCX -> PDF with LibreOffice.

Two ways to drive LibreOffice, chosen per ``Converter``:

* ``soffice``: one ``soffice --convert-to`` run per call (or per batch). Needs nothing but LibreOffice,
  but each run pays ~2 s of start-up.
* ``uno``: LibreOffice is started once as a listener and fed documents over a local pipe by a tiny
  helper script run with the system Python (Debian's ``python3-uno`` only imports there, not in our
  virtualenv). After a ~1.5 s start, each letter takes ~0.1 s. Used automatically when available;
  anything unexpected falls back to ``soffice``.

Each LibreOffice process is ``soffice.bin`` itself, started through sakti_cli.core.children: an
environment without secrets, its own process group, and killed by the kernel when sakti dies (the
``soffice`` shell wrapper forks, and the death signal would not reach the real program). The private
folder of a ``Converter`` is held under its lock (sakti_cli.core.scratch) and records the process groups;
a later run removes the folder of a dead one and kills what is left of its groups.

Each ``Converter`` owns a private LibreOffice profile: two LibreOffice processes sharing one profile
hand their work to each other or fail, so parallel ``sakti`` runs (and pytest-xdist workers) must not.
Creating a profile is the slow part of a first start, hence ``SAKTI_LO_PROFIL``: a ready profile
folder that is copied instead of being created.

Environment variables:

* ``SAKTI_SOFFICE``: path or name of the ``soffice`` program.
* ``SAKTI_LO_PROFIL``: a warmed profile folder (the ``-env:UserInstallation`` folder, the one that
  holds ``user/``) to copy as the start of each private profile.
* ``SAKTI_LO_TIMEOUT``: seconds one LibreOffice run (or one document in ``uno`` mode) may take;
  default 180.
* ``SAKTI_LO_MODE``: ``auto`` (default: ``uno`` if possible, else ``soffice``), ``uno`` or ``soffice``.
* ``SAKTI_UNO_PYTHON``: the Python that can ``import uno``; default ``/usr/bin/python3``.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from sakti_cli.core.children import kill_group, start_child
from sakti_cli.core.errors import ConfigError, EnvironmentProblem, FileUnreadable, MachineProblem, machine_problem
from sakti_cli.core.scratch import Owned, owned_temp, sweep
from sakti_cli.core.testhooks import crash_point

INSTALL_COMMAND = (
    "apt-get install -y libreoffice-writer-nogui fonts-liberation fonts-crosextra-carlito "
    "fonts-crosextra-caladea fonts-texgyre"
)
DEFAULT_TIMEOUT = 180.0
MODES = ("auto", "uno", "soffice")

# Forcing the import filter matters: without it LibreOffice imports a damaged .docx as plain text
# and happily prints the garbage to PDF.
_IN_FILTER = "MS Word 2007 XML"
_OUT_FILTER = "writer_pdf_Export"
PDFA_FILTER_DATA = {"SelectPdfVersion": 2}
"""writer_pdf_Export's options for PDF/A-2b (``[surat] pdfa``): LibreOffice then embeds every font,
writes the XMP identification and an sRGB output intent."""
_BATCH_SIZE = 50  # files per soffice run, so one run stays well inside the time-out
_RECYCLE_AFTER = 200  # documents per listener; its memory grows ~0.15 MB per letter
_STDERR_TAIL = 2000
_DEFAULT_UNO_PYTHON = "/usr/bin/python3"
# Below this much free space a failed conversion is blamed on the disk, not on the template: a letter's PDF
# is ~100 KB, LibreOffice's temporary files a few MB.
_LOW_SPACE = 8 << 20
_WRITE_ERRORS = ("No space left", "Disk quota", "Class:Write", "Read-only file system")
_RESTART = 81  # soffice.bin after creating a profile: "start me again" (the wrapper would)

# Python interpreters already found unable to ``import uno`` (no need to ask twice per process).
_NO_UNO: set[str] = set()


LO_PREFIX = "sakti-libreoffice-"
"""In the system temp folder: a Converter's LibreOffice profiles and helper. Not the older versions'
"sakti-lo-": those were never locked, so a sweep could not tell a live one from a dead one."""

def find_soffice() -> str:
    """Path of the LibreOffice program; ``SAKTI_SOFFICE`` wins over the usual places."""
    wanted = os.environ.get("SAKTI_SOFFICE", "").strip()
    if wanted:
        found = _executable(wanted)
        if found:
            return found
        raise EnvironmentProblem(
            f"LibreOffice tidak ditemukan di {wanted} (dari variabel SAKTI_SOFFICE).",
            saran=f"Perbaiki atau hapus SAKTI_SOFFICE, atau pasang LibreOffice: {INSTALL_COMMAND}",
            soffice=wanted,
        )
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    # Installs from libreoffice.org packages live in /opt and are often not on PATH.
    candidates = [
        "/usr/lib/libreoffice/program/soffice",
        *sorted(glob.glob("/opt/libreoffice*/program/soffice")),
    ]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise EnvironmentProblem(
        "LibreOffice tidak ditemukan; tanpa LibreOffice surat tidak dapat diubah menjadi PDF.",
        saran=f"Pasang LibreOffice dan font-nya: {INSTALL_COMMAND}",
    )


def office_program(soffice: str) -> str:
    """The program to start for ``soffice``: the ``soffice.bin`` beside LibreOffice's shell wrapper
    (so the death signal reaches the real program), else ``soffice`` itself (another build, a stand-in)."""
    real = os.path.realpath(soffice)
    if os.path.basename(real) in ("soffice", "libreoffice"):
        binary = os.path.join(os.path.dirname(real), "soffice.bin")
        if os.access(binary, os.X_OK):
            return binary
    return soffice


def office_command(soffice: str, profile: Path, *args: str) -> list[str]:
    """A headless LibreOffice with its own profile and no dialogs, then ``args``."""
    return [office_program(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
            "--nocrashreport", "--nodefault", "--nologo", "--norestore", "--nolockcheck", *args]


def soffice_out_filter(filter_data: dict[str, int]) -> str:
    """``--convert-to`` of a PDF with writer_pdf_Export's options (LibreOffice >= 7.4 reads them as JSON)."""
    if not filter_data:
        return f"pdf:{_OUT_FILTER}"
    options = {name: {"type": "long", "value": str(value)} for name, value in filter_data.items()}
    return f"pdf:{_OUT_FILTER}:{json.dumps(options, separators=(',', ':'))}"


def _executable(name: str) -> str | None:
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return shutil.which(name)


def lo_timeout() -> float:
    """Time-out in seconds from ``SAKTI_LO_TIMEOUT`` (default 180)."""
    raw = os.environ.get("SAKTI_LO_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise EnvironmentProblem(
            f"Nilai SAKTI_LO_TIMEOUT tidak sah: {raw!r}.",
            saran="Isi SAKTI_LO_TIMEOUT dengan jumlah detik (misalnya 180) atau hapus variabel itu.",
        )
    return value


def _check_docx(docx: Path) -> Path:
    """Fail early, with a clear message, on a missing file or one that is not a DOCX at all."""
    path = docx.expanduser().resolve()
    if not path.is_file():
        raise FileUnreadable(
            f"Berkas {docx} tidak ditemukan.",
            saran="Periksa nama dan lokasi berkas DOCX.",
            berkas=str(docx),
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        names = set()
        reason = str(exc)
    else:
        reason = "word/document.xml tidak ada"
    if "word/document.xml" not in names:
        raise ConfigError(
            f"Berkas {path.name} bukan dokumen DOCX yang sah (rusak atau bukan berkas Word).",
            saran=("Buka templat itu di LibreOffice Writer atau Word, simpan ulang sebagai .docx, lalu coba lagi."),
            berkas=str(path),
            alasan=reason,
        )
    return path


def _broken_docx(paths: Sequence[Path], **detail: Any) -> ConfigError:
    names = ", ".join(p.name for p in paths)
    return ConfigError(
        f"LibreOffice tidak menghasilkan PDF dari {names}; templat kemungkinan rusak.",
        saran=(
            "Buka berkas itu di LibreOffice Writer atau Word, simpan ulang sebagai .docx, lalu coba lagi. "
            "Jika semua surat gagal, periksa instalasi LibreOffice (soffice --version)."
        ),
        berkas=[str(p) for p in paths],
        **detail,
    )


def _disk_problem(exc: ConfigError, folders: Sequence[Path]) -> MachineProblem | None:
    """A "template broken" verdict that is really a full disk (or a folder that cannot be written):
    told apart by the free space where LibreOffice writes, and by what LibreOffice said."""
    said = str(exc.detail.get("stderr", ""))
    for folder in folders:
        try:
            usage = shutil.disk_usage(folder)
        except OSError:
            continue
        if usage.free < _LOW_SPACE:
            return MachineProblem(
                f"LibreOffice gagal menulis PDF: ruang disk di {folder} tinggal {usage.free // 1024} KB "
                "(templatnya tidak rusak).",
                saran="Kosongkan ruang disk (hapus berkas yang tidak perlu, pindahkan cadangan lama), lalu ulangi.",
                folder=str(folder), sisa_byte=usage.free, stderr=said,
            )
    if any(mark in said for mark in _WRITE_ERRORS):
        return MachineProblem(
            f"LibreOffice gagal menulis PDF di {folders[0]} (galat tulis, bukan templat rusak).",
            saran="Periksa ruang kosong dan izin tulis folder kantor dan folder sementara (TMPDIR), lalu ulangi.",
            folder=str(folders[0]), stderr=said,
        )
    return None


def _timed_out(paths: Sequence[Path], seconds: float) -> EnvironmentProblem:
    names = ", ".join(p.name for p in paths[:5]) + (" ..." if len(paths) > 5 else "")
    return EnvironmentProblem(
        f"LibreOffice tidak selesai dalam {seconds:g} detik saat mengubah {names} menjadi PDF.",
        saran="Coba lagi. Jika berulang, periksa beban mesin atau naikkan SAKTI_LO_TIMEOUT.",
        berkas=[str(p) for p in paths],
        batas_detik=seconds,
    )


def is_pdf(path: Path) -> bool:
    """Whether the file starts as a PDF does (%PDF-): a cheap check before any PDF library."""
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False


class _Resources:
    """What must be released even if a Converter is never closed (used by ``weakref.finalize``)."""

    def __init__(self, owned: Owned) -> None:
        self.owned = owned
        self.workdir = owned.path
        self.procs: list[subprocess.Popen[Any]] = []
        self.aborted = False
        self._guard = threading.Lock()

    def started(self, proc: subprocess.Popen[Any]) -> None:
        """Track a child, and record its group with our lock (a sweep ends it if we are killed)."""
        with self._guard:
            self.procs.append(proc)
            if self.aborted:  # killed while this child was being started: it goes too
                _kill_now(proc)
        self.owned.record_group(proc.pid)
        crash_point("lo_berjalan")

    def abort(self) -> None:
        """SIGKILL every process group now, from any thread; the converter is of no further use."""
        with self._guard:
            self.aborted = True
            for proc in self.procs:
                _kill_now(proc)

    def release(self) -> None:
        for proc in self.procs:
            kill_group(proc)
        self.procs.clear()
        self.owned.remove()


def _kill_now(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL a child's whole group without waiting (its owner's thread reaps it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class _BridgeBroken(Exception):
    """The uno helper or its LibreOffice misbehaved; the caller falls back to soffice."""


class ConversionAborted(Exception):
    """:meth:`Converter.abort` killed LibreOffice during (or before) this conversion."""


class _UnoBridge:
    """A LibreOffice listener plus the system-Python helper that talks to it over a local pipe."""

    def __init__(
        self,
        soffice: str,
        profile: Path,
        env: dict[str, str],
        python: str,
        timeout: float,
        resources: _Resources,
    ) -> None:
        self._resources = resources
        self.soffice = soffice
        self.profile = profile
        self.env = env
        self.python = python
        self.timeout = timeout
        self.helper: subprocess.Popen[bytes] | None = None
        self.office: subprocess.Popen[bytes] | None = None
        self.ready = False  # the helper reads requests (and "quit") only once connected
        self.converted = 0
        self._buffer = b""

    def start(self) -> bool:
        """Start helper and listener; False when the helper's Python has no ``uno`` module."""
        resources = self._resources
        script = resources.workdir / "uno_helper.py"
        script.write_text(_UNO_HELPER, encoding="utf-8")
        accept = f"pipe,name=sakti_{uuid.uuid4().hex};urp;StarOffice.ComponentContext"
        try:
            self.helper = start_child(  # its own group: Ctrl-C reaches us only; we stop LibreOffice cleanly
                [self.python, "-I", str(script), "uno:" + accept, str(self.timeout)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self.env,
            )
        except OSError:
            return False
        resources.started(self.helper)
        first = self._read(time.monotonic() + 30)
        if not first or first.get("stage") != "imported":
            self.close()
            return False
        deadline = time.monotonic() + self.timeout
        for _attempt in range(2):  # a fresh profile makes soffice.bin ask once to be started again
            with (resources.workdir / "listener.log").open("ab") as log:
                self.office = start_child(
                    office_command(self.soffice, self.profile, f"--accept={accept}"),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=self.env,
                )
            resources.started(self.office)
            ready = self._read(deadline)
            if ready is not None or self.office.poll() != _RESTART:
                break
            resources.procs.remove(self.office)
        if not ready or ready.get("stage") != "ready":
            self.close()
            raise _BridgeBroken(f"listener did not come up: {ready}")
        self.ready = True
        return True

    def convert(self, src: Path, dst: Path, filter_data: dict[str, int]) -> str | None:
        """Convert one file; returns LibreOffice's complaint if it cannot load ``src``."""
        request = {"src": str(src), "dst": str(dst), "in": _IN_FILTER, "out": _OUT_FILTER, "data": filter_data}
        self._send(request)
        answer = self._read(time.monotonic() + self.timeout)
        if answer is None:
            raise _BridgeBroken("no answer")
        self.converted += 1
        if answer.get("ok"):
            if not is_pdf(dst):
                raise _BridgeBroken("reported success but no PDF")
            return None
        if answer.get("kind") == "load":
            return str(answer.get("error", ""))
        raise _BridgeBroken(str(answer.get("error")))

    def close(self) -> None:
        """Ask LibreOffice to quit cleanly; kill it if it does not."""
        if self.ready and self.helper is not None and self.helper.poll() is None:
            with contextlib.suppress(OSError, _BridgeBroken):
                self._send({"cmd": "quit"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.helper.wait(timeout=10)
        if self.ready and self.office is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.office.wait(timeout=10)
        self.ready = False
        for proc in (self.helper, self.office):
            if proc is None:
                continue
            kill_group(proc)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            with contextlib.suppress(ValueError):
                self._resources.procs.remove(proc)
        self.helper = self.office = None

    def _send(self, message: dict[str, Any]) -> None:
        if self.helper is None or self.helper.stdin is None:
            raise _BridgeBroken("helper not running")
        try:
            self.helper.stdin.write(json.dumps(message).encode() + b"\n")
            self.helper.stdin.flush()
        except OSError as exc:  # BrokenPipeError: the helper died
            raise _BridgeBroken(str(exc)) from exc

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """One JSON line from the helper, None on EOF; TimeoutError past ``deadline``."""
        assert self.helper is not None and self.helper.stdout is not None
        fd = self.helper.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if self.office is not None and self.office.poll() is not None:
                return None  # LibreOffice is gone; the helper would wait in vain
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None


class Converter:
    """Converts DOCX files to PDF; use as a context manager so LibreOffice and its profile go away.

    ``mode`` is ``auto``, ``uno`` or ``soffice`` (default from ``SAKTI_LO_MODE``, else ``auto``).
    ``uno`` differs from ``auto`` only in refusing to start without python3-uno; in both, a listener
    that misbehaves later is replaced by plain ``soffice`` runs rather than failing the letter.
    """

    def __init__(
        self,
        *,
        timeout: float | None = None,
        mode: str | None = None,
        profile_template: Path | None = None,
        recycle_after: int | None = None,
    ) -> None:
        self.soffice = find_soffice()
        self.recycle_after = recycle_after
        self.timeout = timeout if timeout is not None else lo_timeout()
        wanted = (mode or os.environ.get("SAKTI_LO_MODE", "") or "auto").strip().lower()
        if wanted not in MODES:
            raise EnvironmentProblem(
                f"Nilai SAKTI_LO_MODE tidak sah: {wanted!r}.",
                saran="Isi SAKTI_LO_MODE dengan auto, uno, atau soffice.",
            )
        self.mode = wanted
        if profile_template is None and os.environ.get("SAKTI_LO_PROFIL"):
            profile_template = Path(os.environ["SAKTI_LO_PROFIL"])
        self.profile_template = profile_template
        self._uno_python = os.environ.get("SAKTI_UNO_PYTHON") or _DEFAULT_UNO_PYTHON
        temp = Path(tempfile.gettempdir())
        sweep([(temp, f"{LO_PREFIX}*")])  # folders and LibreOffice processes of converters that died
        owned = owned_temp(temp, LO_PREFIX)
        self._workdir = owned.path
        self._resources = _Resources(owned)
        self._finalizer = weakref.finalize(self, self._resources.release)
        self._env = self._make_env()
        self._profile: Path | None = None
        self._profiles_made = 0
        self._bridge: _UnoBridge | None = None
        self._uno_failed = self.mode == "soffice"

    # --- public ------------------------------------------------------------------------------
    @property
    def active_mode(self) -> str:
        """``uno`` while a listener is running, else ``soffice``."""
        return "uno" if self._bridge is not None else "soffice"

    @property
    def office_pid(self) -> int | None:
        """Process id of the running listener (``uno`` mode), else None."""
        office = self._bridge.office if self._bridge is not None else None
        return office.pid if office is not None and office.poll() is None else None

    @property
    def aborted(self) -> bool:
        """Whether :meth:`abort` killed this converter; it then only raises."""
        return self._resources.aborted

    def start(self) -> None:
        """Bring the listener up now rather than at the first letter (a pool starts its workers once)."""
        self._check_open()
        self._use_uno()

    def recycle(self) -> None:
        """Stop the listener; the next letter starts a fresh one (a pool's memory limit)."""
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None

    def abort(self) -> None:
        """Kill all of this converter's LibreOffice at once, from any thread (a hard time limit).
        The conversion under way fails; close the converter and make a new one."""
        self._resources.abort()

    def convert(self, docx: Path, out_dir: Path, *, pdfa: bool = False) -> Path:
        """Convert one DOCX; returns ``out_dir/<stem>.pdf`` (replaced if it existed); PDF/A-2b with ``pdfa``."""
        return self.convert_many([docx], out_dir, pdfa=pdfa)[0]

    def convert_many(self, docxs: list[Path], out_dir: Path, *, pdfa: bool = False) -> list[Path]:
        """Convert several DOCX files with one LibreOffice; all or nothing lands in ``out_dir``.

        Returns the PDF paths in the order of ``docxs``. Two sources with the same stem are refused:
        their PDFs would overwrite each other in ``out_dir``.
        """
        self._check_open()
        if not docxs:
            return []
        sources = [_check_docx(Path(d)) for d in docxs]
        stems = [s.stem for s in sources]
        duplicates = sorted({s for s in stems if stems.count(s) > 1})
        if duplicates:
            raise ConfigError(
                f"Beberapa berkas akan menghasilkan PDF bernama sama: {', '.join(duplicates)}.",
                saran="Beri nama berkas DOCX yang berbeda sebelum mengubahnya bersama-sama.",
                berkas=[str(s) for s in sources],
            )
        out_dir = Path(out_dir).expanduser().resolve()
        # A private staging folder in out_dir: no stale PDF is mistaken for a fresh one, and the
        # final os.replace is atomic (same file system).
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=".sakti-konversi-", dir=out_dir))
        except OSError as exc:
            raise EnvironmentProblem(
                f"Folder {out_dir} tidak dapat ditulisi: {exc.strerror or exc}.",
                saran="Periksa izin dan ruang kosong folder keluaran.",
                folder=str(out_dir),
            ) from exc
        filter_data = dict(PDFA_FILTER_DATA) if pdfa else {}
        try:
            try:
                if self._use_uno():
                    self._convert_uno(sources, stage, filter_data)
                else:
                    self._convert_soffice(sources, stage, filter_data)
            except ConfigError as exc:
                self._check_open()
                raise _disk_problem(exc, [stage, self._workdir]) or exc from None
            except OSError as exc:
                raise machine_problem(exc) or exc from None
            results = []
            for src in sources:
                final = out_dir / (src.stem + ".pdf")
                os.replace(stage / (src.stem + ".pdf"), final)
                results.append(final)
            return results
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def close(self) -> None:
        """Stop LibreOffice and delete the private profile. Safe to call twice."""
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None
        self._finalizer()

    def __enter__(self) -> Converter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if not self._finalizer.alive:
            raise RuntimeError("Converter is closed")
        if self._resources.aborted:
            raise ConversionAborted("LibreOffice was killed")

    def _make_env(self) -> dict[str, str]:
        """What LibreOffice needs on top of the allow-list (sakti_cli.core.children): a writable HOME
        (LibreOffice and fontconfig write there), the profile locking its wrapper would set, and a
        TMPDIR inside our locked folder, so a killed LibreOffice's temporary files are swept with it.

        HOME is replaced only when unusable (services, containers): a real HOME may hold the
        office's own fonts in ~/.local/share/fonts, which letters need.
        """
        own_temp = self._workdir / "tmp"  # LibreOffice's lu*.tmp (copies of letters) go with our folder
        own_temp.mkdir(exist_ok=True)
        env = {"SAL_ENABLE_FILE_LOCKING": "1", "TMPDIR": str(own_temp)}
        home = os.environ.get("HOME", "")
        if not home or not os.path.isdir(home) or not os.access(home, os.W_OK):
            fake_home = self._workdir / "home"
            fake_home.mkdir(exist_ok=True)
            env["HOME"] = str(fake_home)
        return env

    def _new_profile(self) -> Path:
        """A fresh private profile folder, copied from the warm template when there is one."""
        self._profiles_made += 1
        profile = self._workdir / f"profil{self._profiles_made}"
        template = self.profile_template
        if template is not None and (template / "user").is_dir():
            shutil.copytree(template, profile, symlinks=True, ignore=shutil.ignore_patterns(".lock"))
        else:
            profile.mkdir()
        return profile

    def _current_profile(self) -> Path:
        if self._profile is None:
            self._profile = self._new_profile()
        return self._profile

    def _use_uno(self) -> bool:
        """Start the listener on first use; False means: convert with plain soffice runs."""
        limit = self.recycle_after if self.recycle_after is not None else _RECYCLE_AFTER
        if self._bridge is not None and self._bridge.converted >= limit:
            self._bridge.close()
            self._bridge = None
        if self._bridge is not None:
            return True
        if self.mode == "uno" and self._uno_python in _NO_UNO:
            raise EnvironmentProblem(
                f"Mode uno diminta (SAKTI_LO_MODE=uno), tetapi {self._uno_python} tidak dapat mengimpor modul uno.",
                saran="Pasang python3-uno (apt-get install -y python3-uno) atau pakai SAKTI_LO_MODE=auto.",
            )
        if self._uno_failed or self._uno_python in _NO_UNO:
            return False
        bridge = _UnoBridge(
            self.soffice, self._current_profile(), self._env, self._uno_python, self.timeout, self._resources
        )
        try:
            started = bridge.start()
        except (_BridgeBroken, TimeoutError, OSError):
            # The listener did not come up; plain soffice runs may still work.
            bridge.close()
            self._profile = None  # a killed listener may have left the profile half-written
            self._uno_failed = True
            return False
        if not started:
            _NO_UNO.add(self._uno_python)
            return self._use_uno()  # raises in strict uno mode, else False
        self._bridge = bridge
        return True

    def _drop_bridge(self) -> None:
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None
        self._uno_failed = True
        self._profile = None

    def _convert_uno(self, sources: list[Path], stage: Path, filter_data: dict[str, int]) -> None:
        failed: list[Path] = []
        errors: list[str] = []
        for index, src in enumerate(sources):
            assert self._bridge is not None
            try:
                problem = self._bridge.convert(src, stage / (src.stem + ".pdf"), filter_data)
            except TimeoutError:
                self._drop_bridge()
                raise _timed_out([src], self.timeout) from None
            except _BridgeBroken:
                self._check_open()  # killed on purpose: no second try here
                # Let a plain soffice run give the final word on the remaining files.
                self._drop_bridge()
                try:
                    self._convert_soffice(sources[index:], stage, filter_data)
                except ConfigError as exc:
                    failed.extend(Path(b) for b in exc.detail.get("berkas", []))
                    errors.append(str(exc.detail.get("stderr", "")))
                break
            if problem is not None:
                failed.append(src)
                errors.append(f"{src.name}: {problem}")
        if failed:
            raise _broken_docx(failed, stderr="\n".join(errors)[-_STDERR_TAIL:])

    def _convert_soffice(self, sources: list[Path], stage: Path, filter_data: dict[str, int]) -> None:
        failed: list[Path] = []
        stderr_tail = ""
        last_code = 0
        for start in range(0, len(sources), _BATCH_SIZE):
            batch = sources[start : start + _BATCH_SIZE]
            returncode, stderr = self._run_soffice(batch, stage, filter_data)
            if returncode == 81 and not all(is_pdf(stage / (s.stem + ".pdf")) for s in batch):
                # 81 = "restart requested" after creating a profile; the run did no work.
                returncode, stderr = self._run_soffice(batch, stage, filter_data)
            missing = [s for s in batch if not is_pdf(stage / (s.stem + ".pdf"))]
            if missing:
                failed.extend(missing)
                stderr_tail = (stderr_tail + stderr)[-_STDERR_TAIL:]
                last_code = returncode
        if failed:
            raise _broken_docx(failed, stderr=stderr_tail, kode_keluar=last_code)

    def _run_soffice(self, batch: list[Path], stage: Path, filter_data: dict[str, int]) -> tuple[int, str]:
        cmd = office_command(self.soffice, self._current_profile(), f"--infilter={_IN_FILTER}", "--convert-to",
                             soffice_out_filter(filter_data), "--outdir", str(stage), *(str(s) for s in batch))
        proc = start_child(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,  # its own process group, so a time-out kills all of LibreOffice
        )
        self._resources.started(proc)
        try:
            _, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.communicate()
            self._profile = None
            raise _timed_out(batch, self.timeout) from None
        finally:
            self._resources.procs.remove(proc)
        return proc.returncode, err.decode("utf-8", "replace")


# Run by the system Python (the one with python3-uno), never imported here. Protocol: JSON lines.
# It first reports {"stage": "imported"}, connects to the listener, reports {"stage": "ready"},
# then answers each {"src", "dst", "in", "out"} request. On {"cmd": "quit"} or end of input (our
# process died) it terminates LibreOffice, so no listener outlives us. The load properties mirror
# what `soffice --convert-to` uses, so both modes give the same PDF.
_UNO_HELPER = r"""
import json
import sys
import time


def reply(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
    from com.sun.star.io import IOException
    from com.sun.star.lang import IllegalArgumentException
except Exception as exc:
    reply(ok=False, kind="nouno", error=repr(exc))
    sys.exit(3)
reply(ok=True, stage="imported")


def props(**fields):
    result = []
    for name, value in fields.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        result.append(prop)
    return tuple(result)


url, wait = sys.argv[1], float(sys.argv[2])
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
deadline = time.monotonic() + wait
while True:
    try:
        ctx = resolver.resolve(url)
        break
    except NoConnectException:
        if time.monotonic() > deadline:
            reply(ok=False, kind="connect", error="no connection to LibreOffice")
            sys.exit(4)
        time.sleep(0.05)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
reply(ok=True, stage="ready")

for line in sys.stdin:
    request = json.loads(line)
    if request.get("cmd") == "quit":
        break
    try:
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(request["src"]), "_blank", 0,
            props(Hidden=True, ReadOnly=True, OpenNewView=True, Silent=True,
                  MacroExecutionMode=0, FilterName=request["in"]),
        )
    except (IllegalArgumentException, IOException) as exc:
        reply(ok=False, kind="load", error=f"{type(exc).__name__}: {exc.Message}")
        continue
    except Exception as exc:
        reply(ok=False, kind="bridge", error=repr(exc))
        break
    if doc is None:
        reply(ok=False, kind="load", error="source file could not be loaded")
        continue
    try:
        store = dict(FilterName=request["out"], Overwrite=True)
        if request.get("data"):  # writer_pdf_Export's options, e.g. SelectPdfVersion=2 (PDF/A-2b)
            store["FilterData"] = uno.Any("[]com.sun.star.beans.PropertyValue", props(**request["data"]))
        doc.storeToURL(uno.systemPathToFileUrl(request["dst"]), props(**store))
    except Exception as exc:
        reply(ok=False, kind="store", error=repr(exc))
        break
    finally:
        try:
            doc.close(True)
        except Exception:
            try:
                doc.dispose()
            except Exception:
                pass
    reply(ok=True)

try:
    desktop.terminate()
except Exception:
    pass
"""
