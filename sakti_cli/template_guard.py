"""Each template is tried once, in a child process bounded in time and memory, before it is used.

The bounded sandbox of :mod:`sakti_cli.render` stops a hostile template in-process; this is the
second wall, for what the sandbox does not foresee: the longest realistic sample letter
(:func:`sakti_cli.template_lint.sample_context`) is rendered in a child process with ``RLIMIT_AS``
and ``RLIMIT_CPU`` set, a timer per template, a wall-clock deadline kept by the parent, and an
environment without the caller's secrets. Pictures inside the package are sized there too (their
headers only; LibreOffice would decode them). A pass is remembered in ``data/templat-teruji.json``
by the template file's SHA-256 (with a hash of the sample and of the limits), so ``terbitkan`` and
``templat periksa`` pay for it once per version of a template, never per letter.

Run as ``python -m sakti_cli.template_guard JOBS.json SECONDS MEGABYTES`` only by this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sakti_cli.errors import ConfigError, EnvironmentProblem
from sakti_cli.office import Workspace
from sakti_cli.sop import Service

CACHE_NAME = "templat-teruji.json"
CACHE_ENTRIES = 200  # old versions of templates are forgotten beyond this
IMAGE_PIXELS_MAX = 40_000_000  # a full A4 page at 600 dpi is 35 million
_STARTUP_SECONDS = 20.0  # the child's imports, on a slow, busy machine (about 0.7 s here)
_GRACE_SECONDS = 5.0
_READY = "siap"

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
    from sakti_cli.clock import iso, now
    from sakti_cli.storage import atomic_write

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
    """The verdict of each trial, in order: remembered passes first, then one child for the rest."""
    from sakti_cli.storage import sha256_file

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


def check_template(ws: Workspace, service: Service, template: Path) -> None:
    """``terbitkan``'s check before a number is reserved: ConfigError (exit 4) naming the template
    and what it exceeded; an ordinary template error is left to the issuance's own trial render."""
    from sakti_cli.issue import logo_path, verification_url
    from sakti_cli.template_lint import SAMPLE_CODE, sample_context

    context, _person = sample_context(ws, service)
    verdict = try_templates(ws, [Trial(template, context, verification_url(ws, SAMPLE_CODE), logo_path(ws))])[0]
    if isinstance(verdict, ConfigError):
        raise verdict


# ---------------------------------------------------------------------------------------------
# The parent side: one child for a list of trials, a deadline per trial
# ---------------------------------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """Only what Python needs: no passphrase, PIN or anything else of the caller's environment.
    (Meant to be replaced by the project's one allow-list helper for children's environments.)"""
    import sakti_cli

    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(Path(sakti_cli.__file__).resolve().parent.parent),
    }


def _limit_error(template: Path, what: str) -> ConfigError:
    from sakti_cli.render import over_limit

    return over_limit(template, what)


def _run_children(ws: Workspace, trials: list[Trial]) -> list[Verdict]:
    seconds = ws.config.templat.batas_detik
    megabytes = ws.config.templat.batas_memori_mb
    verdicts: list[Verdict] = []
    folder = Path(tempfile.mkdtemp(prefix="sakti-uji-templat-"))
    try:
        while len(verdicts) < len(trials):
            rest = trials[len(verdicts):]
            verdicts += _one_child(folder, rest, seconds, megabytes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return verdicts


def _one_child(folder: Path, trials: list[Trial], seconds: float, megabytes: int) -> list[Verdict]:
    """Verdicts of the leading trials this child finished; a child that dies or overruns gives the
    trial it was on a limit verdict (the rest are tried again in a fresh child)."""
    jobs = folder / "uji.json"
    jobs.write_text(json.dumps([{"templat": str(t.template), "konteks": t.context, "qr": t.qr_payload,
                                 "logo": str(t.logo) if t.logo else None} for t in trials], default=str))
    command = [sys.executable, "-m", "sakti_cli.template_guard", str(jobs), repr(seconds), str(megabytes)]
    try:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=child_environment(), cwd=folder, text=True, start_new_session=True)
    except OSError as exc:
        raise _cannot_run(f"{sys.executable}: {exc.strerror or exc}") from exc
    verdicts: list[Verdict] = []
    try:
        assert child.stdout is not None
        line = _line(child, _STARTUP_SECONDS)
        if line != _READY:
            child.kill()
            child.wait()
            err = (child.stderr.read() if child.stderr else "").strip().splitlines()
            raise _cannot_run(err[-1] if err else f"proses berhenti dengan kode {child.returncode}")
        for trial in trials:
            line = _line(child, seconds + _GRACE_SECONDS)
            if line is None:
                child.kill()
                code = child.wait()
                verdicts.append(_limit_error(trial.template, _death(code, seconds, megabytes)))
                return verdicts
            verdicts.append(_verdict(trial.template, json.loads(line), seconds, megabytes))
        return verdicts
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def _line(child: subprocess.Popen[str], timeout: float) -> str | None:
    """The child's next line, or None when it ended or the deadline passed."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    if not ready:
        return None
    line = child.stdout.readline()
    return line.strip() or None


def _death(code: int | None, seconds: float, megabytes: int) -> str:
    if code is None or code in (-signal.SIGKILL, -signal.SIGXCPU):
        return f"lebih dari {seconds:g} detik saat dicoba dengan data contoh terpanjang (proses dihentikan)"
    return (f"proses percobaan berhenti tidak wajar (kode {code}), kemungkinan melebihi {megabytes} MB "
            "memori, saat dicoba dengan data contoh terpanjang")


def _verdict(template: Path, answer: dict[str, Any], seconds: float, megabytes: int) -> Verdict:
    kind = answer.get("hasil")
    if kind == "ok":
        return None
    if kind == "waktu":
        return _limit_error(template, f"lebih dari {seconds:g} detik saat dicoba dengan data contoh terpanjang")
    if kind == "memori":
        return _limit_error(template, f"lebih dari {megabytes} MB memori saat dicoba dengan data contoh terpanjang")
    if kind == "ditolak":
        return ConfigError(str(answer.get("pesan")), saran=answer.get("saran"), templat=str(template),
                           ditolak=str(answer.get("ditolak")))
    return str(answer.get("pesan") or "templat tidak dapat diisi")


def _cannot_run(reason: str) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"Percobaan templat dalam proses terpisah tidak dapat dijalankan ({reason}).",
        saran="Periksa instalasi sakti (python -m sakti_cli.template_guard harus dapat dijalankan).",
    )


# ---------------------------------------------------------------------------------------------
# The child side
# ---------------------------------------------------------------------------------------------


class _TimeUp(BaseException):
    """Raised by the timer; a BaseException so no ``except Exception`` on the way swallows it."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise _TimeUp


def _set_limits(seconds: float, megabytes: int) -> None:
    import resource

    size = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _cpu_budget(seconds)


def _cpu_budget(seconds: float) -> None:
    """CPU time from now: ``seconds`` and a little (SIGXCPU ends the child, the parent names it)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime + seconds) + 2
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def check_images(template: Path) -> None:
    """ConfigError when a picture inside the package has more than IMAGE_PIXELS_MAX pixels
    (read from its header; nothing is decoded)."""
    import io
    import warnings
    import zipfile

    from PIL import Image

    with zipfile.ZipFile(template) as package:
        for info in package.infolist():
            if not info.filename.startswith("word/media/"):
                continue
            previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # sized here, never decoded
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    with Image.open(io.BytesIO(package.read(info))) as image:
                        width, height = image.size
            except Exception:  # a format Pillow does not know (EMF, SVG): not sized here
                continue
            finally:
                Image.MAX_IMAGE_PIXELS = previous
            if width * height >= IMAGE_PIXELS_MAX:
                raise _limit_error(template, f"gambar {info.filename} berukuran {width} x {height} piksel "
                                   f"(batas {IMAGE_PIXELS_MAX // 1_000_000} juta piksel)")


def _try_one(job: dict[str, Any], seconds: float) -> dict[str, Any]:
    from sakti_cli.render import render_bytes

    template = Path(job["templat"])
    _cpu_budget(seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        check_images(template)
        render_bytes(template, job["konteks"], qr_payload=job["qr"], logo=Path(job["logo"]) if job["logo"] else None)
    except _TimeUp:
        return {"hasil": "waktu"}
    except MemoryError:
        return {"hasil": "memori"}
    except ConfigError as exc:
        if "ditolak" in exc.detail:
            return {"hasil": "ditolak", "ditolak": exc.detail["ditolak"], "pesan": exc.pesan, "saran": exc.saran}
        return {"hasil": "galat", "pesan": exc.pesan}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return {"hasil": "ok"}


def _child_main(argv: list[str]) -> int:
    jobs_file, seconds_text, megabytes_text = argv
    seconds, megabytes = float(seconds_text), int(megabytes_text)
    _set_limits(seconds, megabytes)
    signal.signal(signal.SIGALRM, _alarm)
    jobs = json.loads(Path(jobs_file).read_text())
    # imported before "ready": the deadline is for rendering, not for starting Python
    import docxtpl  # noqa: F401
    import jinja2.sandbox  # noqa: F401
    import PIL.Image  # noqa: F401
    import segno  # noqa: F401

    import sakti_cli.render  # noqa: F401

    print(_READY, flush=True)
    for job in jobs:
        started = time.monotonic()
        answer = _try_one(job, seconds)
        answer["detik"] = round(time.monotonic() - started, 3)
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
