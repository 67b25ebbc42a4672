"""``massal --uji --terbitkan`` says per row whether a letter would be issued and changes nothing; the
progress bar (rows of the counted total, letters, failures, time left) is on stderr in a terminal only."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest
from conftest import Cli
from test_massal_batch import GOOD, _batch, _lines, subset


def _register_bytes(kantor: Path) -> dict[str, str]:
    """Every register file by its SHA-256 (the lock file aside: taking the lock is not a change)."""
    root = kantor / "data"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".kunci")}


def test_uji_terbitkan_says_which_letters_would_be_issued_and_changes_nothing(
        kantor: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli("massal", subset(table, [0], "satu.csv"), "--layanan", "sktm", "--terbitkan", "--json")
    assert issued.exit_code == 0, issued.stdout
    assert cli("massal", subset(table, [1], "dua.csv"), "--layanan", "sktm").exit_code == 0  # LENGKAP, no letter
    # already issued, registered without a letter, new and complete, bad NIK, a file missing, a file not named
    mixed = subset(table, [0, 1, 2, GOOD, GOOD + 1, 3], "campur.csv")
    with mixed.open(encoding="utf-8", newline="") as handle:
        table_rows = list(csv.DictReader(handle))
    table_rows[-1]["berkas.kk"] = ""  # the required KK left empty: the check would find it missing
    with mixed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table_rows[0]))
        writer.writeheader()
        writer.writerows(table_rows)
    before = _register_bytes(kantor)
    dry = cli("massal", mixed, "--layanan", "sktm", "--uji", "--terbitkan", "--json")
    assert _register_bytes(kantor) == before  # nothing changed, not even the audit trail
    assert dry.exit_code == 1, dry.stdout
    rows, summary = _lines(dry.stdout)[:-1], _lines(dry.stdout)[-1]
    assert [(r["hasil"], r["akan_diterbitkan"]) for r in rows] == [
        ("sudah_ada", False), ("sudah_ada", True), ("akan_didaftarkan", True), ("ditolak", False),
        ("akan_didaftarkan", False), ("akan_didaftarkan", False)]
    assert rows[0]["status"] == "TERBIT" and rows[0]["nomor_surat"]
    assert rows[4]["kurang"] == ["kk"] and rows[5]["kurang"] == ["kk"] and rows[2]["kurang"] == []
    assert summary["uji"] is True and summary["akan_diterbitkan"] == 2 and summary["diterbitkan"] == 0

    human = cli("massal", mixed, "--layanan", "sktm", "--uji", "--terbitkan")
    assert _register_bytes(kantor) == before
    assert "tidak akan diterbitkan" in human.stdout and "2 surat akan diterbitkan" in human.stdout
    plain = _lines(cli("massal", mixed, "--layanan", "sktm", "--uji", "--json").stdout)
    assert "akan_diterbitkan" not in plain[0]  # only asked with --terbitkan


def test_progress_bar_in_a_terminal_only(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    table, _ = _batch(tmp_path)
    three = subset(table, [0, 1, GOOD], "tiga.csv")
    terminal = {"TTY_COMPATIBLE": "1"}  # Rich treats stderr as a terminal
    shown = cli("massal", three, "--layanan", "sktm", env=terminal)
    assert shown.exit_code == 1
    bar = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.stderr)  # colours and cursor moves aside
    assert re.search(r"terbit 0 · gagal \d+", bar), repr(bar)
    assert re.search(r"\b[0-3]/3 baris", bar)  # the total was counted before the run
    assert re.search(r"baris (\d+:\d\d:\d\d|-:--:--)", bar)  # then the time left
    quiet = cli("massal", three, "--layanan", "sktm", "--uji", "--json", env=terminal)
    assert "baris" not in quiet.stderr and "gagal" not in quiet.stderr  # --json: no bar
    piped = cli("massal", three, "--layanan", "sktm", "--uji")
    assert "terbit 0" not in piped.stderr  # not a terminal: no bar
