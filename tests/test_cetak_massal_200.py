"""Issue 10, Done when: 200 SKTM rows and 5 bad ones through the installed ``sakti massal --terbitkan --json``,
SIGKILLed halfway, run again to the end (every good row issued exactly once, no duplicate number, no open
reservation, every bad row reported with its reason both times), then run a third time with --gabung and
--zip (the print copy's page count, each archived letter's bytes against the register's file).

The one long test of the suite (marked slow): the letters are real (LibreOffice pool, PAdES)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import threading
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, Cli
from massal_rows import BAD, INCOMPLETE, REFUSED, build_batch, nik

pytestmark = pytest.mark.slow

SAKTI = REPO / ".venv" / "bin" / "sakti"
GOOD = 200
KILL_AFTER = 100  # rows reported before the SIGKILL
LIMIT = 900.0  # seconds for one run before the watchdog kills it (a hang fails the test, never blocks it)


def _command(table: Path, *extra: str) -> list[str]:
    return [str(SAKTI), "massal", str(table), "--layanan", "sktm", "--terbitkan", "--json", *extra]


def _killed_halfway(table: Path, log: Path) -> list[dict]:
    """Run massal, read its JSON lines as they come, SIGKILL its process group after KILL_AFTER rows."""
    with log.open("w") as errors:
        proc = subprocess.Popen(_command(table), stdout=subprocess.PIPE, stderr=errors, text=True,
                                start_new_session=True)
    watchdog = threading.Timer(LIMIT, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    lines: list[dict] = []
    try:
        assert proc.stdout is not None
        for text in proc.stdout:
            lines.append(json.loads(text))
            if len(lines) >= KILL_AFTER:
                os.killpg(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, log.read_text()[-2000:])
    assert all(line["jenis"] == "baris" for line in lines)  # killed before its summary
    return lines


def _run(table: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    done = subprocess.run(_command(table, *extra), capture_output=True, text=True, timeout=LIMIT)
    return done, [json.loads(line) for line in done.stdout.splitlines()]


def _check_bad_rows(rows: dict[int, dict], kinds: dict[int, str]) -> None:
    """Every bad row reported with its reason: refused naming the field, or registered BELUM_LENGKAP with
    the missing requirement."""
    for number, kind in kinds.items():
        if kind == "baik" or number not in rows:
            continue
        row = rows[number]
        if kind in REFUSED:
            assert row["hasil"] == "ditolak" and row["nomor_registrasi"] is None, row
            assert REFUSED[kind] in row["alasan"].lower(), row
        else:
            assert row["status"] == "BELUM_LENGKAP" and row["kurang"] == [INCOMPLETE[kind]], row
            assert row["nomor_surat"] is None, row


def _letters(kantor: Path) -> list[dict]:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).reading() as txn:
        return list(txn.letters())


def test_200_rows_killed_halfway_finish_once_then_print_and_archive(kantor: Path, cli: Cli, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    table, kinds = build_batch(tmp_path / "tabel", GOOD)
    good = [number for number, kind in kinds.items() if kind == "baik"]
    assert len(good) == GOOD and len(kinds) == GOOD + len(BAD)

    first = _killed_halfway(table, tmp_path / "pertama.log")
    first_rows = {row["baris"]: row for row in first}
    assert all(number in first_rows for number, kind in kinds.items() if kind != "baik")  # all met before the kill
    _check_bad_rows(first_rows, kinds)
    issued_first = {n: row["nomor_surat"] for n, row in first_rows.items() if row["status"] == "TERBIT"}
    assert issued_first and all(issued_first.values())
    before = sum(letter["status"] == "TERBIT" for letter in _letters(kantor))  # also one killed before its line

    second, lines = _run(table)
    assert second.returncode == 1, second.stderr[-2000:]  # the bad rows
    rows, summary = {row["baris"]: row for row in lines[:-1]}, lines[-1]
    assert sorted(rows) == sorted(kinds) and summary["jenis"] == "ringkasan"
    _check_bad_rows(rows, kinds)
    for number in good:
        assert rows[number]["status"] == "TERBIT" and rows[number]["nomor_surat"], rows[number]
    for number, letter in issued_first.items():  # what the killed run issued is not issued again
        assert rows[number]["hasil"] == "sudah_ada" and rows[number]["nomor_surat"] == letter
    assert summary["ditolak"] == len(REFUSED) and summary["belum_lengkap"] == len(INCOMPLETE)
    assert summary["gagal"] == len(BAD) and summary["gagal_terbit"] == 0
    assert summary["diterbitkan"] == GOOD - before

    letters = _letters(kantor)
    issued = [letter for letter in letters if letter["status"] == "TERBIT"]
    per_registration = Counter(letter["nomor_registrasi"] for letter in issued)
    assert len(per_registration) == GOOD and set(per_registration.values()) == {1}  # each good row exactly once
    numbers = [letter["nomor_surat"] for letter in letters]
    assert len(numbers) == len(set(numbers))  # no number twice (a killed reservation is closed BATAL, not reused)
    assert {rows[n]["nomor_surat"] for n in good} == {letter["nomor_surat"] for letter in issued}
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"]
    assert check["ringkasan"]["dipesan"] == 0 and check["ringkasan"]["terbit"] == GOOD  # no open reservation
    assert len(letters) - GOOD <= 1  # at most the letter being issued when the first run was killed, BATAL

    out = tmp_path / "keluar"
    out.mkdir()
    third, lines = _run(table, "--gabung", str(out / "cetak.pdf"), "--zip", str(out / "surat.zip"))
    assert third.returncode == 1, third.stderr[-2000:]
    rows, summary = {row["baris"]: row for row in lines[:-1]}, lines[-1]
    _check_bad_rows(rows, kinds)
    assert summary["diterbitkan"] == 0 and summary["sudah_ada"] == GOOD + len(INCOMPLETE)
    in_order = [rows[n]["nomor_surat"] for n in sorted(good)]
    stored = {letter["nomor_surat"]: (kantor / letter["pdf"]).read_bytes() for letter in issued}
    pages = sum(len(PdfReader(io.BytesIO(stored[number])).pages) for number in in_order)
    assert summary["gabung"] == {"pdf": str(out / "cetak.pdf"), "surat": GOOD, "halaman": pages, "menunggu_ttd": 0}
    assert summary["zip"] == {"berkas": str(out / "surat.zip"), "surat": GOOD, "menunggu_ttd": 0}
    merged = PdfReader(out / "cetak.pdf")
    assert len(merged.pages) == pages
    assert merged.metadata is not None and merged.metadata.title == "Salinan cetak - bukan dokumen bertanda tangan"
    with zipfile.ZipFile(out / "surat.zip") as archive:
        manifest = list(csv.DictReader(io.StringIO(archive.read("DAFTAR-SURAT.csv").decode())))
        assert [m["nomor_surat"] for m in manifest] == in_order
        for entry in manifest:
            assert archive.read(entry["berkas"]) == stored[entry["nomor_surat"]]  # byte for byte
        assert len(archive.namelist()) == GOOD + 1

    everything = "".join(json.dumps(line) for line in first) + second.stdout + second.stderr + third.stdout
    everything += third.stderr + (tmp_path / "pertama.log").read_text()
    assert not any(nik(n)[0] in everything for n in range(GOOD * 2))  # no full NIK in any output
