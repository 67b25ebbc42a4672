"""The figures of the monthly (yearly, any range) report, computed in one pass over the register's records.

What is counted in a period is what *happened* in it (so a month's report does not change once the month is
over, and twelve months add up to the year):

- ``diterima``: applications registered in the period;
- ``lengkap``: applications found complete (``periksa`` -> LENGKAP) in the period, each once;
- ``terbit``: letters issued in the period (a replacement letter counts too);
- ``ditolak``: applications refused in the period, with their reasons counted;
- ``batal``: letter numbers voided in the period (an issued letter cancelled, a letter the signatory sent back, a
  reservation closed), with their reasons counted.

The service time of a letter runs from the moment its application was complete (the ``periksa`` that found it
LENGKAP; after a cancelled letter, the cancellation) to its issue, in office minutes of working days of the
holiday calendar (:class:`~sakti_cli.services.rules.kalender.Calendar`), and is compared with the SOP's jangka
waktu. A signatory sending a letter back does not restart the clock: the applicant waited all along.

Records are read once, streamed: the figures keep counters (service times as a histogram of minutes), never the
records. Events of the period can belong to applications registered before it, so the records of
:data:`LOOKBACK_DAYS` days before the period are read as well (the report says so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from math import ceil
from typing import Any

from sakti_cli.register.states import ApplicationStatus as A
from sakti_cli.register.states import LetterStatus as L
from sakti_cli.reports.period import ReportPeriod

LOOKBACK_DAYS = 92
"""How far before a period records are read for its events (an application registered in August and issued
in November counts in November). An application open longer than this is not seen: the report notes it."""
NO_VILLAGE = "(tidak disebut)"
REASON_CHARS = 80


@dataclass(frozen=True)
class ServiceInfo:
    """What the report needs of an SOP: its name and jangka waktu (minutes; None: no standard known)."""

    kode: str
    nama: str
    batas_menit: int | None
    batas_teks: str = "-"
    hari_kerja: bool = False  # the standard is in working days (shown in days)


@dataclass
class Tally:
    """The counts of one group (a service, a desa/kelurahan, or all) in one period."""

    diterima: int = 0
    lengkap: int = 0
    terbit: int = 0
    ditolak: int = 0
    batal: int = 0
    alasan_tolak: Counter[str] = field(default_factory=Counter)
    alasan_batal: Counter[str] = field(default_factory=Counter)
    minutes: Counter[int] = field(default_factory=Counter)  # service time (working minutes) -> letters
    dalam_batas: int = 0  # timed letters within their SOP's standard
    diukur_batas: int = 0  # timed letters whose SOP has a standard

    def timed(self, minutes: int, limit: int | None) -> None:
        self.minutes[minutes] += 1
        if limit is not None:
            self.diukur_batas += 1
            self.dalam_batas += minutes <= limit

    def figures(self) -> dict[str, Any]:
        count = sum(self.minutes.values())
        return {
            "diterima": self.diterima, "lengkap": self.lengkap, "terbit": self.terbit, "ditolak": self.ditolak,
            "batal": self.batal,
            "waktu": {
                "jumlah": count,
                "median_menit": percentile(self.minutes, 50),
                "p90_menit": percentile(self.minutes, 90),
                "dalam_batas": self.dalam_batas,
                "persen_dalam_batas": round(100 * self.dalam_batas / self.diukur_batas, 1)
                if self.diukur_batas else None,
            },
        }


def percentile(histogram: Counter[int], p: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # not reached


def _reason(text: Any) -> str:
    words = " ".join(str(text or "").split()) or "-"
    return words if len(words) <= REASON_CHARS else words[: REASON_CHARS - 1] + "…"


def _group(table: dict[str, Tally], key: str) -> Tally:
    found = table.get(key)
    if found is None:  # not setdefault: a Tally (three Counters) made for every event adds up over a year
        found = table[key] = Tally()
    return found


@dataclass
class PeriodFigures:
    """All groups of one period."""

    period: ReportPeriod
    total: Tally = field(default_factory=Tally)
    services: dict[str, Tally] = field(default_factory=dict)
    villages: dict[str, Tally] = field(default_factory=dict)
    daily_received: Counter[date] = field(default_factory=Counter)
    daily_issued: Counter[date] = field(default_factory=Counter)

    def groups(self, service: str, village: str) -> tuple[Tally, Tally, Tally]:
        return self.total, _group(self.services, service), _group(self.villages, village or NO_VILLAGE)


@dataclass
class Report:
    current: PeriodFigures
    previous: PeriodFigures
    services: dict[str, ServiceInfo]
    notes: list[str] = field(default_factory=list)


def read_window(period: ReportPeriod) -> tuple[date, date]:
    """The registration (and reservation) dates whose records a report of ``period`` reads: the period, the one
    before it (the trend), and :data:`LOOKBACK_DAYS` before that."""
    return period.previous().dari - timedelta(days=LOOKBACK_DAYS), period.sampai


def _local_day(moment: str | None, zone: timezone) -> date | None:
    if not moment:
        return None
    return datetime.fromisoformat(moment).astimezone(zone).date()


def clock_start(history: list[Mapping[str, Any]], issued_at: int) -> str | None:
    """When the clock of the letter issued by ``history[issued_at]`` started: the first LENGKAP since the
    application was last incomplete or its letter last cancelled (a send-back does not restart it)."""
    start = None
    for entry in reversed(history[:issued_at]):
        if entry.get("ke") == A.LENGKAP:
            start = entry.get("waktu")
            if entry.get("dari") == A.TERBIT:
                break
        elif entry.get("ke") in (A.DITERIMA, A.BELUM_LENGKAP, None):
            break
    return start


def _periods_of(day: date | None, figures: tuple[PeriodFigures, ...]) -> list[PeriodFigures]:
    return [f for f in figures if day is not None and day in f.period]


class ReportBuilder:
    """Feed applications, then letters; read the :class:`Report`. ``village_of(service, data)`` names an
    application's desa/kelurahan; ``application_of(reg)`` finds one (for the few voided letters)."""

    def __init__(self, period: ReportPeriod, services: dict[str, ServiceInfo], calendar: Any, zone: timezone,
                 village_of: Callable[[str, Mapping[str, Any]], str | None]) -> None:
        self.report = Report(PeriodFigures(period), PeriodFigures(period.previous()), services)
        self.calendar = calendar
        self.zone = zone
        self.village_of = village_of
        self._both = (self.report.current, self.report.previous)

    def _village(self, record: Mapping[str, Any]) -> str:
        return self.village_of(str(record.get("layanan")), record.get("data") or {}) or NO_VILLAGE

    def add_application(self, record: Mapping[str, Any]) -> None:
        service = str(record.get("layanan") or "-")
        village = self._village(record)
        info = self.report.services.get(service)
        received = _local_day(record.get("dibuat"), self.zone)
        for figures in _periods_of(received, self._both):
            for tally in figures.groups(service, village):
                tally.diterima += 1
            if figures is self.report.current and received is not None:
                figures.daily_received[received] += 1
        history: list[Mapping[str, Any]] = list(record.get("riwayat") or [])
        completed: set[int] = set()  # id() of the periods this application was found complete in
        for index, entry in enumerate(history):
            day = _local_day(entry.get("waktu"), self.zone)
            for figures in _periods_of(day, self._both):
                to, came_from = entry.get("ke"), entry.get("dari")
                if to == A.LENGKAP and came_from not in (A.TERBIT, A.MENUNGGU_TTD) and id(figures) not in completed:
                    completed.add(id(figures))
                    for tally in figures.groups(service, village):
                        tally.lengkap += 1
                elif to == A.DITOLAK:
                    reason = _reason(record.get("alasan_tolak") or entry.get("catatan"))
                    for tally in figures.groups(service, village):
                        tally.ditolak += 1
                        tally.alasan_tolak[reason] += 1
                elif to == A.TERBIT:
                    self._issued(figures, service, village, info, history, index, entry, day)

    def _issued(self, figures: PeriodFigures, service: str, village: str, info: ServiceInfo | None,
                history: list[Mapping[str, Any]], index: int, entry: Mapping[str, Any], day: date | None) -> None:
        groups = figures.groups(service, village)
        for tally in groups:
            tally.terbit += 1
        if figures is self.report.current and day is not None:
            figures.daily_issued[day] += 1
        start = clock_start(history, index)
        if start is None:
            return
        minutes = self.calendar.working_minutes(datetime.fromisoformat(start).astimezone(self.zone),
                                                datetime.fromisoformat(str(entry["waktu"])).astimezone(self.zone))
        for tally in groups:
            tally.timed(minutes, info.batas_menit if info else None)

    def add_letter(self, letter: Mapping[str, Any], application_of: Callable[[str], Mapping[str, Any] | None]
                   ) -> None:
        if letter.get("status") != L.BATAL:
            return
        day = _local_day(letter.get("dibatalkan"), self.zone)
        periods = _periods_of(day, self._both)
        if not periods:
            return
        service = str(letter.get("layanan") or "-")
        application = application_of(str(letter.get("nomor_registrasi") or ""))
        village = self._village(application) if application is not None else NO_VILLAGE
        reason = _reason(letter.get("alasan_batal"))
        for figures in periods:
            for tally in figures.groups(service, village):
                tally.batal += 1
                tally.alasan_batal[reason] += 1

    def finish(self) -> Report:
        warning = self.calendar.warning() if hasattr(self.calendar, "warning") else None
        if warning:
            self.report.notes.append(warning)
        start, _end = read_window(self.report.current.period)
        self.report.notes.append(
            f"peristiwa dihitung pada tanggal terjadinya; permohonan dan surat sejak {start.isoformat()} dibaca "
            f"(yang didaftarkan lebih awal dan baru selesai dalam periode ini tidak terhitung)")
        return self.report


def build_report(period: ReportPeriod, services: dict[str, ServiceInfo], calendar: Any, zone: timezone,
                 applications: Iterable[Mapping[str, Any]], letters: Iterable[Mapping[str, Any]],
                 application_of: Callable[[str], Mapping[str, Any] | None],
                 village_of: Callable[[str, Mapping[str, Any]], str | None]) -> Report:
    """The report of ``period`` (and of the period before, for the trend) from the records of
    :func:`read_window`: applications in registration order, then letters."""
    builder = ReportBuilder(period, services, calendar, zone, village_of)
    for record in applications:
        builder.add_application(record)
    for letter in letters:
        builder.add_letter(letter, application_of)
    return builder.finish()


def _reasons(counter: Counter[str]) -> list[dict[str, Any]]:
    return [{"alasan": reason, "jumlah": count} for reason, count in sorted(counter.items(),
                                                                             key=lambda item: (-item[1], item[0]))]


def _change(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


def report_payload(report: Report) -> dict[str, Any]:
    """The report as data (``--json``, and what the terminal, XLSX and PDF show)."""
    current, previous = report.current, report.previous

    def period(p: ReportPeriod) -> dict[str, Any]:
        return {"jenis": p.jenis, "dari": p.dari.isoformat(), "sampai": p.sampai.isoformat(), "label": p.label}

    def with_trend(now: Tally, before: Tally | None) -> dict[str, Any]:
        out = now.figures()
        earlier = (before or Tally()).figures()
        out["sebelumnya"] = {key: earlier[key] for key in ("diterima", "lengkap", "terbit", "ditolak", "batal")}
        out["sebelumnya"]["median_menit"] = earlier["waktu"]["median_menit"]
        out["sebelumnya"]["persen_dalam_batas"] = earlier["waktu"]["persen_dalam_batas"]
        out["perubahan_terbit_persen"] = _change(now.terbit, (before or Tally()).terbit)
        return out

    codes = sorted(set(current.services) | set(previous.services),
                   key=lambda code: (code not in report.services, code))
    services = []
    for code in codes:
        info = report.services.get(code) or ServiceInfo(code, code, None)
        services.append({"kode": code, "nama": info.nama, "jangka_waktu": info.batas_teks,
                         "batas_menit": info.batas_menit, "satuan": "hari_kerja" if info.hari_kerja else "menit",
                         **with_trend(current.services.get(code, Tally()), previous.services.get(code))})
    villages = [{"nama": name, **current.villages[name].figures()}
                for name in sorted(current.villages, key=lambda n: (n == NO_VILLAGE, n))]
    daily = [{"tanggal": day.isoformat(), "diterima": current.daily_received.get(day, 0),
              "terbit": current.daily_issued.get(day, 0)} for day in current.period.days()]
    return {
        "periode": period(current.period),
        "pembanding": period(previous.period),
        "jumlah": with_trend(current.total, previous.total),
        "layanan": services,
        "desa": villages,
        "harian": daily,
        "alasan_tolak": _reasons(current.total.alasan_tolak),
        "alasan_batal": _reasons(current.total.alasan_batal),
        "catatan": list(report.notes),
    }
