"""The holiday calendar (``sop/_kalender.yaml``): working days, working hours, the service clock.

The calendar is data in the workspace, edited by staff each year from the SKB 3 Menteri on national
holidays and cuti bersama. Every working-day rule and the service-time clock read it. A year marked
``status: resmi`` is used exactly as written; any other year takes the national holidays of the
``holidays`` package (plus what the YAML adds), so the office keeps counting on 1 January of a year
nobody has typed in yet, and the count says so (``Calendar.warning``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sakti_cli.core.errors import ConfigError
from sakti_cli.core.validation import load_yaml_text
from sakti_cli.services.rules.workdays import (  # noqa: F401  (their home is workdays)
    _HOURS,
    CALENDAR_NAME,
    Calendar,
    calendar_path,
    duration_text,
    package_holidays,
)

DayName = Literal["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
_WEEKDAYS: tuple[DayName, ...] = ("senin", "selasa", "rabu", "kamis", "jumat")


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


def calendar_data(calendar: Calendar) -> dict[str, Any]:
    """A validated calendar as plain JSON data (the checked snapshot read by 'sakti status',
    :func:`sakti_cli.services.rules.workdays.plain_calendar`)."""
    data: dict[str, Any] = calendar.spec.model_dump(mode="json")
    return {**data, "sumber": str(calendar.source)}
