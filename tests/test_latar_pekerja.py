"""The resident worker (``sakti latar``): its life, its use by ``terbitkan``, and who may use it.

Two tests start a real worker (a detached ``sakti latar layani`` with one LibreOffice); the others drive
the server in-process over a stand-in pool, so the socket's rules are checked without LibreOffice.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sakti_cli.documents import resident
from sakti_cli.documents.resident import EarlyConverter, ResidentClient, ResidentWorker

NOBODY = 65534


def _descendants(root: int) -> list[int]:
    """Live (not zombie) descendants of ``root``, from /proc."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)], states[int(entry.name)] = int(fields[1]), fields[0]
    found, frontier = [], [root]
    while frontier:
        kids = [pid for pid, ppid in parents.items() if ppid == frontier[-1]]
        frontier.pop()
        found += kids
        frontier += kids
    return [pid for pid in found if states.get(pid) != "Z"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def started(kantor: Path, cli: Any) -> Iterator[Callable[[], dict[str, Any]]]:
    """``sakti latar mulai``; whatever worker a test leaves is killed (with its LibreOffice) at the end."""
    pids: list[int] = []

    def start() -> dict[str, Any]:
        payload = cli.json("latar", "mulai")
        pids.append(payload["pid"])
        return payload

    yield start
    info = kantor / "data" / "latar" / "latar.json"  # also a worker whose 'mulai' failed after it started
    if info.is_file():
        pids.append(json.loads(info.read_text())["pid"])
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    kill_office_servers(kantor)  # the fork server 'mulai' started beside the pool


def kill_office_servers(kantor: Path) -> None:
    """SIGKILL every live ``latar`` process of this office (pool worker, fork server), found by its command line."""
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            words = b" ".join((entry / "cmdline").read_bytes().split(b"\0"))
        except OSError:
            continue
        if os.fsencode(kantor) in words and b"latar" in words and _alive(int(entry.name)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _ready_letter(cli: Any, registered: Callable[..., str]) -> str:
    reg = registered()
    cli.json("periksa", reg)
    return reg


def test_worker_converts_for_terbitkan_then_stops(started: Callable[[], dict[str, Any]], cli: Any,
                                                  registered: Callable[..., str], kantor: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = started()
    assert first["berjalan"] and first["dikonversi"] == 0 and len(first["libreoffice"]) == 1
    folder = kantor / "data" / "latar"
    assert (folder.stat().st_mode & 0o777) == 0o700 and ((folder / "soket").stat().st_mode & 0o777) == 0o600
    assert "SAKTI_SANDI" not in (Path(f"/proc/{first['pid']}/environ").read_bytes().decode(errors="replace"))
    again = cli.json("latar", "mulai")
    assert again["pid"] == first["pid"]  # one worker per workspace

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli.json("terbitkan", _ready_letter(cli, registered))
    assert issued["status"] == "TERBIT"
    assert cli.json("latar", "status")["dikonversi"] == 1  # the worker's pool converted it
    checked = cli.json("verifikasi", issued["pdf"])
    assert checked["sah"] and checked["tanda_tangan"][0]["utuh"]

    office = first["libreoffice"][0]
    stopped = cli.json("latar", "berhenti")
    assert stopped["dihentikan"] and stopped["dikonversi"] == 1
    assert not _alive(first["pid"]) or _wait_gone([first["pid"]])
    assert _wait_gone([office])
    assert not (folder / "soket").exists()
    assert cli("latar", "status").exit_code == 1
    assert cli("latar", "berhenti").exit_code == 1


def _wait_gone(pids: list[int], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_sigkill_leaves_no_libreoffice_and_the_stale_socket_is_ignored(
        started: Callable[[], dict[str, Any]], cli: Any, registered: Callable[..., str], kantor: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    worker = started()["pid"]
    below = _descendants(worker)
    assert len(below) >= 1  # LibreOffice (and its uno helper)
    os.kill(worker, signal.SIGKILL)
    assert _wait_gone([worker, *below]), [Path(f"/proc/{p}/cmdline").read_bytes() for p in below if _alive(p)]
    assert (kantor / "data" / "latar" / "soket").exists()  # left behind: nobody answers on it

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli.json("terbitkan", _ready_letter(cli, registered))  # converts by itself, silently
    assert issued["status"] == "TERBIT" and issued["peringatan"] == []
    assert cli("latar", "status").exit_code == 1


# --- the socket's rules, over a stand-in pool ------------------------------------------------------
class StandInPool:
    size = 1

    def __init__(self) -> None:
        self.converted: list[Path] = []

    def convert(self, docx: Path, out_dir: Path, *, pdfa: bool = False) -> Path:
        from sakti_cli.core.errors import ConfigError

        if docx.name == "rusak.docx":
            raise ConfigError("LibreOffice tidak menghasilkan PDF dari rusak.docx.", saran="Simpan ulang.",
                              berkas=[str(docx)])
        self.converted.append(docx)
        pdf = out_dir / (docx.stem + ".pdf")
        pdf.write_bytes(b"%PDF-1.7\n")
        return pdf

    def office_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        pass

    kill = close


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[ResidentWorker, Path, dict[str, Any]]]:
    folder = resident.runtime_dir(tmp_path / "kantor" / "data")
    resident.make_private(folder)
    ident = resident.identity(tmp_path / "kantor")
    worker = ResidentWorker(folder, ident, StandInPool())
    ready = threading.Event()
    thread = threading.Thread(target=worker.serve, kwargs={"on_ready": ready.set}, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield worker, folder, ident
    resident.ask(folder, {"perintah": "berhenti"})
    thread.join(10)


def _never() -> Any:
    raise AssertionError("the client converted by itself")


def test_client_uses_a_worker_of_this_version_and_workspace_only(
        serving: tuple[ResidentWorker, Path, dict[str, Any]], tmp_path: Path) -> None:
    worker, _folder, ident = serving
    data, root = tmp_path / "kantor" / "data", tmp_path / "kantor"
    chosen = resident.desk_converter(data, root, _never)
    assert isinstance(chosen, ResidentClient)
    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK")
    assert chosen.convert(docx, tmp_path).read_bytes().startswith(b"%PDF")
    assert worker.converted == 1 and chosen.used_worker == 1
    broken = tmp_path / "rusak.docx"
    broken.write_bytes(b"PK")
    from sakti_cli.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"rusak\.docx"):  # the worker's error, the same kind here
        chosen.convert(broken, tmp_path)

    worker.ident = {**ident, "versi": "0.0.0-lain"}  # a worker of another sakti version
    other = resident.desk_converter(data, root, lambda: StandInPool())
    assert isinstance(other, EarlyConverter)
    other.close()
    worker.ident = ident
    elsewhere = resident.desk_converter(data, tmp_path / "kantor-lain", lambda: StandInPool())
    assert isinstance(elsewhere, EarlyConverter)  # the request names another workspace
    elsewhere.close()


def test_an_open_folder_is_neither_used_nor_started_in(serving: tuple[ResidentWorker, Path, dict[str, Any]],
                                                       tmp_path: Path, cli: Any) -> None:
    worker, folder, _ident = serving
    folder.chmod(0o755)
    try:
        chosen = resident.desk_converter(tmp_path / "kantor" / "data", tmp_path / "kantor", lambda: StandInPool())
        assert isinstance(chosen, EarlyConverter)  # never talks to a socket others could have put there
        chosen.close()
        with pytest.raises(Exception, match="terbuka bagi pengguna lain"):
            resident.make_private(folder)
    finally:
        folder.chmod(0o700)
    assert worker.converted == 0


def as_nobody(folder: Path, name: str) -> bytes:
    """What the socket ``name`` of ``folder`` says first to a process of another user (root only)."""
    read, write = os.pipe()
    reach = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # the tmp folders above are root's own (0700)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            import socket

            with socket.socket(socket.AF_UNIX) as conn:
                conn.settimeout(5)
                conn.connect(f"/proc/self/fd/{reach}/{name}")
                answer = conn.recv(4096)  # refused before a request is read
            os.write(write, answer or b"-")
        except BaseException as exc:
            os.write(write, repr(exc).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.close(reach)
    said = os.read(read, 4096)
    os.waitpid(child, 0)
    return said


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become another user")
def test_another_user_is_refused_by_the_kernels_word(serving: tuple[ResidentWorker, Path, dict[str, Any]]) -> None:
    worker, folder, _ident = serving
    folder.chmod(0o711)  # let the other user reach the socket at all: only SO_PEERCRED stands in the way
    (folder / "soket").chmod(0o666)
    said = as_nobody(folder, "soket")
    folder.chmod(0o700)
    assert json.loads(said) == {"ok": False, "alasan": "pengguna lain"}
    assert worker.refused == 1 and worker.converted == 0


def test_the_desk_starts_libreoffice_only_for_a_letter_it_will_issue(
        cli: Any, registered: Callable[..., str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built: list[str] = []
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    reg = registered()  # DITERIMA: not checked yet
    with monkeypatch.context() as patch:
        patch.setattr(EarlyConverter, "_build", lambda self: built.append("lo"))
        refused = cli("terbitkan", reg, "--json")
    assert refused.exit_code != 0 and json.loads(refused.stdout)["ok"] is False
    assert built == []  # refused before any LibreOffice was started

    docx = tmp_path / "surat.docx"
    docx.write_bytes(b"PK")
    assert EarlyConverter(StandInPool).close() is None  # closed before it started: nothing to stop
    early = EarlyConverter(StandInPool)
    assert early.convert(docx, tmp_path).name == "surat.pdf"  # used without start_early: starts then
    early.close()
