"""The row key is checked again under the register lock: a run racing another never registers a row twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines, subset

import sakti_cli.issuance.batch


def test_row_registered_meanwhile_is_not_registered_again(kantor: Path, cli: Cli, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    twice = subset(table, [0, 0], "dua-kali.csv")
    # the look-up before the transaction misses (as when another run registers the row in between)
    monkeypatch.setattr(sakti_cli.issuance.batch, "registered_for", lambda register, key: None)
    result = cli("massal", twice, "--layanan", "sktm", "--json")
    rows = _lines(result.stdout)[:-1]
    assert [r["hasil"] for r in rows] == ["terdaftar", "sudah_ada"]
    assert rows[1]["nomor_registrasi"] == rows[0]["nomor_registrasi"]
    assert len(cli.json("permohonan")["permohonan"]) == 1
    assert result.exit_code == 0, result.stdout


def test_typo_fixed_in_a_name_and_id_baris(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    table, _ = _batch(tmp_path)
    small = subset(table, [0, 1], "dua.csv")
    assert cli("massal", small, "--layanan", "sktm").exit_code == 0
    text = small.read_text(encoding="utf-8").replace("Rusmini", "Rusmini Wati")  # a typo fixed: same NIK
    small.write_text(text, encoding="utf-8")
    again = _lines(cli("massal", small, "--layanan", "sktm", "--json").stdout)
    assert [r["hasil"] for r in again[:-1]] == ["sudah_ada", "sudah_ada"]
    with_id = small.with_name("id.csv")  # an id_baris column is the key: the same person twice, two rows
    lines = text.splitlines()
    with_id.write_text("\n".join([lines[0] + ",id_baris", lines[1] + ",A-1", lines[1] + ",A-2"]) + "\n")
    third = _lines(cli("massal", with_id, "--layanan", "sktm", "--json").stdout)
    assert [r["hasil"] for r in third[:-1]] == ["terdaftar", "terdaftar"]
    assert len(cli.json("permohonan")["permohonan"]) == 4
