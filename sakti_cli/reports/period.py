"""The period a report covers and the period before it (the trend).

The options are read by the one period reader every command shares (:func:`sakti_cli.core.period.read_period`:
``--bulan 2026-11``, ``--tahun 2026``, ``--dari/--sampai``); a report adds what a listing does not need: what
kind of period it is, so that the period before is of the same kind (the month before, the year before, or as
many days just before), and its days (the daily volume).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sakti_cli.core.id_format import bulan_indonesia, tanggal_indonesia

PeriodKind = Literal["bulan", "tahun", "rentang"]


@dataclass(frozen=True)
class ReportPeriod:
    dari: date
    sampai: date  # included
    jenis: PeriodKind

    @classmethod
    def month(cls, year: int, month: int) -> ReportPeriod:
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1), "bulan")

    @classmethod
    def year(cls, year: int) -> ReportPeriod:
        return cls(date(year, 1, 1), date(year, 12, 31), "tahun")

    @property
    def label(self) -> str:
        """For people: ``November 2026``, ``Tahun 2026``, ``1 November 2026 s.d. 15 November 2026``."""
        if self.jenis == "bulan":
            return f"{bulan_indonesia(self.dari.month)} {self.dari.year}"
        if self.jenis == "tahun":
            return f"Tahun {self.dari.year}"
        return f"{tanggal_indonesia(self.dari)} s.d. {tanggal_indonesia(self.sampai)}"

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
            return ReportPeriod.month(last.year, last.month)
        if self.jenis == "tahun":
            return ReportPeriod.year(self.dari.year - 1)
        length = (self.sampai - self.dari).days + 1
        return ReportPeriod(self.dari - timedelta(days=length), self.dari - timedelta(days=1), "rentang")


def report_period(*, bulan: str | None, tahun: int | None, dari: str | None, sampai: str | None, today: date
                  ) -> ReportPeriod:
    """The report's period from the shared options. None given: this month. A range open at one end ends today
    or starts on the first of its last day's month."""
    from sakti_cli.core.errors import InputError
    from sakti_cli.core.period import read_period

    read = read_period(dari=dari, sampai=sampai, bulan=bulan, tahun=tahun)
    if bulan:
        return ReportPeriod.month(read.dari.year, read.dari.month)  # type: ignore[union-attr]
    if tahun is not None:
        return ReportPeriod.year(tahun)
    if read.dari is None and read.sampai is None:
        return ReportPeriod.month(today.year, today.month)
    end = read.sampai or today
    start = read.dari or end.replace(day=1)
    if start > end:
        raise InputError(f"--dari {start.isoformat()} sesudah hari ini ({end.isoformat()}).",
                         saran="Tulis juga --sampai, atau pilih --dari yang sudah lewat.")
    return ReportPeriod(start, end, "rentang")
