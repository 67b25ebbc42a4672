"""riwayat --objek through the per-object index of the audit trail (issue 15 §5): only the object's events
are read; the index is migrated into older registers, checked and repaired by register periksa."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, example


def registered(cli: Cli, count: int) -> list[str]:
    regs = []
    for _ in range(count):
        reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
        cli.json("periksa", reg)
        regs.append(reg)
    return regs


def root(kantor: Path) -> Path:
    return kantor / "data" / "register"


def test_riwayat_reads_only_the_objects_events(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.register.tiny import registry

    first, *others = registered(cli, 4)
    cli.json("tolak", others[0], "--alasan", "berkas palsu")
    parsed: list[object] = []
    real = registry._event_of

    def counting(line: str | bytes) -> dict | None:
        parsed.append(line)
        return real(line)

    monkeypatch.setattr(registry, "_event_of", counting)
    events = cli.json("riwayat", "--objek", first)["peristiwa"]
    assert [(e["aksi"], e["objek"]) for e in events] == [("daftar", first), ("periksa", first)]
    assert len(parsed) == 2  # two lines read of the trail's nine, whatever the register's size
    parsed.clear()
    assert [e["aksi"] for e in cli.json("riwayat", "--objek", others[0], "--batas", "1")["peristiwa"]] == ["tolak"]
    assert len(parsed) == 1


def test_old_register_gets_the_index_by_migration(kantor: Path, cli: Cli) -> None:
    regs = registered(cli, 2)
    wanted = [cli.json("riwayat", "--objek", reg)["peristiwa"] for reg in regs]
    for shard in (root(kantor) / "riwayat").glob("*.json"):
        shard.unlink()
    meta_path = root(kantor) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["meta"]["1"]["versi_format"] = 2
    meta_path.write_text(json.dumps(meta))
    assert [cli.json("riwayat", "--objek", reg)["peristiwa"] for reg in regs] == wanted  # migrated on opening
    record = json.loads(meta_path.read_text())["meta"]["1"]
    assert record["versi_format"] == 4 and record["migrasi"][-1]["dari"] == 2
    assert any((root(kantor) / "riwayat").glob("*.json"))
    checked = cli.json("register", "periksa")
    assert not [p for p in checked["masalah"] if p["jenis"] == "indeks_riwayat"]


def test_periksa_finds_and_repairs_a_wrong_index(kantor: Path, cli: Cli) -> None:
    from sakti_cli.register.tiny.registry import history_shard

    first, second = registered(cli, 2)
    wanted = cli.json("riwayat", "--objek", first)["peristiwa"]
    shard = root(kantor) / history_shard(first.upper())
    table = json.loads(shard.read_text())
    for doc in table["riwayat"].values():
        if doc["kunci"] == first:
            doc["peristiwa"] = doc["peristiwa"][:1]  # the periksa event dropped from the index
    shard.write_text(json.dumps(table))
    assert len(cli.json("riwayat", "--objek", first)["peristiwa"]) == 1
    found = cli.json("register", "periksa", code=1)
    wrong = [p for p in found["masalah"] if p["jenis"] == "indeks_riwayat"]
    assert len(wrong) == 1 and first in wrong[0]["pesan"] and wrong[0]["berkas"].endswith("riwayat")
    fixed = cli.json("register", "periksa", "--perbaiki")
    assert fixed["bersih"] and "riwayat/" in fixed["dibangun_ulang"]
    assert cli.json("riwayat", "--objek", first)["peristiwa"] == wanted
    assert cli.json("register", "periksa")["bersih"]
    assert [e["aksi"] for e in cli.json("riwayat", "--objek", second)["peristiwa"]] == ["daftar", "periksa"]
