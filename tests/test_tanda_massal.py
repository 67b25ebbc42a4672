"""``sakti massal --terbitkan`` with a personal key: the signatory sees the batch's list (masked) before the
one question, and a stored passphrase is refused for it (UU ITE Pasal 11), as for ``terbitkan``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli, Typist
from test_massal_batch import _batch, _lines, subset
from test_tanda_kendali import personal


def test_massal_lists_the_batch_then_asks_once(kantor: Path, cli: Cli, tmp_path: Path, typist: Typist,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    two = subset(table, [0, 1], "dua.csv")
    personal(kantor)
    monkeypatch.setenv("SAKTI_SANDI", "demo")  # a stored passphrase: refused for a personal key
    refused = cli("massal", two, "--layanan", "sktm", "--terbitkan", "--json")
    lines = _lines(refused.stdout)
    assert refused.exit_code == 1 and all(line["nomor_surat"] is None for line in lines[:-1])
    assert "Pasal 11" in (lines[0]["galat_terbit"] or "") and typist.asked == []
    monkeypatch.delenv("SAKTI_SANDI")
    typist.answer = "demo"
    issued = cli("massal", two, "--layanan", "sktm", "--terbitkan", "--json")
    lines = _lines(issued.stdout)
    assert issued.exit_code == 0, issued.stderr
    assert [line["status"] for line in lines[:-1]] == ["TERBIT", "TERBIT"]
    [label] = typist.asked  # one question for the whole batch
    assert "(2 dokumen)" in label and label.count("layanan sktm") == 2 and "dipesan sesudah sandi diterima" in label
    names = [line.split("pemohon ", 1)[1] for line in label.splitlines() if "pemohon " in line]
    assert len(names) == 2 and all("*" in name for name in names)  # masked, never the typed name
    assert not any(digit.isdigit() and len(digit) == 16 for digit in label.split())  # no NIK
