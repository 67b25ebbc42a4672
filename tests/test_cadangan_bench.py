"""Keeps bench/register_growth.py working: a small built register must be one sakti reads.

No wall-clock assertions: the bench itself prints the timings and ratios.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO, Cli

from sakti_cli.register.tiny.registry import SHARD_CHARS


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("register_growth", REPO / "bench" / "register_growth.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["register_growth"] = module
    spec.loader.exec_module(module)
    return module


def test_builder_makes_a_register_sakti_reads(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    growth = bench()
    monkeypatch.setenv("SAKTI_WAKTU", growth.NOW)
    built = growth.build_register(tmp_path / "kantor", 200)
    kantor = built["kantor"]
    register = Path(kantor) / "data" / "register"
    assert len(list((register / "surat").glob("*.json"))) == 60  # five years of months, one block each
    assert 0 < len(list((register / "indeks").glob("*.json"))) <= 16 ** SHARD_CHARS
    assert all(len(p.stem) == SHARD_CHARS for p in (register / "indeks").glob("*.json"))
    sample = built["sampel"]

    listing = cli.json("--kantor", kantor, "permohonan", "--status", "LENGKAP")
    assert [r["nomor_registrasi"] for r in listing["permohonan"]] == built["cadangan"]
    assert cli.json("--kantor", kantor, "permohonan", "--status", "TERBIT")["jumlah"] == 200
    status = cli.json("--kantor", kantor, "status", sample["registrasi"])
    assert status["surat"]["nomor_surat"] == sample["nomor"]
    by_code = cli("--kantor", kantor, "verifikasi", "--kode", sample["kode"], "--json")
    assert by_code.exit_code in (0, 1) and sample["nomor"] in by_code.stdout  # found (the PDF is not built)

    # the measuring child runs against it: one register step and the four lookups, fresh processes
    times = growth.measure(built, repeat=1)
    assert set(times) == set(growth.OPS) and all(t > 0 for t in times.values())
    issued = cli.json("--kantor", kantor, "permohonan", "--status", "TERBIT")
    assert issued["jumlah"] == 201  # the timed step issued one more letter, recorded like issuance/steps.py does


def test_builder_writes_the_layout_sakti_writes(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy month (more than one block): the built register passes 'register periksa' (the PDFs
    are not built) and the next letter goes on in the blocks the core picks."""
    growth = bench()
    monkeypatch.setenv("SAKTI_WAKTU", growth.NOW)
    built = growth.build_register(tmp_path / "kantor", 250, per_year=20000)
    register = Path(built["kantor"]) / "data" / "register"
    assert sorted(p.stem for p in (register / "surat").glob("*.json")) == [f"2026-12-{b:02d}" for b in range(5)]
    assert sorted(p.stem for p in (register / "permohonan").glob("*.json")) == [
        f"2026-12-{block:02d}" for block in range(11)]  # 250 issued + 12 waiting applications, 25 a block
    check = cli("--kantor", built["kantor"], "register", "periksa", "--json")
    problems = json.loads(check.stdout)["masalah"]
    assert problems and {p["jenis"] for p in problems} == {"pdf_hilang"}, problems
    growth.measure(built, repeat=1)  # issues letter 251: the first of block 05 of December
    blocks = {p.stem: len(json.loads(p.read_text())["surat"]) for p in (register / "surat").glob("*.json")}
    assert blocks == {**{f"2026-12-{b:02d}": 50 for b in range(5)}, "2026-12-05": 1}
