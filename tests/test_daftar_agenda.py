"""``sakti agenda``: the buku agenda surat keluar as XLSX and A4-landscape PDF, every number of each scope in
order (paper numbers before 'nomor mulai' marked, voided ones with their reason and replacement), read back
with openpyxl and pypdf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Cli
from daftar_register import Built, office_fixture, sakti_fixture  # noqa: F401  (fixtures office, sakti)

SKTM = re.compile(r"400\.9\.14\.1/(\d{3})/ARSEL/")


def _pdf_text(path: Path) -> tuple[str, list[tuple[float, float]]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages), [
        (float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]


def test_the_year_book_has_every_number_in_order(office: Built, sakti: Cli, tmp_path: Path) -> None:
    got = sakti.json("agenda", "--tahun", "2026", "--xlsx", str(tmp_path / "agenda"), "--pdf",
                     str(tmp_path / "agenda"))
    sktm = [letter for letter in office.letters if letter["layanan"] == "sktm"]
    by_scope = {part["lingkup"]: part for part in got["bagian"]}
    assert set(by_scope) == {"nomor|layanan:sktm|2026", "nomor|layanan:skck|2026"}
    part = by_scope["nomor|layanan:sktm|2026"]
    assert (part["surat"], part["batal"], part["nomor_kertas"], part["nomor_hilang"]) == (
        len(sktm), len(office.voided), 4, 0)
    assert got["jumlah_surat"] == len(office.letters)

    text, sizes = _pdf_text(tmp_path / "agenda.pdf")
    assert all(width > height and round(width) == 842 for width, height in sizes)  # A4 landscape
    assert "BUKU AGENDA SURAT KELUAR TAHUN 2026" in text and "Urutan nomor: layanan sktm, tahun 2026" in text
    numbers = [int(n) for n in SKTM.findall(text)]
    issued = [int(SKTM.search(letter["nomor_surat"]).group(1)) for letter in sktm]  # type: ignore[union-attr]
    assert sorted(set(numbers)) == list(range(5, 5 + len(sktm))) == issued  # no gap, in order, from 5
    first_number = [n for i, n in enumerate(numbers) if n not in numbers[:i]]
    assert first_number == sorted(first_number)
    assert re.search(r"nomor 1–4 diterbitkan di buku agenda kertas", text)
    assert text.index("1–4") < text.index("400.9.14.1/005/")
    flat = " ".join(text.split())
    for reason in office.voided.values():
        assert f"BATAL: {reason}" in flat, reason
    old, new = next(iter(office.replaced.items()))
    assert f"diganti oleh {new}" in flat and f"mengganti {old}" in flat
    assert "SITI AMINAH, S.STP" in flat or "Sekretaris Kecamatan" in flat  # the SKCK letter's signatory

    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "agenda.xlsx")
    assert len(book.sheetnames) == 2
    sheet = book[next(name for name in book.sheetnames if "sktm" in name)]
    assert sheet["A1"].value == "BUKU AGENDA SURAT KELUAR TAHUN 2026" and sheet.freeze_panes == "A5"
    header = [cell.value for cell in sheet[4]]
    assert header == ["No. urut", "Tanggal", "Nomor surat", "Perihal/layanan", "Kepada/pemohon",
                      "Desa/kelurahan", "Penandatangan", "Keterangan"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0][0] == "1–4" and "kertas" in rows[0][7]
    assert [row[0] for row in rows[1:]] == list(range(5, 5 + len(sktm)))
    assert sheet.auto_filter.ref == f"A4:H{4 + len(rows)}"
    assert (tmp_path / "agenda.pdf").stat().st_mode & 0o777 == 0o600


def test_a_month_book_starts_where_the_month_starts(office: Built, sakti: Cli, tmp_path: Path) -> None:
    got = sakti.json("agenda", "--bulan", "2026-11", "--pdf", str(tmp_path / "nov.pdf"))
    november = [letter for letter in office.letters
                if letter["layanan"] == "sktm" and letter["dipesan"].startswith("2026-11")]
    text, _ = _pdf_text(tmp_path / "nov.pdf")
    numbers = sorted({int(n) for n in SKTM.findall(text)})
    assert numbers == [int(SKTM.search(letter["nomor_surat"]).group(1)) for letter in november]  # type: ignore[union-attr]
    assert "buku agenda kertas" not in text and "tidak tercatat" not in text
    assert sum(part["surat"] for part in got["bagian"]) == len(november) + 1  # and the SKCK letter


def test_the_terminal_book_and_the_period_is_required(sakti: Cli) -> None:
    shown = sakti("agenda", "--bulan", "2026-10")
    assert shown.exit_code == 0 and "Buku Agenda Surat Keluar Oktober 2026" in shown.stdout
    assert "salah ketik" in shown.stdout
    missing = sakti("agenda", "--json")
    assert missing.exit_code == 3 and "--bulan" in missing.stdout


@pytest.mark.parametrize("option", ["--xlsx", "--pdf"])
def test_a_folder_that_does_not_exist_is_refused(sakti: Cli, tmp_path: Path, option: str) -> None:
    result = sakti("agenda", "--tahun", "2026", option, str(tmp_path / "tidak-ada" / "agenda"))
    assert result.exit_code == 3 and "tidak-ada" in result.stderr
