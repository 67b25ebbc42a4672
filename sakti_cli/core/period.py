"""A period typed by staff (``--dari``/``--sampai``, ``--bulan 2026-11``, ``--tahun 2026``) as two dates.

One reader for every listing, the agenda and the report, so ``--bulan`` means the same everywhere: a calendar
month of the office's zone, from its first to its last day, both included.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sakti_cli.core.errors import InputError
from sakti_cli.core.id_format import bulan_indonesia

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    dari: date | None = None
    sampai: date | None = None

    def label(self) -> str:
        """For titles: ``November 2026``, ``tahun 2026``, ``1 Nov 2026 s.d. 15 Nov 2026``, ``semua``."""
        start, end = self.dari, self.sampai
        if start and end and start.day == 1 and end == _month_end(end.year, end.month) and start.year == end.year:
            if start.month == 1 and end.month == 12:
                return f"tahun {start.year}"
            if start.month == end.month:
                return f"{bulan_indonesia(start.month)} {start.year}"
        if not start and not end:
            return "semua"
        return f"{start.isoformat() if start else '…'} s.d. {end.isoformat() if end else '…'}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(value: int, option: str) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise InputError(f"{option} {value}: tahun di luar {MIN_YEAR}-{MAX_YEAR}.",
                         saran=f"Tulis tahun empat angka, mis. {option} 2026.", opsi=option)
    return value


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} '{value}' bukan tanggal.", saran=f"Tulis YYYY-MM-DD, mis. {option} 2026-11-01.",
                         opsi=option) from None


def month_period(value: str, option: str = "--bulan") -> Period:
    found = _MONTH.match(value.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InputError(f"{option} '{value}' bukan bulan.", saran=f"Tulis YYYY-MM, mis. {option} 2026-11.",
                         opsi=option)
    year, month = _year(int(found.group(1)), option), int(found.group(2))
    return Period(date(year, month, 1), _month_end(year, month))


def year_period(value: int, option: str = "--tahun") -> Period:
    year = _year(value, option)
    return Period(date(year, 1, 1), date(year, 12, 31))


def read_period(dari: str | None = None, sampai: str | None = None, bulan: str | None = None,
                tahun: int | None = None) -> Period:
    """The period of the options given: ``--bulan`` or ``--tahun`` alone, or ``--dari``/``--sampai`` (either
    open); none: every date. Two kinds at once is refused (exit 3), naming both."""
    kinds = [name for name, given in (("--bulan", bulan), ("--tahun", tahun), ("--dari/--sampai", dari or sampai))
             if given is not None and given != ""]
    if len(kinds) > 1:
        raise InputError(f"{' dan '.join(kinds)} tidak dapat dipakai bersama.",
                         saran="Pilih satu: --bulan YYYY-MM, --tahun YYYY, atau --dari/--sampai YYYY-MM-DD.")
    if bulan:
        return month_period(bulan)
    if tahun is not None:
        return year_period(tahun)
    period = Period(_day(dari, "--dari") if dari else None, _day(sampai, "--sampai") if sampai else None)
    if period.dari and period.sampai and period.dari > period.sampai:
        raise InputError(f"--dari {period.dari} sesudah --sampai {period.sampai}.",
                         saran="Tukar keduanya: --dari tanggal awal, --sampai tanggal akhir.", opsi="--dari")
    return period
