"""The fork server of ``sakti latar`` (sakti_cli.core.forkserver, sakti_cli.cli.garpu, sakti_cli.cli.launch).

The real thing: ``sakti latar mulai`` starts the LibreOffice pool and the fork server, and the installed
``sakti`` (a subprocess, as at the desk) hands ``terbitkan`` and ``verifikasi`` to it. A letter issued there
is recorded and signed as one issued by a run of its own; exit codes and messages pass through; a
passphrase is asked on the client's own terminal (a pty here) and never reaches the server; a client that
dies takes its run and that run's LibreOffice with it; ``latar berhenti`` leaves nothing running.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pki_helpers import make_nss_db, pdfsig_verdict_ok, run_pdfsig
from test_latar_pekerja import _alive, _descendants, _wait_gone, as_nobody, kill_office_servers

from sakti_cli.cli import garpu, launch
from sakti_cli.core import forkserver

SAKTI = Path(sys.executable).parent / "sakti"


@pytest.fixture
def latar(kantor: Path, cli: Any) -> Iterator[dict[str, Any]]:
    """``sakti latar mulai`` (pool and fork server); whatever is left is killed at the end."""
    try:
        yield cli.json("latar", "mulai")
    finally:  # also the servers of a 'mulai' that failed after they started
        kill_office_servers(kantor)


def _sakti(*args: str, env: dict[str, str] | None = None, **popen: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SAKTI), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, **popen)


def _served(folder: Path) -> int:
    found = forkserver.ask(folder, "status")
    assert found is not None
    return int(found["dilayani"])


def _without_moments(value: dict[str, Any]) -> dict[str, Any]:
    """An issued letter's answer without what differs between two letters (numbers, code, hash, file)."""
    varying = {"nomor_registrasi", "nomor_surat", "kode_verifikasi", "sha256", "pdf", "pesan_wa", "tautan_wa"}
    return {key: item for key, item in value.items() if key not in varying}


def _trail(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(event["aksi"], event["petugas"], event["sebelum"], event["sesudah"], event["waktu"],
             _shape(event["detail"])) for event in events]


def _shape(value: Any) -> Any:
    """The keys of a JSON value, recursively (the values of the varying ones may differ)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def test_a_letter_through_the_fork_server_is_the_same_letter(
        latar: dict[str, Any], cli: Any, registered: Callable[..., str], kantor: Path, demo_pki: Any,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = kantor / "data" / "latar"
    forks = latar["garpu"]
    assert forks["berjalan"] and forks["dilayani"] == 0
    assert ((folder / "garpu").stat().st_mode & 0o777) == 0o600
    assert "SAKTI_SANDI" not in Path(f"/proc/{forks['pid']}/environ").read_bytes().decode(errors="replace")
    assert cli.json("latar", "mulai")["garpu"]["pid"] == forks["pid"]  # one per workspace

    assert forks["templat"] == len(_office_templates(kantor))  # parsed ahead, before any fork
    # and a throwaway signature made and checked in a temporary folder, the message templates compiled
    assert forks["dipanaskan"] == {"tanda_tangan": True, "telepon": True, "pesan": 5}
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    here, there, later = registered(), registered(), registered()
    for reg in (here, there, later):
        cli.json("periksa", reg)
    own = cli.json("terbitkan", here)  # in-process: never the fork server
    assert _served(folder) == 0
    done = _sakti("terbitkan", there, "--json")
    assert done.returncode == 0, done.stderr
    assert _served(folder) == 1
    served = json.loads(done.stdout)
    assert served["status"] == "TERBIT" and served["peringatan"] == [] and _shape(served) == _shape(own)
    assert _without_moments(served) == _without_moments(own)
    for reg in (here, there):  # the register and the audit trail as a run of its own leaves them
        assert _shape(cli.json("status", reg)) == _shape(cli.json("status", here))
    trail = [_trail(cli.json("riwayat", "--objek", reg)["peristiwa"]) for reg in (here, there)]
    assert trail[0] == trail[1] and len(trail[1]) >= 3

    # a template edited after the server parsed it: the letter is made from the file as it is now
    template = _office_templates(kantor)["sktm"]
    _edit_docx(template, "KETERANGAN TIDAK MAMPU", "KETERANGAN TIDAK MAMPU DIUBAH")
    edited = _sakti("terbitkan", later, "--json")
    assert edited.returncode == 0, edited.stderr
    assert "DIUBAH" in _pdf_text(Path(json.loads(edited.stdout)["pdf"]))
    assert "DIUBAH" not in _pdf_text(Path(served["pdf"]))
    assert _served(folder) == 2

    checked = _sakti("verifikasi", served["pdf"], "--json")  # pyHanko, served too
    assert checked.returncode == 0 and json.loads(checked.stdout)["sah"], checked.stderr
    assert _served(folder) == 3
    assert pdfsig_verdict_ok(run_pdfsig(Path(served["pdf"]), make_nss_db(tmp_path / "nss", demo_pki.root_cert)))

    # exit codes and messages pass through: the same as a run of its own
    missing = _sakti("terbitkan", "REG-209901-0001")
    alone = _sakti("terbitkan", "REG-209901-0001", env={"SAKTI_KANTOR": str(tmp_path)},
                   cwd=str(tmp_path))  # no office there: not served, and a different message
    assert missing.returncode == 3 and "REG-209901-0001 tidak ada di register" in missing.stderr
    assert missing.stdout == "" and alone.returncode == 4 and _served(folder) == 4
    tampered = tmp_path / "ubah.pdf"
    tampered.write_bytes(Path(served["pdf"]).read_bytes().replace(b"/Type /Page", b"/Type /Page ", 1))
    refused, by_itself = _sakti("verifikasi", str(tampered), "--json"), cli("verifikasi", str(tampered), "--json")
    assert refused.returncode == by_itself.exit_code != 0 and refused.stderr == by_itself.stderr
    assert json.loads(refused.stdout) == json.loads(by_itself.stdout)

    # another sakti version, and another user, are refused before anything runs
    assert forkserver.run_client(folder, "0.0.0-lain", {}) is None
    assert _other_user_is_refused(folder) == b"Tpengguna lain\n"
    status = cli.json("latar", "status")["garpu"]
    assert status["ditolak"] == 2 and status["dilayani"] == 5

    stopped = cli.json("latar", "berhenti")
    assert stopped["dihentikan"] and stopped["garpu"] == {"dihentikan": True, "pid": forks["pid"], "dilayani": 5}
    assert _wait_gone([latar["pid"], forks["pid"], *latar["libreoffice"]])
    assert not (folder / "garpu").exists() and not (folder / "soket").exists()
    assert cli("latar", "status").exit_code == 1
    assert launch.run_in_worker(["sakti", "terbitkan", there]) is None  # nothing serves: run here, silently


def _office_templates(kantor: Path) -> dict[str, Path]:
    from sakti_cli.issuance.context import template_path
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_services

    ws = find_workspace(kantor)
    return {code: template_path(ws, service) for code, service in load_services(ws.sop_dir).items()}


def _edit_docx(path: Path, old: str, new: str) -> None:
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            target.writestr(item, data)
    path.write_bytes(out.getvalue())


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def _other_user_is_refused(folder: Path) -> bytes:
    if os.getuid() != 0:
        return b"Tpengguna lain\n"  # pragma: no cover - only root can become another user here
    folder.chmod(0o711)  # let the other user reach the socket at all: only SO_PEERCRED stands in the way
    (folder / "garpu").chmod(0o666)
    said = as_nobody(folder, "garpu")
    folder.chmod(0o700)
    (folder / "garpu").chmod(0o600)
    return said


def _read_until(master: int, wanted: bytes, seconds: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    return seen


def _type_hidden(master: int, text: bytes, seconds: float = 30.0) -> None:
    """Type once the prompt has turned echo off (getpass flushes what was typed before)."""
    deadline = time.monotonic() + seconds
    while termios.tcgetattr(master)[3] & termios.ECHO and time.monotonic() < deadline:
        time.sleep(0.05)
    os.write(master, text)


def _on_a_terminal(*args: str) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "SAKTI_SANDI"}
    proc = subprocess.Popen([str(SAKTI), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def _memory_holds(pid: int, secret: bytes) -> bool:
    """Whether any readable mapping of ``pid`` holds ``secret`` (root reads another process's memory)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            start, end = (int(part, 16) for part in span.split("-"))
            try:
                mem.seek(start)
                if secret in mem.read(end - start):
                    return True
            except (OSError, ValueError, OverflowError):
                continue
    return False


def test_a_passphrase_is_asked_on_the_clients_terminal_and_a_dead_client_takes_its_run_along(
        latar: dict[str, Any], cli: Any, registered: Callable[..., str], kantor: Path) -> None:
    folder = kantor / "data" / "latar"
    server = latar["garpu"]["pid"]
    first, second = registered(), registered()
    cli.json("periksa", first)
    cli.json("periksa", second)

    proc, master = _on_a_terminal("terbitkan", first, "--json")
    try:
        asked = _read_until(master, b"Sandi")
        assert b"Sandi" in asked, asked
        _type_hidden(master, b"demo\n")
        said = _read_until(master, b"}\r\n")
        assert proc.wait(60) == 0, said
    finally:
        os.close(master)
    assert b"demo" not in said.split(b"Sandi", 1)[-1].split(b"\n", 1)[0]  # typed hidden, not echoed
    assert cli.json("status", first)["status"] == "TERBIT" and _served(folder) == 1
    secret = b"rahasia-garpu-7f3a9c"
    check = _sakti("verifikasi", cli.json("status", first)["surat"]["pdf"], "--json",
                   env={"SAKTI_SANDI": secret.decode()})
    assert check.returncode == 0, check.stderr
    if os.getuid() == 0:  # the server forks before it reads a request: no environment, no answer, in it
        assert not _memory_holds(server, secret)

    # the LibreOffice pool gone, a run starts its own LibreOffice, then waits at the prompt
    os.kill(latar["pid"], signal.SIGKILL)
    assert _wait_gone([latar["pid"], *latar["libreoffice"]])
    proc, master = _on_a_terminal("terbitkan", second)
    try:
        assert b"Sandi" in _read_until(master, b"Sandi")
        deadline = time.monotonic() + 60
        below: list[int] = []
        while time.monotonic() < deadline and len(below) < 2:  # the run, its LibreOffice
            below = _descendants(server)
            time.sleep(0.2)
        assert len(below) >= 2, below
        proc.kill()  # the clerk's window closed under it
        proc.wait(10)
        assert _wait_gone(below), [Path(f"/proc/{p}/cmdline").read_bytes() for p in below if _alive(p)]
    finally:
        os.close(master)
    assert _alive(server) and forkserver.ask(folder, "status") is not None  # it serves on
    assert cli.json("status", second)["status"] == "LENGKAP"  # nothing was issued
    stopped = cli.json("latar", "berhenti")
    assert stopped["dihentikan"] and "pid" not in stopped and stopped["garpu"]["dihentikan"]
    assert _wait_gone([server]) and not _descendants(server)


def test_the_client_reads_the_command_and_the_workspace_as_sakti_does(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert launch.SERVED == garpu.SERVED
    read = launch._command
    assert read(["terbitkan", "REG-1"]) == ("terbitkan", None)
    assert read(["--kantor", "/x", "--debug", "--petugas=Ani", "ttd", "setujui"]) == ("ttd", "/x")
    assert read(["--kantor=/y", "verifikasi", "a.pdf"]) == ("verifikasi", "/y")
    assert read(["--kantor"]) == (None, None)  # a missing value: Typer says so, in a run of its own
    assert read(["--petugas", "terbitkan"]) == (None, None)
    assert read(["--version"]) == (None, None)
    assert read([]) == (None, None)
    for argv in (["sakti", "status", "REG-1"], ["sakti", "--help"], ["sakti", "latar", "mulai"]):
        assert launch.run_in_worker(argv) is None  # never served, whatever runs
    office = tmp_path / "kantor"
    (office / "data" / "latar").mkdir(parents=True)
    (office / "sakti.toml").write_text("")
    (office / "data" / "latar" / "garpu").write_text("")  # not a socket: nobody answers
    deeper = office / "a" / "b"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    assert launch._workspace(None) == office
    assert launch.run_in_worker(["sakti", "terbitkan", "REG-1"]) is None
    (office / "data" / "latar").chmod(0o755)  # open to others: never connected to
    assert not forkserver.is_private(office / "data" / "latar")
    monkeypatch.setenv("SAKTI_KANTOR", str(office))
    assert launch._workspace(None) == office and launch._workspace(str(deeper)) == deeper


def test_a_server_nobody_can_reach_stops(latar: dict[str, Any], kantor: Path) -> None:
    """The office's runtime folder removed under a running fork server (its socket file gone): it stops by
    itself within a few seconds, instead of living on where no client can reach it."""
    folder = kantor / "data" / "latar"
    pid = latar["garpu"]["pid"]
    assert _alive(pid) and forkserver.ask(folder, "status") is not None
    (folder / forkserver.SOCKET_NAME).unlink()
    assert _wait_gone([pid]), Path(f"/proc/{pid}/cmdline").read_bytes()
