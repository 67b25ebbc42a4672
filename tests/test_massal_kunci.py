"""The row key is checked again under the register lock: a run racing another never registers a row twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines, subset

import sakti_cli.batch


def test_row_registered_meanwhile_is_not_registered_again(kantor: Path, cli: Cli, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    twice = subset(table, [0, 0], "dua-kali.csv")
    # the look-up before the transaction misses (as when another run registers the row in between)
    monkeypatch.setattr(sakti_cli.batch, "registered_for", lambda register, key: None)
    result = cli("massal", twice, "--layanan", "sktm", "--json")
    rows = _lines(result.stdout)[:-1]
    assert [r["hasil"] for r in rows] == ["terdaftar", "sudah_ada"]
    assert rows[1]["nomor_registrasi"] == rows[0]["nomor_registrasi"]
    assert len(cli.json("permohonan")["permohonan"]) == 1
    assert result.exit_code == 0, result.stdout
