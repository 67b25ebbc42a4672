"""``sakti surat`` and ``sakti permohonan`` over a register of two months: each filter against a count the test
makes itself from what it built, the forgiving name search, NIK exact and masked, ``--tampilkan-nik`` audited,
the exports reopened (openpyxl, csv), and a listing that never holds the write lock."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Cli
from daftar_register import Built, office_fixture, sakti_fixture  # noqa: F401  (fixtures office, sakti)


def _numbers(rows: list[dict]) -> list[str]:
    return [row["nomor_surat"] for row in rows]


def _month(letter: dict, month: str) -> bool:
    return str(letter["dipesan"]).startswith(month)


def test_a_month_lists_its_letters_in_the_order_reserved(office: Built, sakti: Cli) -> None:
    got = sakti.json("surat", "--bulan", "2026-10")
    expected = [letter["nomor_surat"] for letter in office.letters if _month(letter, "2026-10")]
    assert _numbers(got["surat"]) == expected and got["jumlah"] == len(expected) > 10
    november = sakti.json("surat", "--bulan", "2026-11")["surat"]
    assert len(november) + len(expected) == len(office.letters)
    assert {row["tanggal"][:7] for row in november} == {"2026-11"}
    span = sakti.json("surat", "--dari", "2026-10-20", "--sampai", "2026-11-04")["surat"]
    assert _numbers(span) == [letter["nomor_surat"] for letter in office.letters
                              if "2026-10-20" <= letter["dipesan"][:10] <= "2026-11-04"]
    assert sakti.json("surat", "--tahun", "2026")["jumlah"] == len(office.letters)
    assert sakti.json("surat", "--tahun", "2025")["surat"] == []


def test_service_status_signatory_number_and_desa(office: Built, sakti: Cli) -> None:
    [skck] = sakti.json("surat", "--layanan", "skck")["surat"]
    assert skck["penandatangan"]["id"] == "sekcam" and skck["layanan"] == "skck"
    assert _numbers(sakti.json("surat", "--penandatangan", "sekcam")["surat"]) == [skck["nomor_surat"]]
    voided = sakti.json("surat", "--status", "batal")["surat"]
    assert sorted(_numbers(voided)) == sorted(office.voided)
    assert all(row["alasan_batal"] == office.voided[row["nomor_surat"]] for row in voided)
    old, new = next(iter(office.replaced.items()))
    assert {row["nomor_surat"]: row["diganti_oleh"] for row in voided}[old] == new
    both = sakti.json("surat", "--status", "TERBIT,BATAL", "--layanan", "sktm")["jumlah"]
    assert both == len(office.letters) - 1
    [one] = sakti.json("surat", "--nomor", new)["surat"]
    assert one["mengganti"] == old and "mengganti" in one["keterangan"]
    madurejo = {reg for reg, desa in office.desa.items() if desa == "Madurejo"}
    rows = sakti.json("surat", "--desa", "  madurejo ")["surat"]
    assert rows and {row["nomor_registrasi"] for row in rows} == {
        letter["nomor_registrasi"] for letter in office.letters if letter["nomor_registrasi"] in madurejo}
    assert sakti.json("surat", "--desa", "Madurejo", "--bulan", "2026-11")["jumlah"] < len(rows)


def test_the_name_search_forgives_spelling(office: Built, sakti: Cli) -> None:
    """"joko susilo" finds Djoko Soesilo and Joko Susilo; "tjahja" finds Tjahja Njoman by its new spelling."""
    wanted = {reg for reg, name in office.names.items() if name in ("Djoko Soesilo", "Joko Susilo")}
    rows = sakti.json("surat", "--nama", "JOKO  susilo")["surat"]
    assert {row["nomor_registrasi"] for row in rows} == {
        letter["nomor_registrasi"] for letter in office.letters if letter["nomor_registrasi"] in wanted}
    assert {row["pemohon"] for row in rows} == {"Djoko Soesilo", "Joko Susilo"}
    assert {row["pemohon"] for row in sakti.json("surat", "--nama", "cahya nyoman")["surat"]} == {"Tjahja Njoman"}
    assert {row["nama"] for row in sakti.json("permohonan", "--nama", "khairul")["permohonan"]} == {"Chairoel Anwar"}
    assert sakti.json("surat", "--nama", "budiman")["surat"] == []
    refused = sakti.json("permohonan", "--status", "DITOLAK")["permohonan"]
    assert sorted(row["nomor_registrasi"] for row in refused) == sorted(office.refused)
    october = sakti.json("permohonan", "--bulan", "2026-10")["permohonan"]
    assert october and all(row["dibuat"].startswith("2026-10") for row in october)


def test_nik_is_matched_whole_and_shown_masked(office: Built, sakti: Cli) -> None:
    reg = office.letters[5]["nomor_registrasi"]
    nik = office.niks[reg]
    result = sakti("surat", "--nik", nik, "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)["surat"]
    assert row["nomor_registrasi"] == reg and row["nik"] == f"{nik[:4]}********{nik[-4:]}"
    assert nik not in result.stdout + result.stderr
    assert sakti.json("permohonan", "--nik", nik)["permohonan"][0]["nomor_registrasi"] == reg
    short = sakti("surat", "--nik", nik[:12], "--json")
    assert short.exit_code == 3 and "--nik" in short.stdout
    table = sakti("surat", "--bulan", "2026-10")
    assert table.exit_code == 0 and not re.search(r"\d{16}", table.stdout)


def test_tampilkan_nik_is_recorded_with_its_filter(office: Built, sakti: Cli) -> None:
    reg = office.letters[6]["nomor_registrasi"]
    nik = office.niks[reg]
    shown = sakti.json("surat", "--nik", nik, "--bulan", "2026-10", "--tampilkan-nik")
    assert shown["surat"][0]["nik"] == nik
    trail = sorted((office.root / "data" / "register" / "audit").glob("*.jsonl"))[-1]
    event = json.loads(trail.read_text(encoding="utf-8").splitlines()[-1])
    assert event["aksi"] == "tampilkan_nik" and event["detail"]["perintah"] == "surat"
    assert event["detail"]["argumen"]["bulan"] == "2026-10"
    assert event["detail"]["argumen"]["nik"] == f"{nik[:4]}********{nik[-4:]}"  # the trail never holds it whole
    assert nik not in trail.read_text(encoding="utf-8")


def test_xlsx_is_a_real_workbook(office: Built, sakti: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "surat-november"
    got = sakti.json("surat", "--bulan", "2026-11", "--xlsx", str(target))
    path = Path(got["berkas"]["xlsx"])
    assert path == target.with_suffix(".xlsx").resolve() and path.stat().st_mode & 0o777 == 0o600
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:L{got['jumlah'] + 1}"
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Tanggal", "Nomor surat", "Urut", "Status"]
    column = {name: index for index, name in enumerate(header)}
    first = next(iter(sheet.iter_rows(min_row=2, max_row=2)))
    assert isinstance(first[column["Tanggal"]].value, datetime) and first[column["Tanggal"]].is_date
    assert isinstance(first[column["Urut"]].value, int)
    nik = first[column["NIK"]]
    assert nik.data_type == "s" and re.fullmatch(r"6201\*{8}\d{4}", nik.value), nik.value
    assert first[column["Nomor surat"]].data_type == "s" and sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["G"].number_format == "@"  # the NIK column: typed into later, still text
    assert sheet.column_dimensions["B"].width >= 25
    assert sheet.max_row == got["jumlah"] + 1


def test_csv_and_the_terminal_at_80_columns(office: Built, sakti: Cli, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    result = sakti("permohonan", "--bulan", "2026-11", "--csv", str(tmp_path / "p.csv"))
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert (tmp_path / "p.csv").stat().st_mode & 0o777 == 0o600
    assert {row["Registrasi"] for row in rows} == {reg for reg in office.regs if reg.startswith("REG-202611")}
    assert all(re.fullmatch(r"6201\*{8}\d{4}", row["NIK"]) for row in rows)
    monkeypatch.setenv("SAKTI_LEBAR", "80")
    screen = sakti("surat", "--bulan", "2026-11").stdout
    assert max(len(line) for line in screen.splitlines()) <= 80
    november = [letter for letter in office.letters if _month(letter, "2026-11")]
    assert all(letter["nomor_surat"] in screen for letter in november)
    assert "BATAL" in screen and "Djoko" in screen


def test_unknown_service_or_status_is_refused(sakti: Cli) -> None:
    for args, option in ((("--layanan", "sktx"), "--layanan"), (("--status", "HILANG"), "--status"),
                         (("--bulan", "2026-13"), "--bulan"), (("--bulan", "2026-11", "--tahun", "2026"), "--tahun")):
        result = sakti("surat", *args, "--json")
        assert result.exit_code == 3 and option in json.loads(result.stdout)["error"]["pesan"], result.stdout


def test_a_listing_never_holds_the_write_lock(office: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half way through a listing (its read-only session open), the desk registers an application and issues
    its letter with a lock wait of 0.5 s: both go through, and the listing then ends as it began."""
    from datetime import date

    from daftar_register import _issue, _sktm

    from sakti_cli.listings.rows import Query, letter_listing
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import register_application
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    ws = find_workspace(office.root)
    listing = letter_listing(ws, open_register(ws.register_dir, zone=ws.zone, actor="baca"), Query())
    first = [next(listing.rows) for _ in range(5)]
    desk = open_register(ws.register_dir, zone=ws.zone, actor="loket", lock_timeout=0.5)
    record = register_application(ws, desk, load_service(ws.sop_dir, "sktm"),
                                  _sktm("Warga Baru", "Raja", "6201025403850077", date(2026, 11, 30)), [],
                                  date(2026, 11, 30))
    issued = _issue(ws, desk, load_service(ws.sop_dir, "sktm"), record["nomor_registrasi"], "camat")
    rest = list(listing.rows)
    assert [row["nomor_surat"] for row in first + rest][:len(office.letters)] == [
        letter["nomor_surat"] for letter in office.letters]
    assert issued["status"] == "TERBIT"


def test_unknown_signatory_id_is_refused_a_former_one_still_listed(office: Built, sakti: Cli, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in --penandatangan is exit 3 naming the ids, not an empty list; an id gone from sakti.toml (the
    former sekcam) still lists the letters it signed."""
    for listing in ("surat", "permohonan"):
        result = sakti(listing, "--penandatangan", "sekcm", "--json")
        error = json.loads(result.stdout)["error"]
        assert result.exit_code == 3 and "--penandatangan 'sekcm'" in error["pesan"], result.stdout
        assert "camat" in error["saran"] and "sekcam" in error["saran"]
    assert sakti.json("surat", "--penandatangan", "sekcam", "--tahun", "2025")["surat"] == []  # known id: empty
    import shutil
    import tomllib

    copy = tmp_path / "kantor"
    shutil.copytree(office.root, copy, symlinks=True)
    config = copy / "sakti.toml"
    text = config.read_text(encoding="utf-8")
    start = text.rindex("[[penandatangan]]", 0, text.index('id = "sekcam"'))
    end = text.find("[[penandatangan]]", start + 1)
    config.write_text(text[:start] + (text[end:] if end != -1 else ""), encoding="utf-8")
    assert "sekcam" not in {p["id"] for p in tomllib.loads(config.read_text())["penandatangan"]}
    monkeypatch.setenv("SAKTI_KANTOR", str(copy))
    [skck] = sakti.json("surat", "--penandatangan", "sekcam")["surat"]
    assert skck["layanan"] == "skck"
