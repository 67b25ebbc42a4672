"""``register periksa`` incremental on TinyDB (issue 15 §5): the sealed checkpoint ``periksa.titik`` a clean
check leaves, the next check reading only what changed since (trail, partitions, PDFs by fingerprint, the
rolling sample), and damage made after the checkpoint found all the same. The PostgreSQL twin of these cases
is test_pgops_titik.py."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from sakti_cli.register import checkpoint as titik

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import register_growth

LETTERS = 40
SHAPE = {"cara", "alasan", "dari_peristiwa", "penuh_terakhir", "berkas_dihitung", "berkas_sampel", "berkas_dilewati"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register of 40 issued letters with their (small, real) PDFs, built once; each test takes a copy."""
    folder = tmp_path_factory.mktemp("titik") / "kantor"
    register_growth.build_register(folder, LETTERS, spare=0, pdfs=True)
    return folder


@pytest.fixture
def office(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "kantor"
    shutil.copytree(built, folder, symlinks=True)
    monkeypatch.setenv("SAKTI_KANTOR", str(folder))
    monkeypatch.setenv("SAKTI_WAKTU", register_growth.NOW)
    return folder


def _periksa(cli: Cli, *args: str, code: int = 0) -> dict[str, Any]:
    return cli.json("register", "periksa", *args, code=code)


def _stored(office: Path) -> Path:
    return office / "data" / "register" / "periksa.titik"


def _pdfs(office: Path) -> list[Path]:
    return sorted((office / "data" / "surat").rglob("*.pdf"))


def test_a_clean_full_check_leaves_a_checkpoint_and_the_next_reads_only_what_changed(office: Path,
                                                                                    cli: Cli) -> None:
    first = _periksa(cli)
    assert first["bersih"] and set(first["pemeriksaan"]) == SHAPE
    assert first["pemeriksaan"] | {"penuh_terakhir": None} == {
        "cara": "penuh", "alasan": titik.REASON_MISSING, "dari_peristiwa": 0, "penuh_terakhir": None,
        "berkas_dihitung": LETTERS, "berkas_sampel": 0, "berkas_dilewati": 0}
    assert [n["jenis"] for n in first["catatan"]] == ["titik_periksa"]
    assert _stored(office).is_file() and oct(_stored(office).stat().st_mode & 0o777) == "0o600"
    events = first["ringkasan"]["peristiwa"]
    second = _periksa(cli)
    assert second["bersih"] and second["catatan"] == []
    step = second["pemeriksaan"]
    assert (step["cara"], step["alasan"], step["dari_peristiwa"]) == ("bertahap", titik.REASON_SINCE, events)
    assert step["berkas_dihitung"] == 0 and step["berkas_sampel"] + step["berkas_dilewati"] == LETTERS
    assert step["penuh_terakhir"] == first["pemeriksaan"]["penuh_terakhir"]
    assert second["ringkasan"] == first["ringkasan"]  # the letters are counted whole either way
    full = _periksa(cli, "--penuh")
    assert (full["pemeriksaan"]["cara"], full["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_ASKED)
    assert full["pemeriksaan"]["berkas_dihitung"] == LETTERS


def test_each_pdf_is_sampled_in_its_turn(office: Path, cli: Cli) -> None:
    """Over SAMPLE_RUNS incremental checks every unchanged PDF is re-hashed exactly once."""
    _periksa(cli)
    sampled = [_periksa(cli)["pemeriksaan"]["berkas_sampel"] for _ in range(titik.SAMPLE_RUNS)]
    assert sum(sampled) == LETTERS


def test_a_pdf_changed_after_the_checkpoint_is_found_even_with_its_times_put_back(office: Path, cli: Cli) -> None:
    _periksa(cli)
    changed, removed = _pdfs(office)[3], _pdfs(office)[7]
    before = changed.stat()
    data = bytearray(changed.read_bytes())
    data[-40] ^= 0x01  # same size
    changed.write_bytes(bytes(data))
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))  # the ctime still tells
    removed.unlink()
    found = _periksa(cli, code=1)
    assert found["pemeriksaan"]["cara"] == "bertahap"
    kinds = {p["jenis"]: p["berkas"] for p in found["masalah"]}
    assert set(kinds) == {"pdf_berubah", "pdf_hilang"}, found["masalah"]
    assert (kinds["pdf_berubah"], kinds["pdf_hilang"]) == (str(changed), str(removed))
    assert found["pemeriksaan"]["berkas_dihitung"] == 1  # only the changed one (the removed one: not there)
    again = _periksa(cli, code=1)  # no checkpoint written over damage: still found
    assert {p["jenis"] for p in again["masalah"]} == {"pdf_berubah", "pdf_hilang"}


def test_a_letter_record_edited_after_the_checkpoint_is_found(office: Path, cli: Cli) -> None:
    _periksa(cli)
    partition = sorted((office / "data" / "register" / "surat").glob("*.json"))[0]
    data = json.loads(partition.read_text())
    letter = next(iter(data["surat"].values()))
    letter["sha256"] = "0" * 64
    partition.write_text(json.dumps(data))
    found = _periksa(cli, code=1)
    assert found["pemeriksaan"]["cara"] == "bertahap"
    kinds = {p["jenis"] for p in found["masalah"]}
    assert "pdf_berubah" in kinds, found["masalah"]  # its PDF re-hashed against the edited record


def test_an_audit_event_before_the_checkpoint_edited_turns_the_check_full(office: Path, cli: Cli) -> None:
    _periksa(cli)
    audit = sorted((office / "data" / "register" / "audit").glob("*.jsonl"))[0]
    lines = audit.read_text().splitlines(keepends=True)
    event = json.loads(lines[0])
    event["petugas"] = "orang lain"
    lines[0] = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    audit.write_text("".join(lines))
    found = _periksa(cli, code=1)
    assert (found["pemeriksaan"]["cara"], found["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_TRAIL)
    assert any(n["jenis"] == "titik_periksa" for n in found["catatan"])
    assert any(p["jenis"].startswith("audit") for p in found["masalah"]), found["masalah"]


@pytest.mark.parametrize("damage", ["isi", "spasi", "segel", "register lain", "bukan json"])
def test_a_tampered_or_foreign_checkpoint_is_a_finding_and_the_check_is_full(office: Path, cli: Cli,
                                                                             tmp_path: Path, damage: str) -> None:
    _periksa(cli)
    stored = _stored(office)
    raw = stored.read_bytes()
    if damage == "isi":  # one verified count changed by hand
        events = json.loads(raw)["isi"]["peristiwa"]
        stored.write_bytes(raw.replace(b'"peristiwa":%d' % events, b'"peristiwa":%d' % (events - 1)))
    elif damage == "spasi":  # the same content, written otherwise: not what was sealed
        stored.write_text(json.dumps(json.loads(raw), indent=1))
    elif damage == "segel":
        body = json.loads(raw)
        body["segel"] = "0" * 64
        stored.write_bytes(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    elif damage == "register lain":  # a checkpoint of another register (built at another time) does not fit
        other = tmp_path / "lain"
        register_growth.build_register(other, 3, spare=0, pdfs=True)
        meta = other / "data" / "register" / "meta.json"
        meta.write_text(meta.read_text().replace(register_growth.NOW[:4], "2025"))
        cli.json("--kantor", str(other), "register", "periksa")
        shutil.copy(_stored(other), stored)
    else:
        stored.write_bytes(b"\x00\xffbukan")
    found = _periksa(cli, code=1)
    assert [p["jenis"] for p in found["masalah"]] == ["titik_periksa"], found["masalah"]
    assert found["masalah"][0]["berkas"].endswith("periksa.titik")
    assert (found["pemeriksaan"]["cara"], found["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_INVALID)
    assert found["pemeriksaan"]["berkas_dihitung"] == LETTERS
    after = _periksa(cli)  # the full check found nothing else: it left a new checkpoint
    assert after["bersih"] and after["pemeriksaan"]["cara"] == "bertahap"


def test_a_letters_validation_horizon_is_read_from_its_pdf_once_and_kept(office: Path, cli: Cli,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters issued before the horizon was recorded: it is read from each PDF by the full check, kept in the
    checkpoint for the PDFs with one (B-B PDFs have none: nothing kept), and read again only from a PDF that
    changed. (The horizon of real signed PDFs: test_ttd_perbarui; here a stand-in reads it from the name.)"""
    from sakti_cli.signatures import renewal

    soon = datetime.fromisoformat("2027-01-10T00:00:00+07:00")
    pdfs = _pdfs(office)
    with_horizon = {str(path.relative_to(office)) for path in pdfs[:2]}
    read: list[str] = []

    def horizon(_ws: Any, letter: Any) -> datetime | None:
        read.append(str(letter["pdf"]))
        return soon if str(letter["pdf"]) in with_horizon else None

    monkeypatch.setattr(renewal, "letter_horizon", horizon)
    first = _periksa(cli)
    assert sorted(read) == sorted(str(p.relative_to(office)) for p in pdfs)
    noted = {n["berkas"] for n in first["catatan"] if n["jenis"] == "data_validasi_segera_kedaluwarsa"}
    assert {Path(n).relative_to(office).as_posix() for n in noted} == with_horizon  # named in the workspace
    kept = json.loads(_stored(office).read_bytes())["isi"]["catatan"]
    assert {k for k in kept if k.startswith("sampai:")} == {f"sampai:{name}" for name in with_horizon}
    read.clear()
    second = _periksa(cli)
    assert read == []  # every PDF as it was: its horizon from the checkpoint (also the sampled ones)
    assert {n["berkas"] for n in second["catatan"] if n["jenis"] == "data_validasi_segera_kedaluwarsa"} == noted
    touched = pdfs[0]
    touched.write_bytes(touched.read_bytes())  # rewritten as it was: a new fingerprint, the same content
    _periksa(cli)
    assert read == [str(touched.relative_to(office))]
