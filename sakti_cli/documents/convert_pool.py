"""A pool of LibreOffice workers for batches: many letters converted at once, none allowed to hang the run.

Each worker is a :class:`~sakti_cli.documents.convert.Converter` (its own locked folder, profile, process
groups) owned by one long-lived thread: that thread starts its LibreOffice and uses it, because the
kernel's death signal is tied to the *thread* that started a child (sakti_cli.core.children). Callers hand
jobs over a queue, so :meth:`ConverterPool.convert` may be called from several threads at once and
fits ``issue_letter(converter=...)`` as a ``Converter`` does.

Every conversion has a hard time limit: past it a watchdog kills all of the worker's process groups,
the worker is replaced by a fresh one (a new profile copied from the warm one), and the document is
tried once more there; a document that hangs again is reported, never retried forever. A worker is
also renewed after ``recycle_after`` documents or when its LibreOffice grows past ``max_rss_mb``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sakti_cli.core.children import group_members, kill_group, start_child
from sakti_cli.core.errors import EnvironmentProblem
from sakti_cli.core.scratch import Owned, owned_temp, sweep
from sakti_cli.documents.convert import _RESTART, LO_PREFIX, Converter, find_soffice, office_command

DEFAULT_LIMIT = 60.0
DEFAULT_MAX_RSS_MB = 1024
DEFAULT_RETRIES = 1
_WARM_TIMEOUT = 300.0


def default_size() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class ConversionResult:
    """What became of one job: ``pdf`` or ``error``, after ``attempts`` tries taking ``seconds``."""

    job: Any
    docx: Path
    pdf: Path | None = None
    error: Exception | None = None
    attempts: int = 0
    seconds: float = 0.0
    hung: int = 0  # attempts killed at the time limit


@dataclass
class _Job:
    docx: Path
    out_dir: Path
    key: Any
    pdfa: bool = False
    future: Future[ConversionResult] = field(default_factory=Future)


def group_rss_mb(pgid: int) -> float:
    """Resident memory (VmRSS) of a process group, in MB; 0 when it is gone."""
    total_kb = 0
    for pid in group_members(pgid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace").splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def _hung(docx: Path, limit: float, attempts: int) -> EnvironmentProblem:
    tries = "sekali" if attempts == 1 else f"{attempts} kali"
    return EnvironmentProblem(
        f"LibreOffice macet saat mengubah {docx.name} menjadi PDF: dihentikan setelah {limit:g} detik, "
        f"sudah dicoba {tries}; surat ini dilewati.",
        saran="Buka DOCX itu di LibreOffice Writer untuk memeriksanya, atau naikkan [libreoffice] batas_detik "
              "di sakti.toml bila mesin sedang sangat sibuk; surat lain tetap diproses.",
        berkas=str(docx), batas_detik=limit, percobaan=attempts,
    )


class _Worker(threading.Thread):
    """One LibreOffice, renewed when killed, recycled or too big; runs jobs from the pool's queue."""

    def __init__(self, pool: ConverterPool, number: int) -> None:
        super().__init__(name=f"sakti-lo-{number}", daemon=True)
        self.pool = pool
        self.converter: Converter | None = None
        self.converted = 0
        self.started_ok = threading.Event()
        self.start_error: BaseException | None = None
        self.current: Path | None = None  # the DOCX being converted (tests, progress)

    @property
    def office_pid(self) -> int | None:
        converter = self.converter
        return converter.office_pid if converter is not None else None

    def run(self) -> None:
        try:
            self._fresh()
        except BaseException as exc:  # reported by the pool's constructor
            self.start_error = exc
            self.started_ok.set()
            return
        self.started_ok.set()
        try:
            while True:
                job = self.pool._jobs.get()
                if job is None:
                    return
                if job.future.set_running_or_notify_cancel():
                    job.future.set_result(self._run(job))
        finally:
            self._drop()

    def _fresh(self) -> None:
        pool = self.pool
        self.converter = Converter(timeout=max(pool.limit * 2, 30.0), mode=pool.mode,
                                   profile_template=pool.profile_template, recycle_after=pool.recycle_after)
        self.converter.start()

    def _drop(self) -> None:
        if self.converter is not None:
            self.converter.close()
            self.converter = None

    def _run(self, job: _Job) -> ConversionResult:
        pool = self.pool
        result = ConversionResult(job=job.key, docx=job.docx)
        began = time.monotonic()
        self.current = job.docx
        try:
            while True:
                result.attempts += 1
                if self.converter is None:
                    self._fresh()
                assert self.converter is not None
                converter = self.converter
                watchdog = threading.Timer(pool.limit, converter.abort)
                watchdog.daemon = True
                watchdog.start()
                if pool._before_convert is not None:
                    pool._before_convert(self, job.docx)
                try:
                    result.pdf = converter.convert(job.docx, job.out_dir, pdfa=job.pdfa)
                except Exception as exc:
                    if not converter.aborted:
                        result.error = exc
                        break
                    result.hung += 1
                    self._drop()  # killed at the limit: a fresh worker takes over
                    if result.attempts > pool.retries:
                        result.error = _hung(job.docx, pool.limit, result.attempts)
                        break
                    continue
                finally:
                    watchdog.cancel()
                break
            self._after_job()
        except Exception as exc:  # a replacement that would not start
            result.error = exc
        finally:
            self.current = None
            result.seconds = time.monotonic() - began
        return result

    def _after_job(self) -> None:
        """Renew a worker that grew too big; bring a replacement up before the next job arrives."""
        self.converted += 1
        converter = self.converter
        if converter is not None and converter.aborted:  # the limit struck just as it finished
            self._drop()
            converter = None
        if converter is None:
            self._fresh()
            return
        pid = converter.office_pid
        if pid is not None and group_rss_mb(pid) > self.pool.max_rss_mb:
            converter.recycle()
        converter.start()


class ConverterPool:
    """``size`` LibreOffice workers (default: one per core), started at once; a context manager.

    ``limit``: seconds one document may take before its worker is killed and replaced; ``retries``:
    how often such a document is tried again on a fresh worker; ``recycle_after``: documents per
    LibreOffice before a new one is started; ``max_rss_mb``: memory above which it is renewed.
    """

    def __init__(self, size: int | None = None, *, limit: float = DEFAULT_LIMIT, retries: int = DEFAULT_RETRIES,
                 recycle_after: int | None = None, max_rss_mb: float = DEFAULT_MAX_RSS_MB, mode: str | None = None,
                 profile_template: Path | None = None) -> None:
        self.size = size if size is not None else default_size()
        if self.size < 1 or limit <= 0 or retries < 0:
            raise ValueError("size >= 1, limit > 0 and retries >= 0 required")
        self.limit, self.retries, self.recycle_after = limit, retries, recycle_after
        self.max_rss_mb, self.mode = max_rss_mb, mode
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._before_convert: Callable[[_Worker, Path], None] | None = None  # a test's hook, in the worker thread
        self._warm: Owned | None = None
        if profile_template is None and os.environ.get("SAKTI_LO_PROFIL"):
            profile_template = Path(os.environ["SAKTI_LO_PROFIL"])
        if profile_template is None:
            profile_template = self._warm_profile()
        self.profile_template = profile_template
        self.workers = [_Worker(self, n + 1) for n in range(self.size)]
        self._closed = False
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            worker.started_ok.wait()
        failed = next((w.start_error for w in self.workers if w.start_error is not None), None)
        if failed is not None:
            self.close()
            raise failed

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> ConverterPool:
        """A pool as ``[libreoffice]`` in sakti.toml says (:class:`sakti_cli.office.workspace.LibreOfficeSettings`)."""
        options: dict[str, Any] = {
            "size": settings.pekerja, "limit": settings.batas_detik, "retries": settings.coba_ulang,
            "recycle_after": settings.daur_ulang_setelah, "max_rss_mb": settings.batas_memori_mb,
        }
        options.update(overrides)
        return cls(**options)

    # --- public ------------------------------------------------------------------------------
    def submit(self, docx: Path, out_dir: Path, key: Any = None, *, pdfa: bool = False) -> Future[ConversionResult]:
        """Queue one conversion (PDF/A-2b with ``pdfa``); the future's result is a :class:`ConversionResult`
        (never raises)."""
        if self._closed:
            raise RuntimeError("ConverterPool is closed")
        job = _Job(Path(docx), Path(out_dir), key, pdfa)
        self._jobs.put(job)
        return job.future

    def convert(self, docx: Path, out_dir: Path, *, pdfa: bool = False) -> Path:
        """Like :meth:`Converter.convert`, from any thread: the PDF path, or the conversion's error."""
        result = self.submit(docx, out_dir, pdfa=pdfa).result()
        if result.error is not None:
            raise result.error
        assert result.pdf is not None
        return result.pdf

    def map(self, jobs: Iterable[tuple[Any, Path, Path]], *, pdfa: bool = False) -> Iterator[ConversionResult]:
        """``(key, docx, out_dir)`` jobs, all queued at once; results as they finish."""
        futures = [self.submit(docx, out_dir, key, pdfa=pdfa) for key, docx, out_dir in jobs]
        for future in as_completed(futures):
            yield future.result()

    def office_pids(self) -> list[int]:
        """The running LibreOffice processes, one per started worker (tests, diagnostics)."""
        return [pid for pid in (w.office_pid for w in self.workers) if pid is not None]

    def close(self) -> None:
        """Stop every worker and its LibreOffice, delete their profiles. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._cancel_waiting()
            for _ in self.workers:
                self._jobs.put(None)
        for worker in self.workers:
            if worker.is_alive():
                worker.join()
        if self._warm is not None:
            self._warm.remove()
            self._warm = None

    def kill(self) -> None:
        """:meth:`close` without LibreOffice's clean quit: every worker's process groups are killed first.
        For a run that is done with a throwaway pool (one letter at the desk): no wait for it to exit."""
        for worker in self.workers:
            converter = worker.converter
            if converter is not None:
                converter.abort()
        self.close()

    def __enter__(self) -> ConverterPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------------
    def _cancel_waiting(self) -> None:
        """Jobs not yet taken are cancelled: closing (also on Ctrl-C) does not wait for a whole batch."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job.future.cancel()

    def _warm_profile(self) -> Path | None:
        """Create one LibreOffice profile for all workers to copy (a first start is the slow part)."""
        temp = Path(tempfile.gettempdir())
        sweep([(temp, f"{LO_PREFIX}*")])
        self._warm = owned_temp(temp, LO_PREFIX)
        profile = self._warm.path / "profil"
        soffice = find_soffice()
        env = {"SAL_ENABLE_FILE_LOCKING": "1"}
        home = os.environ.get("HOME", "")
        if not home or not os.access(home, os.W_OK):
            (self._warm.path / "home").mkdir()
            env["HOME"] = str(self._warm.path / "home")
        for _attempt in range(2):  # a new profile makes soffice.bin ask to be started again (81)
            proc = start_child(office_command(soffice, profile, "--terminate_after_init"), env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._warm.record_group(proc.pid)
            try:
                code = proc.wait(timeout=_WARM_TIMEOUT)
            except subprocess.TimeoutExpired:
                code = None
            kill_group(proc)
            if code != _RESTART:
                break
        if not (profile / "user").is_dir():
            shutil.rmtree(profile, ignore_errors=True)
            return None  # each worker makes its own, slower but working
        return profile
