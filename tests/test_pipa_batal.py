"""``massal --terbitkan`` overlaps conversion with the rest, yet never leaves a reserved number open:
a conversion killed at its time limit, or Ctrl-C while letters are in flight, closes each number BATAL
with its reason and leaves the application LENGKAP for the next run.

A stand-in pool answers as the real one does (ConverterPool.submit's futures and its time-limit error)
so these runs need no LibreOffice; the real pool's limits are tested in test_pool_lo.py."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines, subset
from test_register_mati import letter, open_list

import sakti_cli.documents.convert_pool
from sakti_cli.documents.convert_pool import ConversionResult, _hung


class StandInPool:
    """``submit`` as ConverterPool's: ``answer(n, docx)`` gives job n's future (or raises)."""

    size = 2

    def __init__(self, answer: Any) -> None:
        self.answer, self.jobs, self.closed = answer, 0, False

    def submit(self, docx: Path, out_dir: Path, key: Any = None, *, pdfa: bool = False) -> Future[ConversionResult]:
        self.jobs += 1
        return self.answer(self.jobs, Path(docx))  # type: ignore[no-any-return]

    def close(self) -> None:
        self.closed = True


def _use(monkeypatch: pytest.MonkeyPatch, pool: StandInPool) -> None:
    pool_class = sakti_cli.documents.convert_pool.ConverterPool
    monkeypatch.setattr(pool_class, "from_settings", classmethod(lambda cls, s: pool))
    monkeypatch.setenv("SAKTI_SANDI", "demo")


def _closed_batal(kantor: Path, cli: Cli, reg: str, reason: str) -> str:
    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and len(status["nomor_batal"]) == 1, status
    closed = letter(kantor, status["nomor_batal"][0])
    assert closed["status"] == "BATAL" and reason in closed["alasan_batal"], closed
    return str(closed["nomor_surat"])


def test_a_conversion_killed_at_its_limit_closes_its_number(kantor: Path, cli: Cli, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def hung(_n: int, docx: Path) -> Future[ConversionResult]:
        done: Future[ConversionResult] = Future()
        done.set_result(ConversionResult(job=None, docx=docx, error=_hung(docx, 60.0, 2), attempts=2, hung=2))
        return done

    pool = StandInPool(hung)
    _use(monkeypatch, pool)
    table, _ = _batch(tmp_path)
    result = cli("massal", subset(table, [0, 1], "dua.csv"), "--layanan", "sktm", "--terbitkan", "--json")
    assert result.exit_code == 1
    rows, summary = _lines(result.stdout)[:-1], _lines(result.stdout)[-1]
    assert [r["baris"] for r in rows] == [2, 3]  # reported in the file's order
    numbers = []
    for row in rows:
        assert row["status"] == "LENGKAP" and "macet" in row["galat_terbit"] and "BATAL" in row["galat_terbit"]
        numbers.append(_closed_batal(kantor, cli, row["nomor_registrasi"], "macet"))
    assert len(set(numbers)) == 2 and summary["gagal_terbit"] == 2 and summary["diterbitkan"] == 0
    assert open_list(kantor) == [] and pool.closed
    assert cli.json("register", "periksa")["bersih"] is True


def test_ctrl_c_while_letters_are_in_flight_closes_every_number(kantor: Path, cli: Cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def never_then_interrupt(n: int, _docx: Path) -> Future[ConversionResult]:
        if n == 2:
            raise KeyboardInterrupt  # Ctrl-C arrives while the first letter is still converting
        return Future()  # never finishes

    pool = StandInPool(never_then_interrupt)
    _use(monkeypatch, pool)
    table, _ = _batch(tmp_path)
    result = cli("massal", subset(table, [0, 1, 2], "tiga.csv"), "--layanan", "sktm", "--terbitkan", "--json")
    assert result.exit_code == 130 and "Dihentikan" in result.stderr
    regs = [a["nomor_registrasi"] for a in cli.json("permohonan")["permohonan"]]
    assert len(regs) == 2  # the third row was never reached
    numbers = {_closed_batal(kantor, cli, reg, "dihentikan pengguna") for reg in regs}
    assert len(numbers) == 2 and open_list(kantor) == [] and pool.closed
    assert cli.json("register", "periksa")["bersih"] is True
