"""The search keys backfilled into older registers (register format 3 -> 4, migrations._search_keys): an office
upgrading finds its applicants registered before the keys existed by ``permohonan --nama/--desa``, and
``register periksa`` finds nothing wrong after."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import Cli, example, example_copy
from test_cadangan_migrasi import v1_kantor  # noqa: F401  (the format-1 fixture's workspace)

from sakti_cli.register.tiny.registry import read_events


def root(kantor: Path) -> Path:
    return kantor / "data" / "register"


def as_format_3(kantor: Path) -> None:
    """What a register written before the search keys holds: no ``cari`` in the records, no ``cari:`` index
    entries, format 3."""
    for path in (root(kantor) / "permohonan").glob("*.json"):
        raw = json.loads(path.read_text())
        for doc in raw["permohonan"].values():
            doc.pop("cari", None)
        path.write_text(json.dumps(raw))
    for path in (root(kantor) / "indeks").glob("*.json"):
        raw = json.loads(path.read_text())
        raw["indeks"] = {k: e for k, e in raw["indeks"].items() if not str(e["kunci"]).startswith("cari:")}
        path.write_text(json.dumps(raw))
    meta = json.loads((root(kantor) / "meta.json").read_text())
    meta["meta"]["1"]["versi_format"] = 3
    (root(kantor) / "meta.json").write_text(json.dumps(meta))


def meta(kantor: Path) -> dict[str, Any]:
    return dict(next(iter(json.loads((root(kantor) / "meta.json").read_text())["meta"].values())))


def found(cli: Cli, *filters: str) -> list[str]:
    return [r["nomor_registrasi"] for r in cli.json("permohonan", *filters)["permohonan"]]


def register_named(cli: Cli, tmp_path: Path, name: str, desa: str) -> str:
    folder = example_copy(tmp_path, "sktm")
    envelope = json.loads(example("sktm").read_text())
    envelope["isian"].update(nama=name, desa=desa)
    path = folder / f"{name.split()[0]}.json"
    path.write_text(json.dumps(envelope))
    return str(cli.json("daftar", "sktm", "--data", str(path))["nomor_registrasi"])


def test_old_applicants_are_found_after_the_migration(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    old = register_named(cli, tmp_path, "Djoko Soesilo", "Madurejo")
    other = register_named(cli, tmp_path, "Siti Aminah", "Raja Seberang")
    as_format_3(kantor)
    assert found(cli, "--nama", "joko susilo") == [old]  # any command migrates first; old spelling found
    assert found(cli, "--desa", "raja seberang") == [other]
    assert found(cli, "--nama", "aminah", "--desa", "madurejo") == []
    info = meta(kantor)
    assert info["versi_format"] == 4 and info["migrasi"][-1]["dari"] == 3
    event = next(e for e in read_events(root(kantor) / "audit") if e["aksi"] == "migrasi_register")
    result = event["detail"]["langkah"][-1]["hasil"]
    assert (result["permohonan"], result["tanpa_sop"]) == (2, 0) and result["entri_indeks"] > 0
    assert any((kantor / "data" / "cadangan").rglob("register-format3-*"))  # the automatic backup first
    assert cli.json("register", "periksa")["masalah"] == []
    new = register_named(cli, tmp_path, "Djoko Santoso", "Madurejo")
    assert found(cli, "--nama", "djoko") == [old, new]  # the migrated entries take the new number too


def test_without_the_sop_the_record_gives_the_keys(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    reg = register_named(cli, tmp_path, "Tjahja Njoman", "Kenambui")
    as_format_3(kantor)
    shutil.move(kantor / "sop" / "sktm.yaml", tmp_path / "sktm.yaml")
    assert found(cli, "--nama", "cahya nyoman") == [reg]  # from the record's nama field
    result = next(e for e in read_events(root(kantor) / "audit")
                  if e["aksi"] == "migrasi_register")["detail"]["langkah"][-1]["hasil"]
    assert result["tanpa_sop"] == 1 and result["layanan_tanpa_sop"] == ["sktm"]


def test_a_format_1_register_is_searchable_after_the_whole_chain(v1_kantor: Path, cli: Cli) -> None:  # noqa: F811
    """Steps 1 -> 2 (the new blocks only temp files yet) and 3 -> 4 in one transaction."""
    assert found(cli, "--nama", "muhammad ridwan") == ["REG-202611-0002"]
    assert found(cli, "--desa", "mendawai") == ["REG-202611-0001"]
    assert meta(v1_kantor)["versi_format"] == 4
    register = root(v1_kantor)
    assert not list(register.rglob("*.baru")) and not (register / ".jurnal.json").exists()
    docs = json.loads((register / "permohonan" / "2026-11-00.json").read_text())["permohonan"].values()
    assert all(doc["cari"]["nama"] for doc in docs)
