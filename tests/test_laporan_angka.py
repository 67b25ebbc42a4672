"""``sakti laporan``'s figures against the tests' own count: a register of a few hundred applications and letters
over two months (tests/laporan_data.py: refused, cancelled and replaced, sent back, abandoned reservations, a
holiday inside the month), every figure of November and of October (the trend) counted here from what the
generator says happened, service times by a minute-by-minute count of office hours."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from laporan_data import HOLIDAY, WIB, Built, build, check_payload

from sakti_cli.reports.figures import build_report, percentile, report_payload
from sakti_cli.reports.period import ReportPeriod, report_period


@pytest.fixture(scope="module")
def built() -> Built:
    return build()


def test_the_register_has_what_the_report_must_tell_apart(built: Built) -> None:
    kinds = Counter(e.kind for e in built.events)
    assert 250 <= len(built.letters) <= 700 and kinds["ditolak"] >= 10 and kinds["batal"] >= 10
    across = next(e for e in built.events if e.kind == "terbit" and e.moment.date() == date(2026, 11, 11)
                  and e.service == "pindah" and e.village == "Raja" and e.moment.hour == 8)
    assert across.minutes == 30 + 30  # Monday 15:30-16:00, the holiday, Wednesday 07:30-08:00


def test_figures_of_a_month_match_an_independent_count(built: Built) -> None:
    from sakti_cli.services.rules.kalender import load_calendar

    calendar = _calendar_with_holiday(load_calendar(_sop()))
    services = _services(calendar)
    applications = {a["nomor_registrasi"]: a for a in built.applications}
    report = build_report(ReportPeriod.month(2026, 11), services, calendar, WIB,
                          sorted(built.applications, key=lambda a: a["dibuat"]), built.letters,
                          applications.get, _village_of())
    check_payload(report_payload(report), built)


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile(Counter({5: 1, 10: 1, 15: 1, 20: 1}), 50) == 10
    assert percentile(Counter({5: 1, 10: 1, 15: 1, 20: 1}), 90) == 20
    assert percentile(Counter({7: 3}), 90) == 7 and percentile(Counter(), 50) is None


def test_periods() -> None:
    def period(**given: Any) -> ReportPeriod:
        return report_period(**{"bulan": None, "tahun": None, "dari": None, "sampai": None, **given},
                             today=date(2026, 11, 20))

    assert period(bulan="2026-12") == ReportPeriod.month(2026, 12)
    assert ReportPeriod.month(2026, 1).previous() == ReportPeriod.month(2025, 12)
    assert ReportPeriod.year(2026).previous() == ReportPeriod.year(2025)
    assert period(dari="2026-11-10", sampai="2026-11-16").previous() == ReportPeriod(
        date(2026, 11, 3), date(2026, 11, 9), "rentang")
    assert period() == ReportPeriod.month(2026, 11)
    assert period(sampai="2026-11-20").dari == date(2026, 11, 1)


def _sop() -> Any:
    from conftest import REPO

    return REPO / "sop"


def _calendar_with_holiday(calendar: Any) -> Any:
    """The bundled calendar and the tests' holiday (Tuesday 10 November 2026)."""
    from sakti_cli.services.rules.kalender import Calendar, CalendarYear, Holiday

    year = calendar.spec.tahun[2026]
    extra = CalendarYear(sumber=year.sumber, status=year.status, cuti_bersama=year.cuti_bersama,
                         libur=[*year.libur, Holiday(tanggal=HOLIDAY, nama="Libur uji")])
    return Calendar(calendar.source, calendar.spec.model_copy(update={"tahun": {**calendar.spec.tahun, 2026: extra}}))


def _services(calendar: Any) -> Any:
    from sakti_cli.reports.monthly import service_infos
    from sakti_cli.services.sop import load_services

    return service_infos(load_services(_sop()), calendar)


def _village_of() -> Any:
    from sakti_cli.register.search import applicant_place
    from sakti_cli.services.sop import load_services

    services = load_services(_sop())
    return lambda code, data: applicant_place(services[code], data)


def test_day_after(built: Built) -> None:
    """A letter issued on the next working day after a Friday afternoon counts both days' office time."""
    month_end = next(e for e in built.events if e.kind == "terbit" and e.moment.date() == date(2026, 11, 2)
                     and e.service == "sktm" and e.village == "Baru" and e.moment.hour == 8
                     and e.moment.minute == 0 and e.minutes == 60)
    assert month_end.moment - timedelta(days=3) < month_end.moment
