"""``sakti register periksa`` is clean after a normal issuance and finds what was done to a copy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.register.tiny.registry import shard_of

FIRST = "400.9.14.1/001/ARSEL/XI/2026"


def audit_file(kantor: Path) -> Path:
    (path,) = sorted((kantor / "data" / "register" / "audit").glob("*.jsonl"))
    return path


def edit_event(kantor: Path) -> None:
    path = audit_file(kantor)
    lines = path.read_text().splitlines()
    event = json.loads(lines[1])
    event["petugas"] = "orang-lain"  # the hash and the chain fields are left as they were
    lines[1] = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


def delete_event(index: int) -> Callable[[Path], None]:
    def change(kantor: Path) -> None:
        path = audit_file(kantor)
        lines = path.read_text().splitlines()
        del lines[index]
        path.write_text("\n".join(lines) + "\n")

    return change


def pdf_of(kantor: Path) -> Path:
    (path,) = (kantor / "data" / "surat").rglob("*.pdf")
    return path


def change_pdf(kantor: Path) -> None:
    path = pdf_of(kantor)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def surat_file(kantor: Path) -> Path:
    (path,) = (kantor / "data" / "register" / "surat").glob("*.json")
    return path


def plant_dangling(kantor: Path) -> None:
    """A reservation with no process behind it, not in the open list, and the counter moved past it."""
    path = surat_file(kantor)
    data = json.loads(path.read_text())
    letters = data["surat"]
    copy = dict(letters["1"])
    copy.update(id="deadbeef00000000", nomor_surat="400.9.14.1/002/ARSEL/XI/2026", urut=2, status="DIPESAN",
                proses={"pid": 2**22 + 7, "host": copy["proses"]["host"], "mulai": "1"}, kode_verifikasi="X")
    for key in ("terbit", "sha256", "pdf", "ukuran"):
        copy.pop(key, None)
    letters["2"] = copy
    path.write_text(json.dumps(data))
    bump_counter(kantor, 1)
    for key in (f"nomor:{copy['nomor_surat']}", "kode:X"):  # findable, as a real reservation is
        shard = kantor / "data" / "register" / "indeks" / f"{shard_of(key)}.json"
        index = json.loads(shard.read_text()) if shard.exists() else {"indeks": {}}
        index["indeks"][str(len(index["indeks"]) + 1)] = {"kunci": key, "bulan": copy["bulan"], "id": copy["id"]}
        shard.write_text(json.dumps(index))


def bump_counter(kantor: Path, by: int) -> None:
    path = kantor / "data" / "register" / "urutan.json"
    data = json.loads(path.read_text())
    for doc in data["urutan"].values():
        if doc["kunci"].startswith("nomor|"):
            doc["nilai"] += by
    path.write_text(json.dumps(data))


def gap(kantor: Path) -> None:
    bump_counter(kantor, 2)  # numbers 2 and 3 handed out with no record of them


def damage_file(kantor: Path) -> None:
    path = surat_file(kantor)
    path.write_text(path.read_text()[:40])


def flip_application(kantor: Path) -> None:
    (path,) = (kantor / "data" / "register" / "permohonan").glob("*.json")
    data = json.loads(path.read_text())
    data["permohonan"]["1"]["status"] = "LENGKAP"
    path.write_text(json.dumps(data))


CASES: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("peristiwa diubah", edit_event, "audit_diubah", "baris 2"),
    ("peristiwa tengah dihapus", delete_event(1), "audit_putus", "baris 2"),
    ("peristiwa terakhir dihapus", delete_event(-1), "audit_putus", "peristiwa terakhir"),
    ("PDF hilang", lambda k: pdf_of(k).unlink(), "pdf_hilang", FIRST),
    ("PDF berubah", change_pdf, "pdf_berubah", FIRST),
    ("nomor menggantung", plant_dangling, "nomor_menggantung", "400.9.14.1/002/ARSEL/XI/2026"),
    ("nomor hilang", gap, "nomor_hilang", "urut 2"),
    ("berkas rusak", damage_file, "berkas_rusak", "surat/2026-11-00.json"),
    ("permohonan tidak cocok", flip_application, "permohonan_surat", FIRST),
]


@pytest.mark.slow
def test_clean_then_finds_each_problem_in_a_copy(kantor: Path, cli: Cli, issued: dict, tmp_path: Path) -> None:
    clean = cli.json("register", "periksa")
    assert clean["bersih"] is True and clean["masalah"] == []
    assert clean["ringkasan"]["terbit"] == 1 and clean["ringkasan"]["peristiwa"] == 4
    human = cli("register", "periksa")
    assert human.exit_code == 0 and "tidak ada masalah" in human.stdout

    for name, change, kind, needle in CASES:
        copy = tmp_path / f"salinan-{kind}-{len(name)}"
        shutil.copytree(kantor, copy)
        change(copy)
        result = cli("--kantor", str(copy), "register", "periksa", "--json")
        assert result.exit_code == 1, (name, result.stdout, result.stderr)
        payload = json.loads(result.stdout)
        assert payload["ok"] is False and payload["bersih"] is False
        found = [p for p in payload["masalah"] if p["jenis"] == kind]
        assert found, (name, payload["masalah"])
        assert any(needle in p["pesan"] or needle in p["berkas"] for p in found), (name, found)
        text = cli("--kantor", str(copy), "register", "periksa")
        assert text.exit_code == 1 and "masalah ditemukan" in text.stdout
    # the original was never touched
    assert cli.json("register", "periksa")["bersih"] is True


@pytest.mark.slow
def test_perbaiki_closes_a_dangling_number(kantor: Path, cli: Cli, issued: dict) -> None:
    plant_dangling(kantor)
    found = cli.json("register", "periksa", code=1)
    assert {p["jenis"] for p in found["masalah"]} == {"nomor_menggantung"}
    fixed = cli.json("register", "periksa", "--perbaiki")
    assert fixed["diperbaiki"] == ["400.9.14.1/002/ARSEL/XI/2026"] and fixed["bersih"] is True
    events = cli.json("riwayat", "--objek", "400.9.14.1/002/ARSEL/XI/2026")["peristiwa"]
    assert events[-1]["aksi"] == "batal_nomor" and events[-1]["detail"]["alasan"] == "proses terhenti"


def test_empty_register_is_clean(kantor: Path, cli: Cli) -> None:
    result = cli.json("register", "periksa")
    assert result["bersih"] is True and result["ringkasan"]["surat"] == 0
