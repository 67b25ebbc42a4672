"""The LibreOffice worker pool with a real LibreOffice: parallel workers, a hung worker killed at its
limit and replaced, recycling, and nothing left running after close or after sakti is SIGKILLed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from test_convert import HAS_UNO, make_docx, pdf_text
from test_keras_sisa import lengkap, office_processes

from sakti_cli.core.errors import EnvironmentProblem
from sakti_cli.core.scratch import sweep
from sakti_cli.documents.convert import LO_PREFIX
from sakti_cli.documents.convert_pool import ConverterPool, _Worker

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAS_UNO, reason="python3-uno absent")]


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch, lo_profile: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.delenv("SAKTI_LO_MODE", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # every worker's folder, so its processes name it
    return lo_profile


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _workdirs(pool: ConverterPool) -> list[Path]:
    return [w.converter._workdir for w in pool.workers if w.converter is not None]


def test_two_workers_convert_in_parallel_serve_issue_letter_and_leave_nothing(
        warm: Path, kantor: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs given at once run on two LibreOffice; ``issue_letter(converter=pool)`` works as with a
    Converter, from two desks' threads at once; after close nothing runs and no profile is left."""
    from concurrent.futures import ThreadPoolExecutor

    from sakti_cli.issuance.pipeline import issue_letter
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    regs = [lengkap(cli) for _ in range(2)]
    ws = find_workspace(kantor)
    register = open_register(ws.register_dir, zone=ws.zone, actor="uji", lock_timeout=60)

    def issue(reg: str) -> dict[str, Any]:
        return issue_letter(ws, register, lambda code: load_service(ws.sop_dir, code), reg,
                            signatory_id=None, prompt=None, converter=pool)

    sources = [make_docx(tmp_path / f"surat{i}.docx", f"Surat nomor {i}") for i in range(2)]
    with ConverterPool(2) as pool:
        pids = pool.office_pids()
        assert len(set(pids)) == 2  # two LibreOffice, started once, before any letter
        folders = _workdirs(pool)
        assert len(set(folders)) == 2  # each its own folder and profile
        assert len(office_processes(tmp_path)) >= 2  # the check below sees them while they run
        results = list(pool.map((i, src, tmp_path / f"keluar{i}") for i, src in enumerate(sources)))
        with ThreadPoolExecutor(2) as desks:
            issued = list(desks.map(issue, regs))
        assert pool.office_pids() == pids  # no restart per letter
    assert sorted(r.job for r in results) == [0, 1]
    for result in results:
        assert result.error is None and result.pdf is not None and result.attempts == 1
        assert f"Surat nomor {result.job}" in pdf_text(result.pdf)  # opens with pypdf
    assert sorted(r["surat"]["urut"] for r in issued) == [1, 2]
    for letter in issued:
        assert letter["pdf"].is_file() and letter["pdf"].read_bytes().startswith(b"%PDF-")
    assert office_processes(tmp_path) == []
    assert not any(f.exists() for f in folders)


def test_a_hung_worker_is_killed_replaced_and_the_letter_reported(warm: Path, tmp_path: Path) -> None:
    hung = make_docx(tmp_path / "macet.docx", "Surat yang membuat LibreOffice macet")
    good = make_docx(tmp_path / "baik.docx", "Surat sesudahnya")
    stopped: list[int] = []

    def stop_on_hung(worker: _Worker, docx: Path) -> None:
        pid = worker.office_pid
        if docx == hung and pid is not None:
            os.kill(pid, signal.SIGSTOP)  # LibreOffice freezes as the letter starts
            stopped.append(pid)

    with ConverterPool(1, limit=2, retries=1) as pool:
        pool._before_convert = stop_on_hung
        folders = _workdirs(pool)
        began = time.monotonic()
        [result] = list(pool.map([("macet", hung, tmp_path / "keluar")]))
        took = time.monotonic() - began
        assert isinstance(result.error, EnvironmentProblem)
        assert "macet.docx" in result.error.pesan and "2 detik" in result.error.pesan
        assert result.error.detail["percobaan"] == 2
        assert result.attempts == 2 and result.hung == 2 and result.pdf is None  # retried once, not forever
        assert 4 <= took < 30
        assert len(set(stopped)) == 2  # the retry ran on a fresh LibreOffice
        assert all(_gone(pid) for pid in stopped)
        assert not any(f.exists() for f in folders)  # the killed worker's profile is gone too
        # The pool goes on: the next letter converts on the replacement.
        pdf = pool.convert(good, tmp_path / "keluar")
        assert "Surat sesudahnya" in pdf_text(pdf)
        folders += _workdirs(pool)
    assert office_processes(tmp_path) == []
    assert not any(f.exists() for f in folders)
    assert not (tmp_path / "keluar" / "macet.pdf").exists()


def test_worker_recycled_after_n_letters_and_above_memory_limit(warm: Path, tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx", "Surat")
    with ConverterPool(1, recycle_after=2) as pool:
        [first] = pool.office_pids()
        pool.convert(src, tmp_path / "k1")
        assert pool.office_pids() == [first]
        pool.convert(src, tmp_path / "k2")
        [second] = pool.office_pids()
        assert second != first and _gone(first)  # a new soffice.bin after two letters
        pool.max_rss_mb = 1  # any LibreOffice is bigger: renewed after the next letter
        pool.convert(src, tmp_path / "k3")
        [third] = pool.office_pids()
        assert third != second and _gone(second)


_KILLED_RUN = """
import json, sys, time
from sakti_cli.documents.convert_pool import ConverterPool
pool = ConverterPool(2)
print(json.dumps({"pid": pool.office_pids(),
                  "folders": [str(w.converter._workdir) for w in pool.workers]}), flush=True)
time.sleep(120)
"""


def test_sigkill_of_sakti_leaves_no_worker(warm: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN], stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
    folders = [Path(f) for f in started["folders"]]
    assert len(started["pid"]) == 2
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in started["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in started["pid"])  # the kernel's death signal reached every worker
    assert office_processes(tmp_path) == []
    assert sorted(sweep([(tmp_path, f"{LO_PREFIX}*")])) == sorted(folders)  # the next run removes their profiles
    assert not any(f.exists() for f in folders)
    # LibreOffice's own temporary files (lu*.tmp, copies of letters) were inside those folders too
    assert not list(tmp_path.glob("lu*")), list(tmp_path.iterdir())


def test_pool_settings_come_from_sakti_toml(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[libreoffice]`` in sakti.toml sets the pool; a bad value is refused naming the key."""
    from sakti_cli.office.workspace import find_workspace, init_workspace

    root = init_workspace(tmp_path / "kantor").root
    config = root / "sakti.toml"
    base = config.read_text(encoding="utf-8")
    config.write_text(base + "\n[libreoffice]\npekerja = 3\nbatas_detik = 5\ncoba_ulang = 0\n"
                      "daur_ulang_setelah = 50\nbatas_memori_mb = 600\n", encoding="utf-8")
    got: dict[str, Any] = {}
    monkeypatch.setattr(ConverterPool, "__init__", lambda self, **kw: got.update(kw))
    ConverterPool.from_settings(find_workspace(root).config.libreoffice, mode="soffice")
    assert got == {"size": 3, "limit": 5.0, "retries": 0, "recycle_after": 50, "max_rss_mb": 600, "mode": "soffice"}

    config.write_text(base + "\n[libreoffice]\nbatas_detik = 0\n", encoding="utf-8")
    done = cli("permohonan", env={"SAKTI_KANTOR": str(root)})
    assert done.exit_code == 4
    assert "batas_detik" in done.stderr and "sakti.toml" in done.stderr
