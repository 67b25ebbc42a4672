"""The blank form (``sakti layanan KODE --formulir``) and filling it in: XLSX with a column per field, list
items as numbered columns, choices as drop-down lists, NIK/KK as text; read back by ``daftar --data``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO, Cli, example


def _columns(path: Path) -> list[str]:
    from openpyxl import load_workbook

    return [c.value for c in load_workbook(str(path))["Formulir"][1]]


def test_xlsx_form_layout(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = cli.json("layanan", "ahli-waris", "--formulir", tmp_path / "aw.xlsx")
    assert out["formulir"] == str(tmp_path / "aw.xlsx") and (tmp_path / "aw.xlsx").stat().st_mode & 0o077 == 0
    sheet = load_workbook(str(tmp_path / "aw.xlsx"))["Formulir"]
    keys = [c.value for c in sheet[1]]
    assert keys[:3] == ["nama_pewaris", "nik_pewaris", "jenis_kelamin_pewaris"]
    # the SOP allows 12 heirs and 4 witnesses, each with their own files
    assert "ahli_waris.12.nik" in keys and "ahli_waris.13.nik" not in keys
    assert "saksi.4.berkas.ktp" in keys and "berkas.akta_kematian" in keys
    assert sheet.freeze_panes == "A2"
    index = {key: n for n, key in enumerate(keys, 1)}
    for key in ("nik_pewaris", "nomor_kk_pewaris", "ahli_waris.1.nik"):
        assert sheet.cell(row=2, column=index[key]).number_format == "@", key
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    letter = {key: sheet.cell(row=1, column=n).column_letter for key, n in index.items()}
    covered = {str(r).split(":")[0].rstrip("0123456789") for v in lists for r in v.sqref.ranges}
    assert {letter["jenis_kelamin_pewaris"], letter["desa"], letter["ahli_waris.1.jenis_kelamin"]} <= covered
    assert sheet.cell(row=1, column=index["nik_pewaris"]).comment.text.startswith("NIK pewaris")


def _filled_sktm(kantor: Path, cli: Cli, tmp_path: Path, nik: object = "6201025403850003") -> Path:
    from openpyxl import load_workbook

    form = tmp_path / "sktm.xlsx"
    cli.json("layanan", "sktm", "--formulir", form)
    raw = json.loads(example("sktm").read_text())
    book = load_workbook(str(form))
    sheet = book["Formulir"]
    index = {c.value: c.column for c in sheet[1]}
    for key, value in raw["isian"].items():
        sheet.cell(row=2, column=index[key], value=nik if key == "nik" else value)
    for code, name in raw["berkas"].items():
        shutil.copy(REPO / "contoh" / "sktm" / name, tmp_path / name)
        sheet.cell(row=2, column=index[f"berkas.{code}"], value=name)
    book.save(str(form))
    return form


def test_filled_xlsx_registers_like_the_json(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    form = _filled_sktm(kantor, cli, tmp_path)
    reg = cli.json("daftar", "sktm", "--data", form)["nomor_registrasi"]
    checked = cli.json("periksa", reg)
    assert checked["status"] == "LENGKAP"
    status = cli.json("status", reg)
    assert status["data"]["nama"] == "Rusmini" and status["data"]["tanggal_pengantar"] == "2026-11-16"


def test_nik_stored_as_a_number_is_refused(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    for bad in (6201025403850003, "6.20102540385E+15"):
        folder = tmp_path / str(type(bad).__name__)
        folder.mkdir()
        form = _filled_sktm(kantor, cli, folder, nik=bad)
        error = cli.json("daftar", "sktm", "--data", form, code=3)["error"]
        assert "baris 2, kolom nik" in error["pesan"] and "teks" in error["saran"]
    assert cli.json("permohonan")["permohonan"] == []


def test_json_form_is_the_envelope(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    cli.json("layanan", "pindah", "--formulir", tmp_path / "pindah.json")
    blank = json.loads((tmp_path / "pindah.json").read_text())
    assert blank["layanan"] == "pindah" and set(blank["isian"]["anggota"][0]) >= {"nama", "nik", "hubungan"}
    refused = cli.json("daftar", "pindah", "--data", tmp_path / "pindah.json", code=3)["error"]
    assert "nama" in refused["pesan"]  # names the empty required fields, registers nothing
    assert cli.json("permohonan")["permohonan"] == []


def test_two_filled_rows_are_not_one_application(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    form = _filled_sktm(kantor, cli, tmp_path)
    book = load_workbook(str(form))
    sheet = book["Formulir"]
    for cell in sheet[2]:
        sheet.cell(row=3, column=cell.column, value=cell.value)
    book.save(str(form))
    assert "2 baris" in cli.json("daftar", "sktm", "--data", form, code=3)["error"]["pesan"]


def test_outputs_into_a_folder_that_takes_no_file_are_refused_first(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """One check for every file a clerk names (form, example, sheet, backup): /proc exists but takes
    nothing, a missing folder is said as such; exit 3, not 'kesalahan tak terduga'."""
    for args in (("layanan", "sktm", "--formulir", "/proc/sakti-formulir.xlsx"),
                 ("contoh", "sktm", "/proc/sakti-contoh"),
                 ("layanan", "sktm", "--lembar", "/proc/sakti-lembar.pdf"),
                 ("cadangkan", "/proc/sakti-cadangan.tar.gz")):
        error = cli.json(*args, code=3)["error"]
        assert "/proc" in error["pesan"] and "tidak dapat menampung" in error["pesan"], args
    assert "tidak ada" in cli.json("layanan", "sktm", "--formulir", tmp_path / "tiada" / "f.xlsx",
                                   code=3)["error"]["pesan"]
