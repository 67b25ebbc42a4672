"""``sakti laporan`` as staff run it, over a real register: the two months of tests/laporan_data.py written through
the register interface, the holiday in the office's own calendar, then the report's JSON checked figure by
figure against the tests' own count, its XLSX opened with openpyxl (typed cells, frozen header, native charts)
and its PDF read with pypdf (text) and pdfplumber (the charts are drawn shapes)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from laporan_data import HOLIDAY, Built, build, check_payload

NOW = "2026-12-01T10:00:00+07:00"


def _add_holiday(office: Path) -> None:
    import yaml

    path = office / "sop" / "_kalender.yaml"
    calendar = yaml.safe_load(path.read_text(encoding="utf-8"))
    calendar["tahun"][2026]["libur"].append({"tanggal": HOLIDAY, "nama": "Libur uji"})
    path.write_text(yaml.safe_dump(calendar, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_register(office: Path, built: Built) -> None:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(office)
    write_records(open_register(ws.register_dir, zone=ws.zone, actor="uji"), built)


def write_records(register: Any, built: Built) -> None:
    """Every record of ``built`` through the register interface, in one transaction (as a migration would)."""
    with register.transaction() as session:
        for record in sorted(built.applications, key=lambda a: a["dibuat"]):
            session.add_application(json.loads(json.dumps(record)))
        for letter in built.letters:
            session.add_letter({**json.loads(json.dumps(letter)), "status": "DIPESAN"})
            stored = session.find_letter(number=letter["nomor_surat"])
            assert stored is not None
            stored.update(json.loads(json.dumps(letter)))  # type: ignore[typeddict-item]
            session.save_letter(stored)


@pytest.fixture(scope="module")
def built() -> Built:
    return build()


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Path:
    """The example office (no keys, no LibreOffice: a report needs neither) with the two months' register."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    ws = create_workspace(tmp_path_factory.mktemp("laporan") / "kantor", DEMO_OFFICE)
    _add_holiday(ws.root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("os.fsync", lambda fd: None)  # building the fixture's register, not a register under test
        write_register(ws.root, built)
    return ws.root


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ekspor")


@pytest.fixture(scope="module")
def report(office: Path, exports: Path) -> dict[str, Any]:
    """November's report with its XLSX and PDF, run once for the module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAKTI_KANTOR", str(office))
        patch.setenv("SAKTI_WAKTU", NOW)
        return Cli().json("laporan", "--bulan", "2026-11", "--xlsx", str(exports / "nov.xlsx"), "--pdf",
                          str(exports / "nov.pdf"))


def test_every_figure_of_the_month(report: dict[str, Any], built: Built) -> None:
    check_payload(report, built)
    assert report["jumlah"]["terbit"] > 100 and report["jumlah"]["batal"] > 5 and report["jumlah"]["ditolak"] > 5


def test_the_workbook(report: dict[str, Any], exports: Path) -> None:
    from openpyxl import load_workbook

    path = exports / "nov.xlsx"
    assert Path(report["berkas"]["xlsx"]) == path.resolve() and path.stat().st_mode & 0o777 == 0o600
    book = load_workbook(path)
    assert book.sheetnames == ["Ringkasan", "Layanan", "Desa", "Harian", "Alasan"]
    charts = {name: [type(c).__name__ for c in book[name]._charts] for name in book.sheetnames}
    assert charts == {"Ringkasan": ["BarChart"], "Layanan": ["BarChart", "BarChart"], "Desa": ["BarChart"],
                      "Harian": ["LineChart"], "Alasan": []}
    daily = book["Harian"]
    header = next(i for i, row in enumerate(daily.iter_rows(values_only=True), 1) if row[0] == "Tanggal")
    assert daily.freeze_panes == f"A{header + 1}" and daily.auto_filter.ref.startswith(f"A{header}:")
    rows = list(daily.iter_rows(min_row=header + 1, values_only=True))
    assert [(r[0].date().isoformat(), r[1], r[2]) for r in rows] == [
        (d["tanggal"], d["diterima"], d["terbit"]) for d in report["harian"]]
    assert all(isinstance(r[0], datetime) and isinstance(r[1], int) for r in rows)
    services = book["Layanan"]
    start = next(i for i, row in enumerate(services.iter_rows(values_only=True), 1) if row[0] == "Layanan")
    got = {r[0]: r[1:5] for r in services.iter_rows(min_row=start + 1, values_only=True)}
    assert got == {s["nama"]: (s["diterima"], s["terbit"], s["ditolak"], s["batal"]) for s in report["layanan"]}


def test_the_pdf_has_its_text_and_drawn_charts(report: dict[str, Any], exports: Path) -> None:
    import pdfplumber
    from pypdf import PdfReader

    path = exports / "nov.pdf"
    assert path.stat().st_mode & 0o777 == 0o600
    reader = PdfReader(path)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # table cells wrap
    assert "PEMERINTAH KABUPATEN KOTAWARINGIN BARAT" in text and "KECAMATAN ARUT SELATAN" in text
    assert "Laporan Pelayanan November 2026" in text and "Oktober 2026" in text
    for item in report["layanan"]:
        assert item["nama"] in text
    assert reader.metadata is not None and reader.metadata.title == "Laporan Pelayanan November 2026"
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[0]
        bars = [r for r in first.rects if r["height"] > 3 and r["width"] < 60 and r["non_stroking_color"]]
        assert len(bars) >= 7 * 2  # the bars per service (received, issued, ...), drawn as rectangles
        assert len(first.lines) + len(first.curves) > 20  # axes, ticks and the daily line


def test_terminal_report(office: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_KANTOR", str(office))
    monkeypatch.setenv("SAKTI_WAKTU", NOW)
    result = cli("laporan", "--bulan", "2026-11")
    assert result.exit_code == 0, result.stderr
    assert "Laporan pelayanan November 2026" in result.stdout and "█" in result.stdout
    assert "Per desa/kelurahan" in result.stdout and "Alasan penolakan" in result.stdout
    assert not re.search(r"\d{16}", result.stdout + result.stderr)  # no NIK, whole or otherwise


@pytest.mark.parametrize(("args", "said"), [
    (["--bulan", "2026-13"], "--bulan '2026-13' bukan bulan"),
    (["--bulan", "2026-11", "--tahun", "2026"], "--bulan dan --tahun tidak dapat dipakai bersama"),
    (["--dari", "2026-11-20", "--sampai", "2026-11-01"], "--dari 2026-11-20 sesudah --sampai 2026-11-01"),
])
def test_bad_periods(office: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str) -> None:
    monkeypatch.setenv("SAKTI_KANTOR", str(office))
    result = cli("laporan", *args)
    assert result.exit_code == 3 and said in result.stderr, result.stderr


def test_the_desk_writes_while_a_report_reads(office: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Halfway through the report's reading another desk's transaction commits (with a 1 s lock wait): the
    report holds no write lock while it runs."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.reports.figures import ReportBuilder

    monkeypatch.setenv("SAKTI_KANTOR", str(office))
    monkeypatch.setenv("SAKTI_WAKTU", NOW)
    ws = find_workspace(office)
    desk = open_register(ws.register_dir, zone=ws.zone, actor="loket2", lock_timeout=1.0)
    seen: list[str] = []
    original = ReportBuilder.add_application

    def reading(self: ReportBuilder, record: Any) -> None:
        if len(seen) == 100:
            with desk.transaction() as session:
                session.audit("uji_tulis", "LAPORAN", None, "ditulis")
        seen.append(str(record.get("nomor_registrasi")))
        original(self, record)

    monkeypatch.setattr(ReportBuilder, "add_application", reading)
    result = cli("laporan", "--bulan", "2026-11", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(seen) > 100
    with desk.reading() as session:
        assert [e["aksi"] for e in session.events(objek="LAPORAN")] == ["uji_tulis"]
