"""``sakti massal --terbitkan``: two complete rows issued in one run (one LibreOffice pool), never twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines, subset


def test_terbitkan_issues_complete_rows_once(kantor: Path, cli: Cli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    table, _ = _batch(tmp_path)
    small = subset(table, [0, -1], "dua.csv")  # a good row, and one whose file path leaves the folder
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


def test_a_letter_that_fails_is_reported_and_the_batch_goes_on(kantor: Path, cli: Cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import sakti_cli.documents.convert_pool
    import sakti_cli.issuance.pipeline
    from sakti_cli.core.errors import ConfigError

    class NoPool:
        def close(self) -> None:
            pass

    calls: list[str] = []

    def broken(ws: object, register: object, plan: sakti_cli.issuance.pipeline.LetterPlan, *args: object,
               **kw: object) -> object:
        calls.append(plan.reg)
        raise ConfigError(f"Templat untuk {plan.reg} tidak dapat dirender.", saran="Periksa templatnya.")

    pool_class = sakti_cli.documents.convert_pool.ConverterPool
    monkeypatch.setattr(pool_class, "from_settings", classmethod(lambda cls, s: NoPool()))
    monkeypatch.setattr(sakti_cli.issuance.pipeline, "prepare_letter", broken)
    table, _ = _batch(tmp_path)
    result = cli("massal", subset(table, [0, 1], "dua.csv"), "--layanan", "sktm", "--terbitkan", "--tanpa-ttd",
                 "--json")
    assert result.exit_code == 1
    rows, summary = _lines(result.stdout)[:-1], _lines(result.stdout)[-1]
    assert len(calls) == 2  # the first failure did not stop the second row
    assert all(r["status"] == "LENGKAP" and "tidak dapat dirender" in r["galat_terbit"] for r in rows)
    assert summary["gagal_terbit"] == 2 and summary["diterbitkan"] == 0
