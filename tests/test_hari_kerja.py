"""Working days and the holiday calendar: weekends, national holidays, cuti bersama, year ends, the
service-time clock, and the working-day rules through the CLI with a fixed clock (SAKTI_WAKTU)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import REPO, Cli, example, example_copy

from sakti_cli.services.rules.kalender import Calendar, load_calendar


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return load_calendar(REPO / "sop")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 11, 2), date(2026, 11, 16), 9),  # Mon -> Mon: the example, dispensation applies
        (date(2026, 10, 30), date(2026, 11, 16), 10),  # Fri -> Mon: no dispensation needed
        (date(2026, 11, 20), date(2026, 11, 23), 0),  # Fri -> Mon: only a weekend between
        (date(2026, 11, 16), date(2026, 11, 17), 0),  # next day: both ends excluded
        (date(2026, 11, 17), date(2026, 11, 16), 0),  # reversed
        (date(2026, 3, 17), date(2026, 3, 25), 0),  # Nyepi, cuti bersama and Idul Fitri 1447 fill the week
        (date(2026, 5, 13), date(2026, 5, 18), 0),  # Kenaikan (Thu) + cuti bersama (Fri) + weekend
        (date(2026, 12, 23), date(2027, 1, 4), 4),  # year end: cuti bersama 24/12, Natal, 1 Januari
        (date(2025, 12, 24), date(2026, 1, 5), 4),  # the year before: Natal, cuti bersama 26/12, 1 Januari
        (date(2025, 3, 27), date(2025, 4, 9), 1),  # Idul Fitri 1446 with its cuti bersama: only 8 April
    ],
)
def test_workdays_strictly_between(calendar: Calendar, start: date, end: date, days: int) -> None:
    assert calendar.workdays_between(start, end) == days


def test_holiday_names_and_workdays(calendar: Calendar) -> None:
    assert calendar.holiday(date(2026, 12, 24)) == "cuti bersama Kelahiran Yesus Kristus"
    assert calendar.holiday(date(2026, 8, 17)) == "Proklamasi Kemerdekaan Republik Indonesia"
    assert not calendar.is_workday(date(2026, 11, 22))  # Sunday
    assert calendar.is_workday(date(2026, 11, 23))
    assert calendar.years == [2025, 2026] and calendar.official(2026) and not calendar.official(2027)


def test_official_years_agree_with_the_package() -> None:
    """2025 and 2026 (SKB) and the holidays package list the same national holidays."""
    from sakti_cli.services.rules.kalender import package_holidays

    spec = load_calendar(REPO / "sop").spec
    for year in (2025, 2026):
        assert {h.tanggal for h in spec.tahun[year].libur} == set(package_holidays(year)), year


def test_years_without_the_skb_come_from_the_package_with_a_warning() -> None:
    calendar = load_calendar(REPO / "sop")
    assert calendar.warning() is None
    assert calendar.holiday(date(2027, 3, 8)) is not None  # Nyepi 2027 (the old hand estimate said 9 March)
    assert calendar.is_workday(date(2027, 3, 9))
    assert calendar.holiday(date(2027, 12, 27)) is None and calendar.holiday(date(2027, 12, 26)) is not None
    assert "perkiraan" in (calendar.holiday(date(2027, 3, 10)) or "")  # Idul Fitri: an estimate, said so
    # from 1 January 2028 the office keeps counting, and says which year is not official
    assert calendar.workdays_between(date(2027, 12, 20), date(2028, 1, 10)) == 14  # 1 Jan 2028 is a Saturday
    assert "2027, 2028" in (calendar.warning() or "") and "_kalender.yaml" in (calendar.warning() or "")


def test_official_year_overrides_the_package(tmp_path: Path) -> None:
    """A year marked resmi is used as written: a package holiday it leaves out is a working day."""
    import shutil

    shutil.copytree(REPO / "sop", tmp_path / "sop")
    path = tmp_path / "sop" / "_kalender.yaml"
    path.write_text(path.read_text().replace("      - {tanggal: 2026-08-17, nama: Proklamasi Kemerdekaan Republik "
                                             "Indonesia}\n", ""))
    calendar = load_calendar(tmp_path / "sop")
    assert calendar.is_workday(date(2026, 8, 17)) and calendar.warning() is None


def test_working_minutes(calendar: Calendar) -> None:
    from datetime import timedelta, timezone

    wib = timezone(timedelta(hours=7))
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=wib)
    assert calendar.working_minutes(friday, datetime(2026, 11, 23, 8, 0, tzinfo=wib)) == 90 + 30
    assert calendar.working_minutes(datetime(2026, 11, 22, 9, 30, tzinfo=wib),
                                    datetime(2026, 11, 22, 15, 0, tzinfo=wib)) == 0  # Sunday
    assert calendar.working_minutes(datetime(2026, 12, 23, 15, 0, tzinfo=wib),
                                    datetime(2026, 12, 28, 8, 0, tzinfo=wib)) == 60 + 30  # over Christmas
    assert calendar.minutes_per_day() == 510


def _data(tmp_path: Path, name: str, **changes: object) -> Path:
    raw = json.loads(example(name).read_text())
    raw["isian"].update(changes)
    target = example_copy(tmp_path, name) / f"{name}-ubah.json"
    target.write_text(json.dumps(raw))
    return target


def _lines(cli: Cli, reg: str, code: int) -> dict[str, dict]:
    return {line["kode"]: line for line in cli.json("periksa", reg, code=code)["hasil"]}


@pytest.mark.parametrize(
    ("registered", "kua", "akad", "complete", "days"),
    [
        ("2026-11-03T09:00:00+07:00", "2026-11-02", "2026-11-16", True, 9),
        ("2026-11-03T09:00:00+07:00", "2026-10-30", "2026-11-16", False, 10),
        # across the year end: cuti bersama 24/12, Natal, 1 Januari and Isra Mikraj 5/1/2027 (estimated) excluded
        ("2026-12-23T09:00:00+07:00", "2026-12-23", "2027-01-11", True, 8),
        ("2026-12-22T09:00:00+07:00", "2026-12-22", "2027-01-12", False, 10),
    ],
)
def test_dispensation_window_through_cli(kantor: Path, cli: Cli, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, registered: str, kua: str, akad: str,
                                         complete: bool, days: int) -> None:
    monkeypatch.setenv("SAKTI_WAKTU", registered)
    data = _data(tmp_path, "dispensasi-nikah", tanggal_daftar_kua=kua, tanggal_akad=akad)
    reg = cli.json("daftar", "dispensasi-nikah", "--data", str(data))["nomor_registrasi"]
    lines = _lines(cli, reg, 0 if complete else 1)
    window = lines["kurang_10_hari_kerja"]
    assert f"{days} hari kerja di antara" in window["pesan"]
    assert window["status"] == ("OK" if complete else "TIDAK_VALID")
    if not complete:
        assert "tidak diperlukan" in window["pesan"] and f"sakti tolak {reg}" in window["pesan"]
        assert cli.json("tolak", reg, "--alasan", "pemberitahuan sudah 10 hari kerja")["status"] == "DITOLAK"


def test_bride_under_19_is_refused_for_the_court(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    data = _data(tmp_path, "dispensasi-nikah", nik_istri="6201025512080002", tanggal_lahir_istri="2008-12-15")
    reg = cli.json("daftar", "dispensasi-nikah", "--data", str(data))["nomor_registrasi"]
    lines = _lines(cli, reg, 1)
    assert lines["umur_istri"]["status"] == "TIDAK_VALID"
    assert "Pengadilan Agama" in lines["umur_istri"]["pesan"] and "17 tahun" in lines["umur_istri"]["pesan"]
    assert "sakti tolak" in lines["umur_istri"]["pesan"]
    human = cli("periksa", reg)
    assert human.exit_code == 1 and "Pengadilan" in human.stdout


def test_consent_required_under_21_only(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    raw = json.loads(_data(tmp_path, "dispensasi-nikah").read_text())
    del raw["berkas"]["izin_orang_tua"]
    without = example_copy(tmp_path, "dispensasi-nikah") / "tanpa-izin.json"
    without.write_text(json.dumps(raw))
    reg = cli.json("daftar", "dispensasi-nikah", "--data", str(without))["nomor_registrasi"]
    lines = _lines(cli, reg, 1)
    assert lines["izin_orang_tua"]["status"] == "KURANG" and "wajib karena" in lines["izin_orang_tua"]["pesan"]
    assert "20 tahun" in lines["izin_ortu_istri"]["pesan"]
    raw["isian"].update(nik_istri="6201025005040004", tanggal_lahir_istri="2004-05-10")  # 22 at the akad
    without.write_text(json.dumps(raw))
    reg = cli.json("daftar", "dispensasi-nikah", "--data", str(without))["nomor_registrasi"]
    lines = _lines(cli, reg, 0)
    assert lines["izin_orang_tua"]["pesan"] == "tidak dilampirkan (tidak wajib)"


@pytest.mark.parametrize(
    ("registered", "event", "ok", "days"),
    [
        ("2026-11-22T09:30:00+07:00", "2026-12-12", True, 15),
        ("2026-11-22T09:30:00+07:00", "2026-12-11", True, 14),
        ("2026-11-22T09:30:00+07:00", "2026-12-10", False, 13),
        # registered just before Christmas: Dec 24/25, Jan 1 and (estimated) Isra Mikraj 5 Jan 2027 excluded
        ("2026-12-14T10:00:00+07:00", "2027-01-07", False, 13),
        ("2026-12-14T10:00:00+07:00", "2027-01-08", True, 14),
    ],
)
def test_event_window_through_cli(kantor: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  registered: str, event: str, ok: bool, days: int) -> None:
    monkeypatch.setenv("SAKTI_WAKTU", registered)
    data = _data(tmp_path, "izin-keramaian", tanggal_acara=event)
    reg = cli.json("daftar", "izin-keramaian", "--data", str(data))["nomor_registrasi"]
    lines = _lines(cli, reg, 0 if ok else 1)
    assert lines["waktu_lokal"]["status"] == ("OK" if ok else "TIDAK_VALID")
    assert f"{days} hari kerja di antara tanggal daftar" in lines["waktu_lokal"]["pesan"]
    assert lines["waktu_nasional"]["pesan"] == "tidak berlaku: skala kegiatan 'Lokal'"


def test_holiday_added_by_staff_changes_the_count(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    calendar = kantor / "sop" / "_kalender.yaml"
    text = calendar.read_text()
    calendar.write_text(text.replace(
        "      - {tanggal: 2026-12-24, nama: Kelahiran Yesus Kristus}",
        "      - {tanggal: 2026-12-24, nama: Kelahiran Yesus Kristus}\n"
        "      - {tanggal: 2026-12-07, nama: Cuti bersama tambahan (uji)}"))
    data = _data(tmp_path, "izin-keramaian", tanggal_acara="2026-12-11")  # 14 working days without it
    reg = cli.json("daftar", "izin-keramaian", "--data", str(data))["nomor_registrasi"]
    assert "13 hari kerja" in _lines(cli, reg, 1)["waktu_lokal"]["pesan"]


def test_year_without_the_skb_works_and_warns_in_periksa(kantor: Path, cli: Cli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_WAKTU", "2027-12-01T09:00:00+07:00")
    data = _data(tmp_path, "izin-keramaian", tanggal_acara="2028-01-20")
    reg = cli.json("daftar", "izin-keramaian", "--data", str(data))["nomor_registrasi"]
    line = _lines(cli, reg, 0)["waktu_lokal"]
    assert line["status"] == "OK" and "kalender tahun 2027, 2028 belum resmi" in line["pesan"]


def test_service_clock(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import load
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.checks import service_clock
    from sakti_cli.services.sop import load_service

    monkeypatch.setenv("SAKTI_WAKTU", "2026-11-20T15:00:00+07:00")  # Friday afternoon
    reg = cli.json("daftar", "pindah", "--data", str(example("pindah")))["nomor_registrasi"]
    ws = find_workspace(kantor)
    record = load(ws, open_register(ws.register_dir, zone=ws.zone), reg)
    service = load_service(ws.sop_dir, "pindah")
    clock = service_clock(ws, service, record, datetime.fromisoformat("2026-11-23T08:00:00+07:00"))
    assert clock["menit_kerja"] == 120 and clock["sampai"] == "sekarang" and clock["teks"] == "2 jam kerja"
    assert clock["batas_menit"] == 510 and clock["dalam_batas"] is True  # pindah: 1 hari kerja
    late = service_clock(ws, service, record, datetime.fromisoformat("2026-11-24T10:00:00+07:00"))
    assert late["menit_kerja"] == 90 + 510 + 150 and late["dalam_batas"] is False
    record["surat"] = {"terbit": "2026-11-23T07:45:00+07:00"}
    assert service_clock(ws, service, record, datetime.fromisoformat("2026-12-01T08:00:00+07:00"))[
        "menit_kerja"] == 105
