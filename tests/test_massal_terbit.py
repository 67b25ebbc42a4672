"""``sakti massal --terbitkan``: two complete rows issued in one run (one LibreOffice pool), never twice."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines


def test_terbitkan_issues_complete_rows_once(kantor: Path, cli: Cli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    small = table.with_name("dua.csv")
    with small.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[0], rows[-1]])  # a good row, and one whose file path leaves the folder
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    first = cli("massal", small, "--layanan", "sktm", "--terbitkan", "--json")
    assert first.exit_code == 1, first.stderr
    lines = _lines(first.stdout)
    good, bad, summary = lines
    assert good["status"] == "TERBIT" and good["nomor_surat"] and good["galat_terbit"] is None
    assert bad["hasil"] == "ditolak" and bad["nomor_surat"] is None
    assert summary["diterbitkan"] == 1 and summary["gagal"] == 1
    letter = cli.json("verifikasi", "--kode", cli.json("status", good["nomor_registrasi"])["surat"]["kode_verifikasi"])
    assert letter["ok"]

    again = _lines(cli("massal", small, "--layanan", "sktm", "--terbitkan", "--json").stdout)
    assert again[0]["hasil"] == "sudah_ada" and again[0]["nomor_surat"] == good["nomor_surat"]
    assert again[-1]["diterbitkan"] == 0
