"""Lists of people with their own files, originals shown at the desk, and the data rules on lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, Cli, example, example_copy

AW = REPO / "contoh" / "ahli-waris"


def _variant(tmp_path: Path, name: str, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of an example's data next to a copy of its files, changed by ``change(raw)``."""
    raw = json.loads(example(name).read_text())
    change(raw)
    target = example_copy(tmp_path, name) / f"{name}-varian.json"
    target.write_text(json.dumps(raw))
    return target


def _lines(cli: Cli, reg: str, code: int = 1) -> dict[str, dict]:
    return {line["kode"]: line for line in cli.json("periksa", reg, code=code)["hasil"]}


def test_item_files_are_stored_per_item_and_masked(kantor: Path, cli: Cli) -> None:
    payload = cli.json("daftar", "ahli-waris", "--data", str(example("ahli-waris")))
    assert {k: len(v) for k, v in payload["berkas"].items()} == {
        "akta_kematian": 1, "pernyataan": 1, "kk_pewaris": 1, "ahli_waris.ktp": 3, "ahli_waris.kk": 3, "saksi.ktp": 2}
    heirs = payload["data"]["ahli_waris"]
    assert heirs[1]["nik"] == "6201********0003" and heirs[1]["berkas"]["ktp"] == "ktp-ahmad-muis.jpg"
    assert "6201022001820003" not in json.dumps(payload)  # NIK inside lists masked too
    assert payload["data"]["asli"] == ["akta_kematian_asli"]
    stored = kantor / "data" / "berkas" / payload["nomor_registrasi"]
    assert (stored / "ahli_waris.ktp-3.jpg").is_file() and (stored / "saksi.ktp-2.jpg").is_file()
    lines = _lines(cli, payload["nomor_registrasi"], code=0)
    assert lines["ahli_waris.kk"]["pesan"] == "sesuai (3 ahli waris)"


def test_missing_item_file_names_the_person_then_lengkapi(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    data = _variant(tmp_path, "ahli-waris", lambda raw: raw["isian"]["ahli_waris"][1]["berkas"].pop("kk"))
    reg = cli.json("daftar", "ahli-waris", "--data", str(data))["nomor_registrasi"]
    line = _lines(cli, reg)["ahli_waris.kk"]
    assert line["status"] == "KURANG" and "ahli waris ke-2 (Ahmad Muis): belum ada" in line["pesan"]
    files = [f"--berkas=ahli_waris.kk={AW / n}" for n in ("kk-siti-rahmah.jpg", "kk-ahmad-muis.jpg", "kk-fatimah.jpg")]
    assert cli.json("lengkapi", reg, *files)["status"] == "DITERIMA"
    assert cli.json("periksa", reg)["status"] == "LENGKAP"


def test_heirs_in_one_kk_share_its_scan(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    def share(raw: dict) -> None:
        heirs = raw["isian"]["ahli_waris"]
        heirs[2]["nomor_kk"] = heirs[1]["nomor_kk"]
        heirs[2]["berkas"]["kk"] = heirs[1]["berkas"]["kk"]

    payload = cli.json("daftar", "ahli-waris", "--data", str(_variant(tmp_path, "ahli-waris", share)))
    assert len(payload["berkas"]["ahli_waris.kk"]) == 2  # stored once
    lines = _lines(cli, payload["nomor_registrasi"], code=0)
    assert lines["ahli_waris.kk"]["status"] == "OK"


def test_original_not_shown_then_recorded(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    data = _variant(tmp_path, "ahli-waris", lambda raw: raw.pop("asli"))
    reg = cli.json("daftar", "ahli-waris", "--data", str(data))["nomor_registrasi"]
    line = _lines(cli, reg)["akta_kematian_asli"]
    assert line["status"] == "KURANG" and "asli" in line["pesan"]
    seen = tmp_path / "asli.json"
    seen.write_text(json.dumps({"asli": ["akta_kematian_asli"]}))
    cli.json("ubah", reg, "--data", str(seen))
    assert cli.json("periksa", reg)["status"] == "LENGKAP"
    seen.write_text(json.dumps({"asli": ["ktp"]}))
    wrong = cli("ubah", reg, "--data", str(seen), "--json")
    assert wrong.exit_code == 3
    assert json.loads(wrong.stdout)["error"]["detail"]["masalah"][0]["kolom"] == "asli"


@pytest.mark.parametrize(
    ("change", "code", "needle"),
    [
        (lambda r: r["isian"]["saksi"].pop(), "dua_saksi", "baru 1 saksi"),
        (lambda r: r["isian"]["saksi"][0].update(nik="6201021209080007"), "saksi_dewasa",
         "saksi ke-1 (Sugianto): 18 tahun"),
        (lambda r: r["isian"]["saksi"][1].update(nomor_kk="6201020807080009"), "saksi_bukan_keluarga",
         "saksi ke-2 (Rahmadi): nomor KK sama dengan milik ahli waris ke-1 (Hj. Siti Rahmah)"),
        (lambda r: r["isian"]["ahli_waris"][2].update(jenis_kelamin="L"), "nik_ahli_waris",
         "ahli waris ke-3 (Fatimah): NIK menunjukkan perempuan"),
        (lambda r: r["isian"].update(tanggal_meninggal="2026-12-01"), "meninggal_sebelum_daftar", "di masa depan"),
    ],
)
def test_list_rules(kantor: Path, cli: Cli, tmp_path: Path, change, code: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    reg = cli.json("daftar", "ahli-waris", "--data", str(_variant(tmp_path, "ahli-waris", change)))["nomor_registrasi"]
    lines = _lines(cli, reg)
    assert lines[code]["status"] != "OK" and needle in lines[code]["pesan"], lines[code]
    assert [k for k, v in lines.items() if v["status"] != "OK"] == [code]


def test_item_data_is_checked_at_daftar(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    def change(raw: dict) -> None:
        raw["isian"]["ahli_waris"][1]["nik"] = "62010220018200"
        raw["isian"]["saksi"][0]["hobi"] = "catur"

    result = cli("daftar", "ahli-waris", "--data", str(_variant(tmp_path, "ahli-waris", change)), "--json")
    assert result.exit_code == 3
    fields = [p["kolom"] for p in json.loads(result.stdout)["error"]["detail"]["masalah"]]
    assert fields == ["ahli_waris[1].nik", "saksi[0].hobi"]

    def unknown_file(raw: dict) -> None:
        raw["isian"]["saksi"][1]["berkas"]["sim"] = raw["isian"]["saksi"][1]["berkas"]["ktp"]

    result = cli("daftar", "ahli-waris", "--data", str(_variant(tmp_path, "ahli-waris", unknown_file)))
    assert result.exit_code == 3 and "saksi.sim" in result.stderr


def test_applicant_outside_the_kecamatan_is_refused(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    data = _variant(tmp_path, "skck", lambda r: r["isian"].update(desa="Kumai Hulu"))
    reg = cli.json("daftar", "skck", "--data", str(data))["nomor_registrasi"]
    line = _lines(cli, reg)["domisili"]
    assert line["status"] == "TIDAK_VALID" and "'Kumai Hulu' bukan desa/kelurahan di Kecamatan Arut Selatan" in \
        line["pesan"] and "sakti tolak" in line["pesan"]


def test_money_and_lists_printable(kantor: Path) -> None:
    from sakti_cli.issuance.context import printable_data
    from sakti_cli.services.sop import load_service

    hibah = load_service(kantor / "sop", "hibah")
    printed = printable_data(hibah, json.loads(example("hibah").read_text())["isian"] | {"jumlah_dana": 75000000})
    assert printed["jumlah_dana"] == "Rp75.000.000,00"
    assert printed["jumlah_dana_terbilang"] == "tujuh puluh lima juta rupiah"
    pindah = load_service(kantor / "sop", "pindah")
    members = printable_data(pindah, json.loads(example("pindah").read_text())["isian"])["anggota"]
    assert members[2] == {"no": 3, "nama": "Dimas Sutrisno", "nik": "6201022006140001", "tanggal_lahir": "20 Juni 2014",
                          "tanggal_lahir_hari": "Jumat, 20 Juni 2014", "jenis_kelamin": "Laki-laki", "hubungan": "Anak"}
