"""The TinyDB register's reading sessions take no write lock (issue 12 item 1: "a read-only session that takes
no write lock").

What is guaranteed (sakti_cli/register/tiny/engine.py): a writing step holds the write lock (``.kunci``) for its
whole length, a reading session holds the commit lock (``.kunci-baca``) shared for its whole length, and a
commit holds that lock exclusively only while it renames its files. So a reader never waits for a writer's
step, only for a commit in progress; it sees each commit whole or not at all (the state before the step while
the writer is still at work); and a commit waits for the readers in progress, then lands.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta, timezone
from pathlib import Path

from sakti_cli.register.upkeep import open_register

ZONE = timezone(timedelta(hours=7))
WRITER = """
import sys, time
from datetime import timedelta, timezone
from pathlib import Path
from sakti_cli.register.upkeep import open_register

root, ready, go, done = (Path(a) for a in sys.argv[1:5])
register = open_register(root, zone=timezone(timedelta(hours=7)), actor="penulis")
with register.transaction() as txn:
    reg = f"REG-202611-{txn.next_registration_sequence('202611'):04d}"
    txn.add_application({"nomor_registrasi": reg, "layanan": "sktm", "status": "DITERIMA", "data": {},
                         "berkas": {}, "dibuat": "2026-11-02T09:00:00+07:00"})
    txn.audit("daftar", reg)
    ready.touch()  # between the step's writes and its commit
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
done.touch()  # committed
"""


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _start_writer(tmp_path: Path, root: Path) -> tuple[subprocess.Popen[str], Path, Path, Path]:
    ready, go, done = tmp_path / "siap", tmp_path / "lanjut", tmp_path / "selesai"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(ready), str(go), str(done)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, ready, go, done


def _seen(root: Path) -> tuple[list[str], int, int]:
    """What a reading session sees: the applications, the registration counter, the events (fails fast, 2 s)."""
    register = open_register(root, zone=ZONE, lock_timeout=2)
    with register.reading() as txn:
        return ([a["nomor_registrasi"] for a in txn.applications()], txn.counter("registrasi|202611"),
                len(list(txn.events())))


def _register(tmp_path: Path) -> Path:
    root = tmp_path / "kantor" / "data" / "register"
    with open_register(root, zone=ZONE, actor="awal").transaction() as txn:
        txn.audit("mulai", "register")
    return root


def test_a_reader_does_not_wait_for_a_writers_step_and_sees_the_state_before_it(tmp_path: Path) -> None:
    root = _register(tmp_path)
    proc, ready, go, done = _start_writer(tmp_path, root)
    try:
        assert _wait_for(ready, 20), proc.stderr.read() if proc.poll() is not None else "writer did not start"
        # the writer holds the write lock, its step written but not committed: a reading session goes on
        assert _seen(root) == ([], 0, 1)
        assert not done.exists()
        go.touch()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    finally:
        go.touch()
        proc.kill() if proc.poll() is None else None
    assert _seen(root) == (["REG-202611-0001"], 1, 2)  # the whole commit, application, counter and event


def test_a_commit_waits_for_the_reader_in_progress_which_never_sees_half_of_it(tmp_path: Path) -> None:
    root = _register(tmp_path)
    register = open_register(root, zone=ZONE, lock_timeout=2)
    with register.reading() as txn:
        assert txn.counter("registrasi|202611") == 0  # urutan.json read before the writer starts
        (tmp_path / "lanjut").touch()  # the writer commits as soon as its step is done
        proc, ready, _, done = _start_writer(tmp_path, root)
        try:
            # the writer's step runs while this session reads (no write lock held here) ...
            assert _wait_for(ready, 20), proc.stderr.read() if proc.poll() is not None else "writer did not start"
            # ... and its commit waits for this session: the files read now are still the state before it
            assert not _wait_for(done, 1.0)
            assert list(txn.applications()) == [] and len(list(txn.events())) == 1
        except BaseException:
            proc.kill()
            raise
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert done.exists()
    assert _seen(root) == (["REG-202611-0001"], 1, 2)


def test_a_reading_session_changes_nothing(tmp_path: Path) -> None:
    root = _register(tmp_path)
    before = {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".kunci")}
    register = open_register(root, zone=ZONE)
    with register.reading() as txn:
        assert txn.writing is False
        for change in (lambda: txn.audit("uji", "x"), lambda: txn.set_counter("registrasi|202611", 5),
                       lambda: txn.next_registration_sequence("202611")):
            try:
                change()
            except RuntimeError:
                continue
            raise AssertionError("a reading session changed the register")
    after = {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".kunci")}
    assert after == before
