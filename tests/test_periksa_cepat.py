"""``register periksa`` in one pass over the trail (issue 15 §5): the trail is read once for the chain, the
hashes, the NIK scan and the history index; the quick paths (the hash from the stored line, the NIK pre-test,
one lstat per PDF) find all that the full checks find, however a line or a path is written."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import register_growth

from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny import check
from sakti_cli.register.trail import event_hash
from sakti_cli.register.upkeep import open_register

NIK = "6201024303850001"  # the shape of a woman's NIK (day 43): never in the trail


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("periksa") / "kantor"
    register_growth.build_register(folder, 12, spare=0)
    return folder


def run(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("SAKTI_WAKTU", register_growth.NOW)
    ws = find_workspace(folder)
    return check.check_register(ws, open_register(ws.register_dir, zone=ws.zone, actor="uji"))


def kinds(result: dict[str, Any]) -> set[str]:
    return {p["jenis"] for p in result["masalah"]}


def copy_of(built: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "salinan"
    shutil.copytree(built, target, symlinks=True)
    return target


def trail_file(folder: Path) -> Path:
    return sorted((folder / "data" / "register" / "audit").glob("*.jsonl"))[0]


def rewrite_first_event(folder: Path, change: Any) -> None:
    path = trail_file(folder)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = change(json.loads(lines[0]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_trail_is_read_once(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = Path.read_bytes

    def counted(self: Path) -> bytes:
        if self.suffix == ".jsonl":
            reads.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    result = run(built, monkeypatch)
    files = sorted(p.name for p in (built / "data" / "register" / "audit").glob("*.jsonl"))
    assert sorted(reads) == files  # the chain, the NIK scan and the history index: one read of each file
    assert "indeks_riwayat" not in kinds(result) and result["ringkasan"]["peristiwa"] > 0


@pytest.mark.parametrize("spelling", ["spasi", "urutan_kunci", "escape"])
def test_an_unchanged_event_verifies_however_its_line_is_written(built: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  spelling: str) -> None:
    folder = copy_of(built, tmp_path)

    def respell(event: dict[str, Any]) -> str:
        if spelling == "spasi":
            return json.dumps(event, ensure_ascii=False, sort_keys=True)
        if spelling == "urutan_kunci":
            return json.dumps(dict(reversed(list(event.items()))), ensure_ascii=False, separators=(",", ":"))
        return json.dumps(event, ensure_ascii=True, sort_keys=True, separators=(",", ":")).replace(
            '"loket1"', '"\\u006coket1"')

    rewrite_first_event(folder, respell)
    assert not kinds(run(folder, monkeypatch)) & {"audit_diubah", "audit_putus", "audit_rusak"}


@pytest.mark.parametrize("spelling", ["kompak", "escape"])
def test_an_edited_event_is_found_however_its_line_is_written(built: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, spelling: str) -> None:
    folder = copy_of(built, tmp_path)

    def edit(event: dict[str, Any]) -> str:
        event["petugas"] = "orang-lain\n" if spelling == "escape" else "orang-lain"  # the hash left as it was
        return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    rewrite_first_event(folder, edit)
    found = [p for p in run(folder, monkeypatch)["masalah"] if p["jenis"] == "audit_diubah"]
    assert len(found) == 1 and "baris 1" in found[0]["pesan"]


@pytest.mark.parametrize("written", [NIK, "6201 0243 0385 0001", "620102\u2010430385\u20100001", "escape"])
def test_a_nik_in_an_event_is_found_however_it_is_written(built: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    folder = copy_of(built, tmp_path)

    def plant(event: dict[str, Any]) -> str:
        event["detail"] = {**(event.get("detail") or {}), "catatan": NIK if written == "escape" else written}
        event["hash"] = event_hash(event)  # rehashed: only the NIK is wrong with it
        line = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if written == "escape":  # digits spelled as \u escapes: the NIK is there once the line is read
            line = line.replace(NIK, "".join(f"\\u{ord(c):04x}" for c in NIK))
        return line

    rewrite_first_event(folder, plant)
    result = run(folder, monkeypatch)
    found = [p for p in result["masalah"] if p["jenis"] == "audit_data_pribadi"]
    assert len(found) == 1 and "baris 1" in found[0]["pesan"]
    assert NIK not in json.dumps(result, ensure_ascii=False)
    assert "audit_diubah" not in kinds(result)


def test_a_sixteen_digit_run_in_a_digest_or_an_id_is_no_nik(built: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy_of(built, tmp_path)

    def plant(event: dict[str, Any]) -> str:
        event["id"] = NIK  # the event's own id and a digest are not scanned (nor were they)
        event["detail"] = {**(event.get("detail") or {}), "sha256": NIK * 4}
        event["hash"] = event_hash(event)
        return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    rewrite_first_event(folder, plant)
    assert "audit_data_pribadi" not in kinds(run(folder, monkeypatch))


def history_shards(folder: Path) -> list[Path]:
    return sorted((folder / "data" / "register" / "riwayat").glob("*.json"))


@pytest.mark.parametrize("damage", ["urutan", "bulan_bukan_teks", "objek_lain", "hilang"])
def test_a_wrong_history_entry_is_found_from_the_one_pass(built: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    folder = copy_of(built, tmp_path)
    for path in history_shards(folder):
        table = json.loads(path.read_text())
        for doc in table["riwayat"].values():
            if len(doc["peristiwa"]) < 2:
                continue
            name = doc["kunci"]
            if damage == "urutan":
                doc["peristiwa"].reverse()
            elif damage == "bulan_bukan_teks":
                doc["peristiwa"][0][0] = 202201
            elif damage == "objek_lain":
                table["riwayat"][str(len(table["riwayat"]) + 1)] = {"kunci": "REG-209901-0001",
                                                                     "peristiwa": doc["peristiwa"][:1]}
                name = "REG-209901-0001"
            else:
                del table["riwayat"][next(k for k, v in table["riwayat"].items() if v is doc)]
            path.write_text(json.dumps(table))
            break
        else:
            continue
        break
    found = [p for p in run(folder, monkeypatch)["masalah"] if p["jenis"] == "indeks_riwayat"]
    assert len(found) == 1 and "1 objek" in found[0]["pesan"] and name in found[0]["pesan"]


def letter_pdf(folder: Path) -> tuple[str, Path]:
    (path,) = sorted((folder / "data" / "register" / "surat").glob("*.json"))[:1]
    letter = next(iter(json.loads(path.read_text())["surat"].values()))
    return letter["nomor_surat"], folder / letter["pdf"]


@pytest.mark.parametrize("link", ["berkas", "folder"])
def test_a_pdf_reached_through_a_symlink_outside_is_refused(built: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, link: str) -> None:
    folder = copy_of(built, tmp_path)
    number, pdf = letter_pdf(folder)
    outside = tmp_path / "luar"
    outside.mkdir()
    (outside / pdf.name).write_bytes(b"%PDF-1.7 bukan dari sakti")
    if link == "berkas":
        pdf.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside / pdf.name, pdf)
    else:
        pdf.parent.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside, pdf.parent)
    found = [p for p in run(folder, monkeypatch)["masalah"] if p["jenis"] == "jalur_tidak_sah"]
    assert len(found) == 1 and number in found[0]["pesan"]
