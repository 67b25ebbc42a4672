"""The one time form for people (``waktu_singkat``) and the table renderer's promises, without an office."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.clock import ZONES
from sakti_cli.core.id_format import bulan_indonesia, waktu_singkat


def test_one_indonesian_form_in_the_office_zone() -> None:
    moment = datetime(2026, 12, 1, 18, 4, tzinfo=UTC)
    assert waktu_singkat(moment, ZONES["WIB"]) == "2 Des 2026 01.04 WIB"
    assert waktu_singkat(moment, ZONES["WITA"]) == "2 Des 2026 02.04 WITA"
    assert waktu_singkat("2026-12-01T18:04:00", ZONES["WIT"]) == "2 Des 2026 03.04 WIT"  # naive: UTC
    assert waktu_singkat("2026-08-17T09:05:00+07:00", None) == "17 Agu 2026 09.05 WIB"  # its own zone, named
    assert waktu_singkat(None, ZONES["WIB"]) == waktu_singkat("", ZONES["WIB"]) == "-"
    # the short names come from the one month table
    assert [waktu_singkat(datetime(2026, m, 1, tzinfo=UTC), UTC).split()[1] for m in range(1, 13)] == [
        bulan_indonesia(m)[:3] for m in range(1, 13)]


def _render(width: int, columns: list[Col], rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    print_table(Console(file=buffer, width=width, color_system=None), columns, rows)
    return buffer.getvalue()


def test_identifiers_stay_whole_and_paths_leave_the_table_when_narrow() -> None:
    path = "/srv/kantor/data/surat/2026/12/400.12.3.2_001_ARSEL_XII_2026.pdf"
    rows = [("REG-202612-0001", "Rizky Pratama & Nurul Hidayah", "400.12.3.2/001/ARSEL/XII/2026", path)]
    columns = [Col("Registrasi", "identifier"), Col("Nama"), Col("Nomor surat", "identifier", drop=1),
               Col("PDF", "path")]
    for width in (200, 80, 60, 40):
        shown = _render(width, columns, rows)
        assert "…" not in shown and "REG-202612-0001" in shown and path in shown, (width, shown)
        assert all(len(line) <= width for line in shown.splitlines() if path not in line), (width, shown)
    narrow = _render(60, columns, rows)
    assert "kolom Nomor surat tidak muat" in narrow  # dropped, and said
    beneath = [Col("Registrasi", "identifier"), Col("Nama"),
               Col("Nomor surat", "identifier", drop=1, beneath="Registrasi")]
    stacked = _render(60, beneath, [row[:3] for row in rows])
    assert "400.12.3.2/001/ARSEL/XII/2026" in stacked and "tidak muat" not in stacked, stacked


def test_an_sop_without_pemohon_still_names_the_applicant() -> None:
    """Offices whose sop/ was copied before the ``pemohon`` key: lists take ``nama`` or the first nama_..."""
    import yaml
    from conftest import REPO

    from sakti_cli.services.sop import Service

    for code, data, expected in (("ahli-waris", {"nama_pewaris": "H. Abdul Muis"}, "H. Abdul Muis"),
                                 ("sktm", {"nama": "Rusmini"}, "Rusmini"),
                                 ("hibah", {"nama_lembaga": "Masjid Al-Ikhlas"}, "Masjid Al-Ikhlas")):
        raw = yaml.safe_load((REPO / "sop" / f"{code}.yaml").read_text())
        raw.pop("pemohon", None)
        assert Service.model_validate(raw).applicant_name(data) == expected, code
