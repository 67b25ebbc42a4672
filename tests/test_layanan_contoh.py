"""The fourteen bundled examples through the CLI: each complete one is LENGKAP and becomes a signed
letter, each failing one is refused for its own, realistic reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, Cli, example
from pdf_layout import layout_problems, numbers_in

SERVICES = ("sktm", "skck", "dispensasi-nikah", "pindah", "ahli-waris", "izin-keramaian", "hibah")

# example -> (service, {code: status} of every line that is not OK, code whose message is checked, needle)
FAILING = {
    "sktm-gagal": ("sktm", {"kk": "KURANG"}, "kk", "Kartu Keluarga"),
    "skck-gagal": ("skck", {"foto": "KURANG"}, "foto", "paling sedikit 2"),
    "dispensasi-nikah-gagal": ("dispensasi-nikah", {"kurang_10_hari_kerja": "TIDAK_VALID"}, "kurang_10_hari_kerja",
                               "10 hari kerja di antara"),
    "pindah-gagal": ("pindah", {"pernyataan_pemilik": "KURANG"}, "pernyataan_pemilik", "wajib karena"),
    "ahli-waris-gagal": ("ahli-waris", {"saksi_bukan_keluarga": "TIDAK_VALID"}, "saksi_bukan_keluarga",
                         "saksi ke-2 (Nurhasanah)"),
    "izin-keramaian-gagal": ("izin-keramaian", {"waktu_lokal": "TIDAK_VALID"}, "waktu_lokal",
                             "10 hari kerja di antara"),
    "hibah-gagal": ("hibah", {"rekomendasi_kua": "KURANG"}, "rekomendasi_kua", "rumah ibadah"),
}


def test_every_service_has_both_examples() -> None:
    names = {p.name for p in (REPO / "contoh").iterdir() if (p / "pemohon.json").is_file()}
    assert names == set(SERVICES) | {f"{s}-gagal" for s in SERVICES}
    for name in names:
        service = json.loads((REPO / "contoh" / name / "pemohon.json").read_text())["layanan"]
        assert name.removesuffix("-gagal") == service
        assert (REPO / "contoh" / name / "README.md").is_file(), name


@pytest.mark.parametrize("service", SERVICES)
def test_complete_example_is_lengkap(kantor: Path, cli: Cli, service: str) -> None:
    reg = cli.json("daftar", service, "--data", str(example(service)))["nomor_registrasi"]
    checked = cli.json("periksa", reg)
    assert checked["status"] == "LENGKAP" and checked["lengkap"] is True
    assert all(set(line) == {"kode", "syarat", "status", "pesan"} for line in checked["hasil"])
    assert all(line["status"] == "OK" for line in checked["hasil"]), checked["hasil"]


@pytest.mark.parametrize("name", sorted(FAILING))
def test_failing_example_refused_for_its_reason(kantor: Path, cli: Cli, name: str) -> None:
    service, expected, code, needle = FAILING[name]
    reg = cli.json("daftar", service, "--data", str(example(name)))["nomor_registrasi"]
    human = cli("periksa", reg)
    assert human.exit_code == 1 and "BELUM_LENGKAP" in human.stdout and code in human.stdout
    checked = cli.json("periksa", reg, code=1)
    assert checked["status"] == "BELUM_LENGKAP" and checked["lengkap"] is False
    failed = {line["kode"]: line["status"] for line in checked["hasil"] if line["status"] != "OK"}
    assert failed == expected
    message = next(line["pesan"] for line in checked["hasil"] if line["kode"] == code)
    assert needle in message
    assert "6201" not in message  # reasons never repeat a NIK or KK number


# What each letter must show (beyond its number and title): the people and amounts of the example.
LETTER_TEXT = {
    "sktm": ["Rusmini", "penduduk Kelurahan Mendawai", "Surat Pengantar Lurah Mendawai"],
    "skck": ["Ahmad Fauzi", "SKCK", "melamar pekerjaan"],
    "dispensasi-nikah": ["Rizky Pratama", "Nurul Hidayah", "1 Desember 2026", "19 November 2026",
                         "a.n. Bupati Kotawaringin Barat Camat Arut Selatan,"],
    "pindah": ["Bambang Sutrisno", "Sri Wahyuni", "Dimas Sutrisno", "Jekan Raya"],
    "ahli-waris": ["H. Abdul Muis", "Hj. Siti Rahmah", "Ahmad Muis", "Fatimah", "Sugianto", "Rahmadi",
                   "14 September 2026", "atas almarhum:"],
    "izin-keramaian": ["Festival Musik Remaja Mendawai", "Hari/Tanggal : Sabtu, 19 Desember 2026", "Kapolres",
                       "Lurah Mendawai"],
    "hibah": ["Masjid Al-Ikhlas", "Rp75.000.000,00", "tujuh puluh lima juta rupiah"],
}


def test_every_complete_example_becomes_a_signed_letter(kantor: Path, cli: Cli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """All seven services from daftar to a signed PDF (one test: LibreOffice takes ~1.5 s a letter)."""
    from pypdf import PdfReader

    from sakti_cli.services.sop import load_service

    monkeypatch.setenv("SAKTI_SANDI", "demo")
    for service_code in SERVICES:
        service = load_service(kantor / "sop", service_code)
        reg = cli.json("daftar", service_code, "--data", str(example(service_code)))["nomor_registrasi"]
        assert cli.json("periksa", reg)["status"] == "LENGKAP"
        issued = cli.json("terbitkan", reg)
        assert issued["nomor_surat"] == f"{service.klasifikasi}/001/ARSEL/XI/2026", service_code
        reader = PdfReader(issued["pdf"])
        assert len(reader.pages) <= service.halaman_maks, service_code
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        for needle in [service.judul_surat, issued["nomor_surat"], "NIP. 19800723 199810 1 001",
                       issued["kode_verifikasi"], *LETTER_TEXT[service_code]]:
            assert needle in text, (service_code, needle)
        assert "{{" not in text and "{%" not in text
        assert "almarhum/almarhumah" not in text and "L/P" not in text
        assert "Desa/Kelurahan Mendawai" not in text and "Desa/Lurah" not in text  # each village says which it is
        people = json.loads(example(service_code).read_text())["isian"]
        assert layout_problems(Path(issued["pdf"]), numbers_in(people)) == [], service_code
        assert cli.json("verifikasi", issued["pdf"])["sah"] is True, service_code
    # the same citizen again soon after: registered, with a warning naming the recent letter
    again = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert [w.get("nomor_surat") for w in again["permohonan_serupa"]] == ["400.9.14.1/001/ARSEL/XI/2026"]
    assert "sudah mendapat surat" in again["peringatan"][0]


@pytest.mark.parametrize("clock", ["2027-01-10T09:00:00+07:00", "2027-08-18T15:30:00+07:00"])
def test_examples_written_for_today_pass_and_fail_on_any_day(kantor: Path, cli: Cli, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, clock: str) -> None:
    """`sakti contoh` dates each example for the day it runs: the bundled pemohon.json files are for the
    tests' fixed clock, and on other days the complete ones would expire and the failing ones fail for
    another reason (the demo broke on 17 December 2026 that way)."""
    monkeypatch.setenv("SAKTI_WAKTU", clock)
    for service in SERVICES:
        data = cli.json("contoh", service, tmp_path / clock / service)["data"]
        reg = cli.json("daftar", service, "--data", data)["nomor_registrasi"]
        checked = cli.json("periksa", reg)
        assert checked["status"] == "LENGKAP", (service, [x for x in checked["hasil"] if x["status"] != "OK"])
    for name, (service, expected, code, needle) in FAILING.items():
        data = cli.json("contoh", name, tmp_path / clock / name)["data"]
        reg = cli.json("daftar", service, "--data", data)["nomor_registrasi"]
        checked = cli.json("periksa", reg, code=1)
        failed = {line["kode"]: line["status"] for line in checked["hasil"] if line["status"] != "OK"}
        assert failed == expected, (name, checked["hasil"])
        assert needle in next(line["pesan"] for line in checked["hasil"] if line["kode"] == code)


def test_contoh_refuses_unknown_names_and_full_folders(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    unknown = cli.json("contoh", "sktm-lain", tmp_path / "x", code=3)
    assert "sktm-gagal" in unknown["error"]["saran"]
    (tmp_path / "penuh").mkdir()
    (tmp_path / "penuh" / "milik-warga.txt").write_text("jangan ditimpa")
    cli.json("contoh", "sktm", tmp_path / "penuh", code=5)
    assert sorted(p.name for p in (tmp_path / "penuh").iterdir()) == ["milik-warga.txt"]
