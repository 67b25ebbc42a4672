"""The resident worker: ``sakti latar mulai`` / ``latar berhenti`` / ``latar status``.

The worker itself (sakti_cli.documents.resident) keeps LibreOffice warm for later ``sakti terbitkan``
runs of this user on this workspace; it converts only (no passphrase, no key, no register). Beside it the
fork server (sakti_cli.core.forkserver, its served side sakti_cli.cli.garpu) keeps sakti's heavy modules
imported and runs ``terbitkan``, ``tandatangani``, ``ttd`` and ``verifikasi`` in a child forked for each run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Annotated, Any

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, Negative, command, workspace
from sakti_cli.core.errors import EnvironmentProblem, StateConflict

latar_app = typer.Typer(help="Pekerja latar: LibreOffice tetap menyala untuk 'sakti terbitkan' berikutnya.",
                        no_args_is_help=True, rich_markup_mode=None)

# What the worker needs of our environment besides a child's allow-list (never a passphrase).
PASSED_ON = ("SAKTI_LO_PROFIL", "SAKTI_SOFFICE", "SAKTI_LO_MODE", "SAKTI_LO_TIMEOUT", "SAKTI_UNO_PYTHON",
             "PYTHONPATH")
START_TIMEOUT = 120.0


def register(app: typer.Typer) -> None:
    latar_app.command("mulai")(mulai)
    latar_app.command("berhenti")(berhenti)
    latar_app.command("status")(status)
    latar_app.command("layani", hidden=True)(layani)
    app.add_typer(latar_app, name="latar")


def _forks(forks: dict[str, Any] | None) -> dict[str, Any]:
    if forks is None:
        return {"berjalan": False}
    return {"berjalan": True, "pid": forks["pid"], "mulai": forks["mulai"], "dilayani": forks["dilayani"],
            "aktif": forks["aktif"], "ditolak": forks["ditolak"], "modul": forks["modul"],
            "templat": forks.get("templat", 0), "dipanaskan": forks.get("dipanaskan")}


def _payload(found: dict[str, Any] | None, folder: Any, forks: dict[str, Any] | None = None) -> dict[str, Any]:
    if found is None:
        return {"berjalan": False, "folder": str(folder), "garpu": _forks(forks)}
    return {"berjalan": True, "folder": str(folder), "pid": found["pid"], "versi": found["versi"],
            "kantor": found["kantor"], "mulai": found["mulai"], "dikonversi": found["dikonversi"],
            "ditolak": found["ditolak"], "pekerja": found["pekerja"], "libreoffice": found["libreoffice"],
            "garpu": _forks(forks)}


def _human(payload: dict[str, Any]) -> Any:
    def show(console: Console) -> None:
        forks = payload["garpu"]
        if not payload["berjalan"]:
            console.print("Pekerja latar tidak berjalan." + (
                f" Server garpu masih berjalan (pid {forks['pid']})." if forks["berjalan"] else ""))
            return
        since = time.strftime("%H:%M", time.localtime(payload["mulai"]))
        console.print(f"Pekerja latar berjalan (pid {payload['pid']}, sejak {since}): {payload['pekerja']} "
                      f"LibreOffice, {payload['dikonversi']} surat diubah menjadi PDF.")
        if forks["berjalan"]:
            console.print(f"Server garpu berjalan (pid {forks['pid']}): {forks['dilayani']} perintah dilayani, "
                          f"{forks['aktif']} sedang berjalan.")
        else:
            console.print("Server garpu tidak berjalan: perintah berikutnya memuat modulnya sendiri.")
    return show


def _same(found: dict[str, Any], ident: dict[str, Any]) -> bool:
    return all(found.get(key) == value for key, value in ident.items())


@command
def mulai(out: Output, pekerja: Annotated[int, typer.Option(
              "--pekerja", min=1, max=8, help="Jumlah LibreOffice yang tetap menyala (bawaan 1).")] = 1,
          json_out: JSON_OPT = False) -> None:
    """Jalankan pekerja latar: LibreOffice menyala terus, dipakai 'sakti terbitkan' pengguna ini di kantor ini."""
    from sakti_cli.core.forkserver import ask
    from sakti_cli.documents.resident import LOG_NAME, identity, make_private, runtime_dir, worker_status

    ws = workspace()
    folder = runtime_dir(ws.data_dir)
    make_private(folder)
    ident = identity(ws.root)
    found, forks = worker_status(folder), ask(folder, "status")
    stale = [running for running in (found, forks) if running is not None and running.get("versi") != ident["versi"]]
    if found is not None and not _same(found, ident):
        stale.append(found)
    if stale:
        raise StateConflict(f"Pekerja latar sakti versi {stale[0].get('versi')} masih berjalan untuk kantor ini.",
                            saran="Hentikan dulu dengan 'sakti latar berhenti', lalu 'sakti latar mulai' lagi.")
    if found is None:
        found = _start(ws, folder, folder / LOG_NAME, pekerja)
        out.step(f"pekerja latar dimulai (pid {found['pid']})")
    else:
        out.info(f"Pekerja latar sudah berjalan (pid {found['pid']}).")
    if forks is None:
        forks = _start_forks(ws, folder)
        out.step(f"server garpu dimulai (pid {forks['pid']})")
    payload = _payload(found, folder, forks)
    out.result(payload, _human(payload))


def _start(ws: Any, folder: Any, log_path: Any, pekerja: int) -> dict[str, Any]:
    from sakti_cli.documents.resident import worker_status

    cmd = [sys.executable, "-m", "sakti_cli", "--kantor", str(ws.root), "latar", "layani", "--pekerja", str(pekerja)]
    return _start_server(ws, cmd, log_path, lambda: worker_status(folder), "Pekerja latar")


def _start_forks(ws: Any, folder: Any) -> dict[str, Any]:
    from sakti_cli.cli.garpu import LOG_NAME
    from sakti_cli.core.forkserver import ask

    cmd = [sys.executable, "-m", "sakti_cli.cli.garpu", str(folder)]
    return _start_server(ws, cmd, folder / LOG_NAME, lambda: ask(folder, "status"), "Server garpu")


def _start_server(ws: Any, cmd: list[str], log_path: Any, answers: Any, what: str) -> dict[str, Any]:
    from sakti_cli.core.children import start_detached

    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    with open(log_path, "ab") as log:
        os.chmod(log_path, 0o600)
        proc = start_detached(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=str(ws.root))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = answers()
        if found is not None:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    else:
        proc.kill()
    proc.wait()
    found = answers()  # another 'latar mulai' won the race: that worker serves
    if found is not None:
        return found
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:].strip()
    raise EnvironmentProblem(f"{what} tidak dapat dimulai" + (f": {tail.splitlines()[-1]}" if tail else "."),
                             saran=f"Lihat {log_path}, jalankan 'sakti kantor periksa', lalu ulangi.",
                             log=str(log_path), keluar=proc.returncode)


@command
def berhenti(out: Output, json_out: JSON_OPT = False) -> None:
    """Hentikan pekerja latar kantor ini, LibreOffice-nya dan server garpu-nya (keluar 1 bila tidak berjalan)."""
    from sakti_cli.core import forkserver
    from sakti_cli.documents.resident import WorkerGone, ask, runtime_dir, worker_status

    folder = runtime_dir(workspace().data_dir)
    found = worker_status(folder)
    forks = forkserver.ask(folder, "berhenti")  # no new run; the running ones end first
    if found is not None:
        try:
            found = ask(folder, {"perintah": "berhenti"})
        except WorkerGone:
            found = None
    deadline = time.monotonic() + forkserver.STOP_GRACE + 10
    while (worker_status(folder) is not None or _forks_alive(forks)) and time.monotonic() < deadline:
        time.sleep(0.1)
    payload = {"dihentikan": found is not None or forks is not None, "folder": str(folder),
               **({"pid": found["pid"], "dikonversi": found["dikonversi"]} if found else {}),
               "garpu": {"dihentikan": forks is not None,
                         **({"pid": forks["pid"], "dilayani": forks["dilayani"]} if forks else {})}}

    def human(console: Console) -> None:
        if found is None and forks is None:
            console.print("Pekerja latar tidak berjalan.")
        if found is not None:
            console.print(f"Pekerja latar dihentikan (pid {found['pid']}, {found['dikonversi']} surat diubah).")
        if forks is not None:
            console.print(f"Server garpu dihentikan (pid {forks['pid']}, {forks['dilayani']} perintah dilayani).")

    out.result(payload, human, ok=payload["dihentikan"])
    if not payload["dihentikan"]:
        raise Negative


def _forks_alive(forks: dict[str, Any] | None) -> bool:
    """The stopped fork server's process still there (its running commands ending)."""
    if forks is None:
        return False
    try:
        os.kill(forks["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with open(f"/proc/{forks['pid']}/stat", encoding="ascii", errors="replace") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


@command
def status(out: Output, json_out: JSON_OPT = False) -> None:
    """Apakah pekerja latar kantor ini dan server garpu-nya berjalan, dan berapa surat sudah diubahnya
    (keluar 1 bila pekerja latar tidak berjalan)."""
    from sakti_cli.core.forkserver import ask
    from sakti_cli.documents.resident import runtime_dir, worker_status

    folder = runtime_dir(workspace().data_dir)
    found = worker_status(folder)
    payload = _payload(found, folder, ask(folder, "status"))
    out.result(payload, _human(payload), ok=found is not None)
    if found is None:
        raise Negative


@command
def layani(out: Output, pekerja: Annotated[int, typer.Option("--pekerja", min=1, max=8)] = 1) -> None:
    """The worker itself, started by 'latar mulai' (hidden): serves until stopped."""
    from sakti_cli.documents.convert_pool import ConverterPool
    from sakti_cli.documents.resident import identity, runtime_dir, serve

    ws = workspace()
    if not serve(runtime_dir(ws.data_dir), identity(ws.root),
                 lambda: ConverterPool.from_settings(ws.config.libreoffice, size=pekerja)):
        raise StateConflict("Pekerja latar lain sudah melayani kantor ini.", saran="Lihat 'sakti latar status'.")
