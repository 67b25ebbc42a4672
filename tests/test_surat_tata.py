"""How letters read to an Indonesian office: the words chosen by the data (almarhum/almarhumah, the day
name of a date, sex spelled out) and the signature lines of a letter issued on behalf of the regent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import example

from sakti_cli.documents.render import render_docx
from sakti_cli.issuance.context import letter_context, printable_data, signatory_block
from sakti_cli.office.workspace import find_workspace
from sakti_cli.services.sop import load_service


def _ahli_waris(kantor: Path, sex: str) -> dict:
    record = {"data": json.loads(example("ahli-waris").read_text())["isian"]}
    record["data"]["jenis_kelamin_pewaris"] = sex
    return record


@pytest.mark.parametrize(("sex", "word"), [("L", "atas almarhum:"), ("P", "atas almarhumah:")])
def test_deceased_named_by_sex(kantor: Path, tmp_path: Path, sex: str, word: str) -> None:
    from datetime import datetime

    from docx import Document

    ws = find_workspace(kantor)
    service = load_service(ws.sop_dir, "ahli-waris")
    context = letter_context(ws, service, _ahli_waris(kantor, sex), ws.config.penandatangan[0], "X/001", "KODE",
                             datetime.fromisoformat("2026-11-22T09:30:00+07:00"))
    out = tmp_path / "surat.docx"
    render_docx(ws.template_dir / service.templat, context, out, qr_payload="https://contoh.invalid/KODE", logo=None)
    text = " ".join(p.text for p in Document(str(out)).paragraphs)
    assert word in text and "almarhum/almarhumah" not in text


def test_dates_get_their_day_name_and_every_l_p_choice_is_spelled(kantor: Path) -> None:
    ws = find_workspace(kantor)
    service = load_service(ws.sop_dir, "izin-keramaian")
    data = json.loads(example("izin-keramaian").read_text())["isian"]
    printed = printable_data(service, data)
    assert printed["tanggal_acara"] == "19 Desember 2026" and printed["tanggal_acara_hari"] == "Sabtu, 19 Desember 2026"
    heirs = printable_data(load_service(ws.sop_dir, "ahli-waris"), _ahli_waris(kantor, "P")["data"])
    assert heirs["jenis_kelamin_pewaris"] == "Perempuan"
    assert {person["jenis_kelamin"] for person in heirs["ahli_waris"]} <= {"Laki-laki", "Perempuan"}


def test_on_behalf_of_the_regent(kantor: Path) -> None:
    """Dispensasi nikah is given by the camat "atas nama Bupati" (its SOP says so); a sekcam signing it
    for the camat adds "u.b." under the camat's line."""
    ws = find_workspace(kantor)
    dispensasi = load_service(ws.sop_dir, "dispensasi-nikah")
    camat, sekcam = ws.config.penandatangan[0], next(p for p in ws.config.penandatangan if p.peran == "a.n.")
    assert signatory_block(ws, camat, dispensasi)["baris_an"] == "a.n. Bupati Kotawaringin Barat"
    assert signatory_block(ws, sekcam, dispensasi)["baris_an"].split("\n") == [
        "a.n. Bupati Kotawaringin Barat", "Camat Arut Selatan", "u.b."]
    sktm = load_service(ws.sop_dir, "sktm")
    assert signatory_block(ws, camat, sktm)["baris_an"] == ""
    assert signatory_block(ws, sekcam, sktm)["baris_an"] == "a.n. Camat Arut Selatan"


def test_deceased_sex_must_agree_with_the_nik(kantor: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = Path(cli.json("contoh", "ahli-waris", tmp_path / "aw")["data"])
    raw = json.loads(data.read_text())
    raw["isian"]["jenis_kelamin_pewaris"] = "P"  # the NIK 6201021506550001 is a man's (day 15)
    data.write_text(json.dumps(raw))
    reg = cli.json("daftar", "ahli-waris", "--data", str(data))["nomor_registrasi"]
    failed = {line["kode"] for line in cli.json("periksa", reg, code=1)["hasil"] if line["status"] != "OK"}
    assert failed == {"nik_pewaris"}


def test_each_village_is_named_by_its_kind(kantor: Path) -> None:
    """"Desa/Kelurahan Mendawai" and "Kepala Desa/Lurah" were printed for every village; the office's
    sakti.toml says which is which, and a village it does not know (a move's destination) keeps both."""
    ws = find_workspace(kantor)
    sktm = load_service(ws.sop_dir, "sktm")
    base = json.loads(example("sktm").read_text())["isian"]
    kind = ws.config.kantor.village_kind
    assert kind("Mendawai") == "kelurahan" and kind("runtu") == "desa"
    town = printable_data(sktm, base, kind)
    assert (town["desa_sebutan"], town["desa_kepala"]) == ("Kelurahan Mendawai", "Lurah Mendawai")
    village = printable_data(sktm, base | {"desa": "Runtu"}, kind)
    assert (village["desa_sebutan"], village["desa_kepala"]) == ("Desa Runtu", "Kepala Desa Runtu")
    pindah = load_service(ws.sop_dir, "pindah")
    moved = printable_data(pindah, json.loads(example("pindah").read_text())["isian"], kind)
    assert moved["desa_tujuan_sebutan"].startswith("Desa/Kelurahan ")
