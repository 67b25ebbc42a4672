"""An eighth service that exists only as YAML and a template in the workspace: no code per service.

It uses every kind of declaration: a list with per-item files, money with terbilang, an original shown at
the desk, and rules (NIK, age, count, calendar days). It goes from ``daftar`` to a signed letter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli

SOP = """
kode: keterangan-usaha
nama: Surat Keterangan Usaha
judul_surat: SURAT KETERANGAN USAHA
klasifikasi: "500.2.2"
templat: keterangan-usaha.docx
penandatangan: [definitif, a.n.]
standar_pelayanan:
  jangka_waktu: {menit: 30, teks: 30 menit}
  produk: Surat Keterangan Usaha (PDF)
  prosedur: [Pemohon datang ke loket, Camat menandatangani]
  pengaduan: SP4N-LAPOR!
isian:
  - {kode: nama, label: Nama pemilik}
  - {kode: nik, label: NIK, jenis: nik}
  - {kode: tanggal_lahir, label: Tanggal lahir, jenis: tanggal}
  - {kode: jenis_kelamin, label: Jenis kelamin, jenis: pilihan, pilihan: [L, P]}
  - {kode: desa, label: Desa/Kelurahan, jenis: desa}
  - {kode: nama_usaha, label: Nama usaha}
  - {kode: mulai_usaha, label: Tanggal mulai usaha, jenis: tanggal}
  - {kode: modal, label: Modal usaha, jenis: uang}
  - kode: karyawan
    label: Karyawan
    jenis: daftar
    wajib: false
    butir:
      - {kode: nama, label: Nama}
      - {kode: jabatan, label: Jabatan}
    persyaratan:
      - {kode: ktp, nama: KTP karyawan, jenis_berkas: [jpeg]}
persyaratan:
  - {kode: ktp, nama: KTP pemilik, jenis_berkas: [pdf]}
  - {kode: foto_usaha, nama: Foto tempat usaha, jenis_berkas: [jpeg], jumlah_maks: 2}
  - {kode: pernyataan, nama: Surat pernyataan usaha asli, asli: true}
aturan:
  - {kode: nik_pemilik, nama: NIK pemilik, jenis: nik_cocok, nik: nik, tanggal_lahir: tanggal_lahir,
     jenis_kelamin: jenis_kelamin}
  - {kode: pemilik_dewasa, nama: Pemilik 17 tahun, jenis: umur, tanggal_lahir: tanggal_lahir, minimal: 17}
  - {kode: usaha_mikro, nama: Paling banyak 5 karyawan, jenis: jumlah, daftar: karyawan, maksimal: 5,
     akibat: tolak}
  - {kode: usaha_berjalan, nama: Usaha berjalan 6 bulan, jenis: hari, dari: mulai_usaha, sampai: tanggal_daftar,
     minimal: 180}
"""


def make_template(path: Path) -> None:
    """A plain letter: kop, title, number, fields, a table of employees, signature block, QR, footer."""
    from docx import Document

    doc = Document()
    for text in ("PEMERINTAH KABUPATEN {{ kantor.kabupaten_upper }}", "KECAMATAN {{ kantor.kecamatan_upper }}",
                 "{{ surat.judul }}", "Nomor: {{ surat.nomor }}",
                 "Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, menerangkan bahwa {{ data.nama }} "
                 "(NIK {{ data.nik }}), lahir {{ data.tanggal_lahir }}, {{ data.jenis_kelamin }}, "
                 "warga Desa/Kelurahan {{ data.desa }}, memiliki usaha {{ data.nama_usaha }} "
                 "sejak {{ data.mulai_usaha }} dengan modal {{ data.modal }} ({{ data.modal_terbilang }}).",
                 "Karyawan:"):
        doc.add_paragraph(text)
    table = doc.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ("No", "Nama", "Jabatan"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for k in data.karyawan %}"
    for cell, text in zip(table.rows[2].cells, ("{{ k.no }}", "{{ k.nama }}", "{{ k.jabatan }}"), strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for text in ("{{ surat.tempat_tanggal }}", "{{ ttd.baris_an }}", "{{ ttd.jabatan }},", "{{ qr }}",
                 "{{ ttd.nama }}", "{{ ttd.nip }}", "{{ catatan_tte }}",
                 "Kode verifikasi: {{ surat.kode_verifikasi }}"):
        doc.add_paragraph(text)
    doc.save(str(path))


def jpeg(path: Path, colour: tuple[int, int, int]) -> Path:
    from PIL import Image

    Image.new("RGB", (120, 80), colour).save(path, "JPEG")
    return path


@pytest.fixture
def usaha(kantor: Path, tmp_path: Path) -> Path:
    (kantor / "sop" / "keterangan-usaha.yaml").write_text(SOP, encoding="utf-8")
    make_template(kantor / "templat" / "keterangan-usaha.docx")
    from pki_helpers import make_pdf

    folder = tmp_path / "pemohon"
    folder.mkdir()
    make_pdf(folder / "ktp.pdf", "KTP CONTOH")
    jpeg(folder / "warung.jpg", (200, 120, 40))
    jpeg(folder / "ktp-budi.jpg", (30, 90, 200))
    jpeg(folder / "ktp-ani.jpg", (30, 200, 90))
    data = {
        "layanan": "keterangan-usaha",
        "isian": {
            "nama": "Sulastri", "nik": "6201024808800004", "tanggal_lahir": "1980-08-08", "jenis_kelamin": "P",
            "desa": "Natai Raya", "nama_usaha": "Warung Makan Sederhana Bu Las", "mulai_usaha": "2024-02-01",
            "modal": "Rp12.500.000",
            "karyawan": [
                {"nama": "Budi", "jabatan": "Juru masak", "berkas": {"ktp": "ktp-budi.jpg"}},
                {"nama": "Ani", "jabatan": "Kasir", "berkas": {"ktp": "ktp-ani.jpg"}},
            ],
        },
        "berkas": {"ktp": "ktp.pdf", "foto_usaha": "warung.jpg"},
    }  # fmt: skip
    (folder / "pemohon.json").write_text(json.dumps(data), encoding="utf-8")
    return folder / "pemohon.json"


def test_invented_service_from_yaml_to_signed_letter(kantor: Path, cli: Cli, usaha: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    assert cli.json("sop", "periksa")["jumlah_masalah"] == 0
    assert "keterangan-usaha" in [s["kode"] for s in cli.json("layanan")["layanan"]]
    shown = cli("layanan", "keterangan-usaha")
    assert shown.exit_code == 0 and "karyawan.ktp" in shown.stdout and "usaha_mikro" in shown.stdout

    registered = cli.json("daftar", "keterangan-usaha", "--data", str(usaha))
    reg = registered["nomor_registrasi"]
    assert registered["data"]["modal"] == 12500000
    assert sorted(registered["berkas"]) == ["foto_usaha", "karyawan.ktp", "ktp"]

    first = cli.json("periksa", reg, code=1)
    lines = {line["kode"]: line for line in first["hasil"]}
    assert {k for k, v in lines.items() if v["status"] != "OK"} == {"pernyataan"}  # the original not yet seen
    assert "asli" in lines["pernyataan"]["pesan"]
    assert lines["karyawan.ktp"]["status"] == "OK" and lines["usaha_mikro"]["status"] == "OK"

    seen = usaha.parent / "asli.json"
    seen.write_text(json.dumps({"asli": ["pernyataan"]}))
    assert cli.json("ubah", reg, "--data", str(seen))["status"] == "DITERIMA"
    assert cli.json("periksa", reg)["status"] == "LENGKAP"

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli.json("terbitkan", reg)
    assert issued["nomor_surat"] == "500.2.2/001/ARSEL/XI/2026"
    text = " ".join(PdfReader(issued["pdf"]).pages[0].extract_text().split())
    for needle in ("SURAT KETERANGAN USAHA", "Sulastri", "Warung Makan Sederhana Bu Las", "1 Februari 2024",
                   "Rp12.500.000,00", "dua belas juta lima ratus ribu rupiah", "Juru masak", "Kasir",
                   issued["kode_verifikasi"]):
        assert needle in text, needle
    assert cli.json("verifikasi", issued["pdf"])["sah"] is True


def test_invented_service_rules_and_item_files(kantor: Path, cli: Cli, usaha: Path) -> None:
    raw = json.loads(usaha.read_text())
    raw["isian"]["mulai_usaha"] = "2026-10-01"  # only 52 days
    raw["isian"]["karyawan"][1]["berkas"] = {"ktp": "ktp-tidak-ada.jpg"}
    raw["isian"]["karyawan"] += [{"nama": f"Pekerja {i}", "jabatan": "Pelayan"} for i in range(4)]
    raw["asli"] = ["pernyataan"]
    changed = usaha.parent / "lain.json"
    changed.write_text(json.dumps(raw))
    missing = cli("daftar", "keterangan-usaha", "--data", str(changed))
    assert missing.exit_code == 3 and "ktp-tidak-ada.jpg" in missing.stderr  # a named file must exist
    raw["isian"]["karyawan"][1]["berkas"] = {"ktp": "ktp.pdf"}  # a PDF where the SOP wants JPEG
    changed.write_text(json.dumps(raw))
    reg = cli.json("daftar", "keterangan-usaha", "--data", str(changed))["nomor_registrasi"]
    lines = {line["kode"]: line for line in cli.json("periksa", reg, code=1)["hasil"]}
    assert lines["usaha_berjalan"]["status"] == "TIDAK_VALID" and "52 hari" in lines["usaha_berjalan"]["pesan"]
    assert lines["usaha_mikro"]["status"] == "TIDAK_VALID" and "6 karyawan" in lines["usaha_mikro"]["pesan"]
    assert "sakti tolak" in lines["usaha_mikro"]["pesan"]
    item = lines["karyawan.ktp"]
    assert item["status"] == "TIDAK_VALID" and "karyawan ke-2 (Ani)" in item["pesan"] and "PDF" in item["pesan"]
    assert "karyawan ke-3 (Pekerja 0): belum ada" in item["pesan"]
