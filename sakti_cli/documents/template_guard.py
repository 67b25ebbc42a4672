"""Each template is tried once, in a child process bounded in time and memory, before it is used.

The bounded sandbox of :mod:`sakti_cli.documents.render` stops a hostile template in-process; this is the
second wall, for what the sandbox does not foresee: the longest realistic sample letter
(:func:`sakti_cli.documents.template_lint.sample_context`) is rendered in a forked child process with
``RLIMIT_AS`` and ``RLIMIT_CPU`` set, a timer, a wall-clock deadline kept by the parent, and its
environment emptied (no passphrase or PIN in reach). Pictures inside the package are sized there
too (from their headers; LibreOffice would decode them). A pass is remembered in
``data/templat-teruji.json`` by the template file's SHA-256 (with a hash of the sample and of the
limits), so ``terbitkan`` and ``templat periksa`` pay for it once per version of a template, never
per letter. The child is a fork, not a fresh Python: it already holds docxtpl and jinja2, so a trial
costs about the render itself (tens of milliseconds) instead of most of a second of imports.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import select
import signal
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError, EnvironmentProblem
from sakti_cli.office.workspace import Workspace

CACHE_NAME = "templat-teruji.json"
CACHE_ENTRIES = 200  # old versions of templates are forgotten beyond this
IMAGE_PIXELS_MAX = 40_000_000  # a full A4 page at 600 dpi is 35 million
_GRACE_SECONDS = 5.0  # the parent's deadline over the child's own timer

Verdict = ConfigError | str | None
"""None: the template passed. ConfigError: it exceeded a limit (refuse it). str: an ordinary
template error on the sample (an unknown placeholder...): not a limit, reported by the caller's own
render, and not remembered."""


@dataclass(frozen=True)
class Trial:
    """One template to try with one sample context."""

    template: Path
    context: dict[str, Any]
    qr_payload: str
    logo: Path | None


def _cache_path(ws: Workspace) -> Path:
    return ws.data_dir / CACHE_NAME


def _stamp(ws: Workspace, trial: Trial) -> str:
    """What else the verdict depends on: the sample, the picture, the limits."""
    limits = ws.config.templat
    blob = json.dumps([trial.context, trial.qr_payload, str(trial.logo), limits.batas_detik,
                       limits.batas_memori_mb], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_cache(ws: Workspace) -> dict[str, Any]:
    """The remembered passes; a missing or damaged cache is an empty one (it only saves time)."""
    try:
        data = json.loads(_cache_path(ws).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("templat") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def _remember(ws: Workspace, passed: dict[str, dict[str, Any]]) -> None:
    from sakti_cli.core.clock import iso, now
    from sakti_cli.core.storage import atomic_write

    entries = _read_cache(ws)  # read again: another process may have added its own
    moment = iso(now(ws.zone))
    for digest, entry in passed.items():
        entries.pop(digest, None)
        entries[digest] = {**entry, "diuji": moment}
    kept = dict(list(entries.items())[-CACHE_ENTRIES:])
    payload = json.dumps({"versi": 1, "templat": kept}, ensure_ascii=False, indent=1).encode()
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs a trial next time
        atomic_write(_cache_path(ws), payload)


def try_templates(ws: Workspace, trials: list[Trial]) -> list[Verdict]:
    """The verdict of each trial, in order: remembered passes, then a child for each of the rest."""
    from sakti_cli.core.storage import sha256_file

    cache = _read_cache(ws)
    verdicts: list[Verdict] = [None] * len(trials)
    todo: list[tuple[int, Trial, str, str]] = []
    for index, trial in enumerate(trials):
        try:
            digest = sha256_file(trial.template)
        except OSError:
            continue  # missing: the caller's own open names it
        stamp = _stamp(ws, trial)
        entry = cache.get(digest)
        if not (isinstance(entry, dict) and entry.get("contoh") == stamp):
            todo.append((index, trial, digest, stamp))
    if not todo:
        return verdicts
    results = _run_children(ws, [trial for _, trial, _, _ in todo])
    passed: dict[str, dict[str, Any]] = {}
    for (index, trial, digest, stamp), verdict in zip(todo, results, strict=True):
        verdicts[index] = verdict
        if verdict is None:
            passed[digest] = {"berkas": trial.template.name, "contoh": stamp}
    if passed:
        _remember(ws, passed)
    return verdicts


# ---------------------------------------------------------------------------------------------
# The child: a fork of this process, limited before it touches the template
# ---------------------------------------------------------------------------------------------


class _TimeUp(BaseException):
    """Raised by the timer; a BaseException so no ``except Exception`` on the way swallows it."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise _TimeUp


def _set_limits(seconds: float, megabytes: int) -> None:
    """In the child: the address space may grow by ``megabytes`` over what the fork inherited; CPU
    time ``seconds`` and a little (SIGXCPU ends it); no core file (it would hold the sample letter)."""
    import resource

    try:
        with open("/proc/self/statm") as handle:
            inherited = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        inherited = 0
    size = inherited + megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu if hard == resource.RLIM_INFINITY else min(cpu, hard), hard))


def _child(work: Callable[[], dict[str, Any]], seconds: float, megabytes: int, out: int) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        os.environ.clear()  # nothing of the caller's environment (passphrase, PIN) stays in reach
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        _set_limits(seconds, megabytes)
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            answer = work()
        except _TimeUp:
            answer = {"hasil": "waktu"}
        except MemoryError:
            answer = {"hasil": "memori"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        data = json.dumps(answer).encode()
        while data:
            data = data[os.write(out, data):]
    except BaseException:  # the parent reports a child that gave no answer
        code = 70
    finally:
        os._exit(code)


def run_limited(work: Callable[[], dict[str, Any]], seconds: float, megabytes: int) -> dict[str, Any]:
    """``work()``'s answer (a JSON-able dict), computed in a forked child with an empty environment,
    ``megabytes`` more address space and ``seconds`` of time (its timer, the CPU limit, and a deadline
    kept here); else ``{"hasil": "waktu" | "memori" | "mati", "kode": exit status}``."""
    read_end, write_end = os.pipe()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python >= 3.12 when threads exist
            pid = os.fork()
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        raise _cannot_run(exc.strerror or str(exc)) from exc
    if pid == 0:
        os.close(read_end)
        _child(work, seconds, megabytes, write_end)
    os.close(write_end)
    data: bytes | None = None
    try:
        data = _read_answer(read_end, seconds + _GRACE_SECONDS)
    finally:
        os.close(read_end)
        if data is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if data:
        with contextlib.suppress(ValueError):
            answer = json.loads(data)
            if isinstance(answer, dict):
                return answer
    code = os.waitstatus_to_exitcode(status)
    if data is None or code in (-signal.SIGXCPU, -signal.SIGKILL):
        return {"hasil": "waktu", "kode": code}
    return {"hasil": "mati", "kode": code}


def _read_answer(fd: int, timeout: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None when the deadline passes first."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _cannot_run(reason: str) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"Percobaan templat dalam proses terpisah tidak dapat dimulai ({reason}).",
        saran="Tutup program lain yang tidak dipakai (memori atau jumlah proses penuh), lalu coba lagi.",
    )


def _run_children(ws: Workspace, trials: list[Trial]) -> list[Verdict]:
    seconds = ws.config.templat.batas_detik
    megabytes = ws.config.templat.batas_memori_mb
    return [_verdict(trial.template, run_limited(functools.partial(_try_one, trial), seconds, megabytes),
                     seconds, megabytes) for trial in trials]


def _verdict(template: Path, answer: dict[str, Any], seconds: float, megabytes: int) -> Verdict:
    from sakti_cli.documents.render import over_limit

    kind = answer.get("hasil")
    if kind == "ok":
        return None
    sample = "saat dicoba dengan data contoh terpanjang"
    if kind == "waktu":
        return over_limit(template, f"lebih dari {seconds:g} detik {sample}")
    if kind == "memori":
        return over_limit(template, f"lebih dari {megabytes} MB memori {sample}")
    if kind == "ditolak":
        return ConfigError(str(answer.get("pesan")), saran=answer.get("saran"), templat=str(template),
                           ditolak=str(answer.get("ditolak")))
    if kind == "galat":
        return str(answer.get("pesan"))
    return over_limit(template, f"proses percobaan berhenti tidak wajar (kode {answer.get('kode')}) {sample}")


def check_images(template: Path, logo: Path | None = None) -> None:
    """ConfigError when a picture inside the package (or the office logo) has IMAGE_PIXELS_MAX pixels
    or more: read from its header, nothing decoded (LibreOffice would decode it, unbounded)."""
    import zipfile

    with zipfile.ZipFile(template) as package:
        for info in package.infolist():
            if info.filename.startswith("word/media/"):
                _check_picture(template, info.filename, package.read(info))
    if logo is not None:
        _check_picture(template, f"logo {logo.name}", logo.read_bytes())


def _check_picture(template: Path, name: str, data: bytes) -> None:
    import io

    from PIL import Image

    from sakti_cli.documents.render import over_limit

    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # sized, never decoded
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Exception:  # a format Pillow does not know (EMF, SVG): not sized here
        return
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if width * height >= IMAGE_PIXELS_MAX:
        raise over_limit(template, f"gambar {name} berukuran {width} x {height} piksel "
                         f"(batas {IMAGE_PIXELS_MAX // 1_000_000} juta piksel)")


def _try_one(trial: Trial) -> dict[str, Any]:
    """In the child: size the pictures, render the sample; what happened, as a JSON-able answer."""
    from sakti_cli.documents.render import render_bytes

    try:
        check_images(trial.template, trial.logo)
        render_bytes(trial.template, trial.context, qr_payload=trial.qr_payload, logo=trial.logo)
    except ConfigError as exc:
        if "ditolak" in exc.detail:
            return {"hasil": "ditolak", "ditolak": exc.detail["ditolak"], "pesan": exc.pesan, "saran": exc.saran}
        return {"hasil": "galat", "pesan": exc.pesan}
    return {"hasil": "ok"}
