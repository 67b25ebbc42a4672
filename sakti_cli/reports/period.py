"""The period a report covers (``--bulan 2026-11``, ``--tahun 2026``, ``--dari/--sampai``) and the one before it.

One parser for every command that takes a period (reports, listings, the agenda), so the options mean the same
everywhere: whole calendar days in the office's zone, both ends included, and the period before it (the trend
of a report) of the same kind: the month before, the year before, or as many days just before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sakti_cli.core.errors import InputError, UsageError
from sakti_cli.core.id_format import bulan_indonesia, tanggal_indonesia

PeriodKind = Literal["bulan", "tahun", "rentang"]
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class ReportPeriod:
    dari: date
    sampai: date  # included
    jenis: PeriodKind

    @property
    def label(self) -> str:
        """For people: ``November 2026``, ``Tahun 2026``, ``1 November 2026 s.d. 15 November 2026``."""
        if self.jenis == "bulan":
            return f"{bulan_indonesia(self.dari.month)} {self.dari.year}"
        if self.jenis == "tahun":
            return f"Tahun {self.dari.year}"
        return f"{tanggal_indonesia(self.dari)} s.d. {tanggal_indonesia(self.sampai)}"

    @property
    def key(self) -> str:
        """Short and sortable, for file names and JSON: ``2026-11``, ``2026``, ``2026-11-01_2026-11-15``."""
        if self.jenis == "bulan":
            return f"{self.dari:%Y-%m}"
        if self.jenis == "tahun":
            return str(self.dari.year)
        return f"{self.dari.isoformat()}_{self.sampai.isoformat()}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.dari <= day <= self.sampai

    def days(self) -> Iterator[date]:
        day = self.dari
        while day <= self.sampai:
            yield day
            day += timedelta(days=1)

    def previous(self) -> ReportPeriod:
        """The period before: the month before, the year before, or the same number of days just before."""
        if self.jenis == "bulan":
            last = self.dari - timedelta(days=1)
            return month_period(last.year, last.month)
        if self.jenis == "tahun":
            return year_period(self.dari.year - 1)
        length = (self.sampai - self.dari).days + 1
        return ReportPeriod(self.dari - timedelta(days=length), self.dari - timedelta(days=1), "rentang")


def month_period(year: int, month: int) -> ReportPeriod:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return ReportPeriod(first, following - timedelta(days=1), "bulan")


def year_period(year: int) -> ReportPeriod:
    return ReportPeriod(date(year, 1, 1), date(year, 12, 31), "tahun")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"Opsi {option} '{value}' bukan tanggal.",
                         saran=f"Tulis tanggal sebagai TTTT-BB-HH, mis. {option} 2026-11-01.") from None


def parse_period(*, bulan: str | None = None, tahun: int | None = None, dari: str | None = None,
                 sampai: str | None = None, today: date | None = None) -> ReportPeriod | None:
    """The period the options name (None when none is given). Exactly one of --bulan, --tahun or a range;
    a range without --sampai ends ``today``, without --dari starts on the first of --sampai's month."""
    given = [name for name, value in (("--bulan", bulan), ("--tahun", tahun)) if value is not None]
    if dari is not None or sampai is not None:
        given.append("--dari/--sampai")
    if len(given) > 1:
        raise UsageError(f"Pilih satu periode saja: {' atau '.join(given)}.",
                         saran="Mis. --bulan 2026-11, atau --tahun 2026, atau --dari 2026-11-01 --sampai 2026-11-15.")
    if bulan is not None:
        match = _MONTH.match(bulan.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise InputError(f"Opsi --bulan '{bulan}' bukan bulan.", saran="Tulis bulan sebagai TTTT-BB, mis. 2026-11.")
        return month_period(int(match.group(1)), int(match.group(2)))
    if tahun is not None:
        if not 2000 <= tahun <= 2999:
            raise InputError(f"Opsi --tahun '{tahun}' di luar jangkauan.", saran="Tulis tahun empat angka, mis. 2026.")
        return year_period(tahun)
    if dari is None and sampai is None:
        return None
    end = _day(sampai, "--sampai") if sampai is not None else (today or date.today())
    start = _day(dari, "--dari") if dari is not None else end.replace(day=1)
    if start > end:
        raise InputError(f"--dari {start.isoformat()} sesudah --sampai {end.isoformat()}.",
                         saran="Tukar kedua tanggal itu.")
    return ReportPeriod(start, end, "rentang")
