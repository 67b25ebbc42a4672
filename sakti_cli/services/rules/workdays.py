"""Working days and office hours of a calendar, and the service clock: no pydantic, no YAML.

:mod:`sakti_cli.services.rules.kalender` reads and validates ``sop/_kalender.yaml`` into a :class:`Calendar`;
'sakti status' on its start-up path (sakti_cli/cli/fast.py) builds the same Calendar from the checked
snapshot of that file (:func:`plain_calendar`), so both count the same minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from sakti_cli.core.errors import ConfigError
from sakti_cli.core.id_format import HARI
from sakti_cli.register.states import ApplicationStatus

CALENDAR_NAME = "_kalender.yaml"
DAY_NAMES = tuple(name.lower() for name in HARI)  # the YAML keys: senin ... minggu
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def package_holidays(year: int) -> dict[date, str]:
    """Indonesia's national holidays of ``year`` from the ``holidays`` package, names in Indonesian.

    Dates of Islamic holidays it can only compute are named "(perkiraan)" by the package itself.
    """
    import holidays

    return dict(holidays.country_holidays("ID", years=[year], language="id").items())


@dataclass(frozen=True)
class Calendar:
    """Working days of the office: official years from the YAML, any other year from the package."""

    source: Path
    spec: Any  # kalender.CalendarFile, or PlainCalendar from a checked snapshot
    _package: dict[int, dict[date, str]] = field(default_factory=dict, repr=False, compare=False)
    unofficial_used: set[int] = field(default_factory=set, repr=False, compare=False)

    @property
    def years(self) -> list[int]:
        """The years the YAML holds (official or not)."""
        return sorted(self.spec.tahun)

    def official(self, year: int) -> bool:
        entry = self.spec.tahun.get(year)
        return entry is not None and entry.status == "resmi"

    def holiday(self, day: date) -> str | None:
        """The name of the holiday or cuti bersama on ``day``, or None."""
        entry = self.spec.tahun.get(day.year)
        if entry is not None:
            for item in entry.libur:
                if item.tanggal == day:
                    return item.nama
            for item in entry.cuti_bersama:
                if item.tanggal == day:
                    return f"cuti bersama {item.nama}"
            if entry.status == "resmi":
                return None
        self.unofficial_used.add(day.year)
        if day.year not in self._package:
            self._package[day.year] = package_holidays(day.year)
        return self._package[day.year].get(day)

    def warning(self) -> str | None:
        """What to tell staff when a count used a year without the SKB's official dates."""
        if not self.unofficial_used:
            return None
        years = ", ".join(str(y) for y in sorted(self.unofficial_used))
        return (f"kalender tahun {years} belum resmi di {self.source.name}: hari libur nasional dari paket "
                "holidays (hari raya Islam perkiraan), cuti bersama belum ada; cocokkan dengan SKB 3 Menteri")

    def is_workday(self, day: date) -> bool:
        if DAY_NAMES[day.weekday()] not in self.spec.hari_kerja:
            return False
        return self.holiday(day) is None

    def workdays_between(self, start: date, end: date) -> int:
        """Working days strictly between ``start`` and ``end`` (both excluded); 0 when end <= start + 1."""
        count = 0
        day = start + timedelta(days=1)
        while day < end:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count

    def hours(self, day: date) -> tuple[time, time] | None:
        if not self.is_workday(day):
            return None
        text = self.spec.jam_kerja.get(DAY_NAMES[day.weekday()])
        if text is None:
            return None
        match = _HOURS.match(text)
        assert match is not None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return time(h1, m1), time(h2, m2)

    def working_minutes(self, start: datetime, end: datetime) -> int:
        """Minutes of office hours on working days between two aware moments (0 when end <= start)."""
        if end <= start:
            return 0
        total = 0
        day = start.date()
        while day <= end.date():
            span = self.hours(day)
            if span is not None:
                opens = datetime.combine(day, span[0], tzinfo=start.tzinfo)
                closes = datetime.combine(day, span[1], tzinfo=start.tzinfo)
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += int((hi - lo).total_seconds() // 60)
            day += timedelta(days=1)
        return total

    def limit_minutes(self, menit: int | None, hari_kerja: int | None) -> int:
        """An SOP's jangka waktu (``menit``, or ``hari_kerja`` days of office hours) in working minutes."""
        return menit if menit is not None else (hari_kerja or 0) * self.minutes_per_day()

    def minutes_per_day(self) -> int:
        """Length of the first working day's office hours, to turn 'N hari kerja' into minutes."""
        for name in self.spec.hari_kerja:
            text = self.spec.jam_kerja.get(name)
            if text:
                match = _HOURS.match(text)
                assert match is not None
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                return (h2 * 60 + m2) - (h1 * 60 + m1)
        return 8 * 60


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} jam {rest} menit"
    if hours:
        return f"{hours} jam"
    return f"{rest} menit"


def calendar_path(sop_dir: Path) -> Path:
    """The workspace's calendar; the bundled one when an older workspace has none."""
    path = sop_dir / CALENDAR_NAME
    if path.is_file():
        return path
    from sakti_cli.core.resources import bundled_dir

    return bundled_dir("sop") / CALENDAR_NAME


class PlainHoliday(NamedTuple):
    tanggal: date
    nama: str


class PlainYear(NamedTuple):
    status: str
    libur: list[PlainHoliday]
    cuti_bersama: list[PlainHoliday]


class PlainCalendar(NamedTuple):
    """What :class:`Calendar` reads of ``kalender.CalendarFile``, from its plain JSON data."""

    hari_kerja: list[str]
    jam_kerja: dict[str, str]
    tahun: dict[int, PlainYear]


def plain_calendar(data: Mapping[str, Any]) -> Calendar:
    """The Calendar of :func:`sakti_cli.services.rules.kalender.calendar_data`'s plain data."""
    def days(items: list[dict[str, Any]]) -> list[PlainHoliday]:
        return [PlainHoliday(date.fromisoformat(item["tanggal"]), item["nama"]) for item in items]

    years = {int(year): PlainYear(entry["status"], days(entry["libur"]), days(entry["cuti_bersama"]))
             for year, entry in data["tahun"].items()}
    return Calendar(Path(data["sumber"]), PlainCalendar(list(data["hari_kerja"]), dict(data["jam_kerja"]), years))


def service_clock(zone: timezone, limit: Any, record: Mapping[str, Any], moment: datetime,
                  calendar: Callable[[], Calendar]) -> dict[str, Any]:
    """``waktu_layanan``: working time from registration to issue (or to ``moment`` while not issued,
    or to the refusal), counted in office hours on working days of the holiday calendar, against the
    SOP's jangka_waktu (``limit``: ``menit``, ``hari_kerja``, ``teks``)."""
    start = datetime.fromisoformat(record["dibuat"]).astimezone(zone)
    letter = record.get("surat") or {}
    if letter.get("terbit"):
        end, until = datetime.fromisoformat(letter["terbit"]), "terbit"
    elif record.get("status") == ApplicationStatus.DITOLAK:
        end, until = datetime.fromisoformat(record["riwayat"][-1]["waktu"]), "ditolak"
    else:
        end, until = moment, "sekarang"
    out: dict[str, Any] = {"dari": record["dibuat"], "sampai": until, "batas": limit.teks}
    try:
        counted = calendar()
        minutes = counted.working_minutes(start, end.astimezone(zone))
        limit_minutes = counted.limit_minutes(limit.menit, limit.hari_kerja)
    except ConfigError as exc:
        out.update(menit_kerja=None, catatan=exc.pesan)
        return out
    out.update(menit_kerja=minutes, teks=f"{duration_text(minutes)} kerja", batas_menit=limit_minutes,
               dalam_batas=minutes <= limit_minutes)
    return out
