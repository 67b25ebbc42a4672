"""The holiday calendar (``sop/_kalender.yaml``): working days, working hours, the service clock.

The calendar is data in the workspace, edited by staff each year from the SKB 3 Menteri on national
holidays and cuti bersama. Every working-day rule and the service-time clock read it. A year marked
``status: resmi`` is used exactly as written; any other year takes the national holidays of the
``holidays`` package (plus what the YAML adds), so the office keeps counting on 1 January of a year
nobody has typed in yet, and the count says so (``Calendar.warning``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sakti_cli.core.errors import ConfigError
from sakti_cli.core.id_format import HARI
from sakti_cli.core.validation import load_yaml_text

CALENDAR_NAME = "_kalender.yaml"
DAY_NAMES = tuple(name.lower() for name in HARI)  # the YAML keys: senin ... minggu
DayName = Literal["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
_WEEKDAYS: tuple[DayName, ...] = ("senin", "selasa", "rabu", "kamis", "jumat")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holiday(_Strict):
    tanggal: date
    nama: str


class CalendarYear(_Strict):
    sumber: str = Field(description="dasar penetapan, mis. SKB 3 Menteri nomor ...")
    status: Literal["resmi", "perkiraan"] = Field(
        description="resmi: sudah dicocokkan dengan SKB (hanya daftar ini yang dipakai); perkiraan: SKB belum "
        "terbit, libur nasional dari paket holidays ditambah daftar ini")
    libur: list[Holiday] = Field(default_factory=list, description="hari libur nasional")
    cuti_bersama: list[Holiday] = Field(default_factory=list)


class CalendarFile(_Strict):
    """The schema of ``sop/_kalender.yaml``."""

    hari_kerja: list[DayName] = Field(default_factory=lambda: list(_WEEKDAYS))
    jam_kerja: dict[DayName, str] = Field(
        default_factory=lambda: {d: "07:30-16:00" for d in ("senin", "selasa", "rabu", "kamis")} | {
            "jumat": "07:30-16:30"},
        description="jam layanan per hari kerja, 'JJ:MM-JJ:MM'")
    tahun: dict[int, CalendarYear]

    @field_validator("jam_kerja")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, text in value.items():
            match = _HOURS.match(text)
            if not match or match.group(1, 2) >= match.group(3, 4):
                raise ValueError(f"jam_kerja.{day}: '{text}' harus berbentuk JJ:MM-JJ:MM, mulai sebelum selesai")
        return value

    @model_validator(mode="after")
    def _dates_in_their_year(self) -> CalendarFile:
        for year, entry in self.tahun.items():
            for group in ("libur", "cuti_bersama"):
                for index, day in enumerate(getattr(entry, group)):
                    if day.tanggal.year != year:
                        raise ValueError(f"tahun.{year}.{group}[{index}]: tanggal {day.tanggal} bukan tahun {year}")
        for day in self.jam_kerja:
            if day not in self.hari_kerja:
                raise ValueError(f"jam_kerja.{day}: '{day}' bukan hari kerja (lihat hari_kerja)")
        return self


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
    spec: CalendarFile
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
        text = self.spec.jam_kerja.get(DAY_NAMES[day.weekday()])  # type: ignore[call-overload]
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


def calendar_path(sop_dir: Path) -> Path:
    """The workspace's calendar; the bundled one when an older workspace has none."""
    path = sop_dir / CALENDAR_NAME
    if path.is_file():
        return path
    from sakti_cli.core.resources import bundled_dir

    return bundled_dir("sop") / CALENDAR_NAME


def parse_calendar(path: Path) -> CalendarFile:
    import yaml

    try:
        raw: Any = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Kalender libur {path} tidak ada.",
                          saran="Salin sop/_kalender.yaml dari paket sakti ke folder sop/ kantor.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        from sakti_cli.core.validation import syntax_error_place

        raise ConfigError(f"Kalender libur {path} bukan YAML yang sah ({syntax_error_place(exc)}).",
                          saran="Perbaiki penulisan berkas itu pada letak yang disebut.", berkas=str(path),
                          pustaka=str(exc)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"Kalender libur {path} harus berupa pemetaan kunci: nilai.", berkas=str(path),
                          saran="Tulis kalender sebagai YAML kunci: nilai; 'sakti sop periksa' memeriksanya.")
    try:
        return CalendarFile.model_validate(raw)
    except ValidationError as exc:
        from sakti_cli.services.problems import problems_from

        problems = problems_from(exc)
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise ConfigError(f"Kalender libur {path} tidak valid:\n{listing}",
                          saran="Perbaiki kolom yang disebut.", berkas=str(path), masalah=problems) from None


def load_calendar(sop_dir: Path) -> Calendar:
    path = calendar_path(sop_dir)
    return Calendar(path, parse_calendar(path))


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} jam {rest} menit"
    if hours:
        return f"{hours} jam"
    return f"{rest} menit"
