"""Buku agenda surat keluar: every number reserved in a period, in order, one section per numbering scope.

Each scope (``sakti.toml`` [penomoran].lingkup: the whole office, a classification code or a service, per year)
is a running sequence, and the book shows every number of it: issued letters, voided ones (BATAL with the
reason and the replacing letter), letters still waiting, the numbers issued on the office's paper book before
``sakti nomor mulai`` (one row per range, marked), and any number the register does not hold (marked, never a
silent gap). One read-only pass over the period's letters spills each row to its scope's file in a private
scratch folder (swept if the run dies), so memory stays flat however long the year; the sections are then
read back one by one for the workbook and the PDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.core.period import Period
from sakti_cli.listings.rows import Applicants, remark
from sakti_cli.listings.table import Column
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.numbering import scope_label
from sakti_cli.register.session import Letter, LetterFilter, Register
from sakti_cli.register.states import LetterStatus

PAPER = "kertas"  # a row of numbers issued on the paper book before 'nomor mulai'
MISSING = "hilang"  # a row of numbers the register does not hold
WAITING_WORDS = {LetterStatus.DIPESAN: "sedang diterbitkan (DIPESAN)", LetterStatus.MENUNGGU_TTD: None}


def _signer(letter: Letter) -> str | None:
    signer = letter.get("penandatangan") or {}
    return signer.get("nama") or signer.get("jabatan") or signer.get("id")


def agenda_row(letter: Letter, applicant: dict[str, Any]) -> dict[str, Any]:
    status = letter.get("status")
    notes = [n for n in (WAITING_WORDS.get(status), remark(letter)) if n]  # type: ignore[call-overload]
    return {"jenis": "surat", "urut": letter.get("urut"), "tanggal": str(letter.get("dipesan") or "")[:10] or None,
            "nomor_surat": letter.get("nomor_surat"), "status": status,
            "perihal": letter.get("nama_layanan") or letter.get("layanan"), "kepada": applicant.get("pemohon"),
            "desa": applicant.get("desa"), "penandatangan": _signer(letter), "keterangan": "; ".join(notes) or None}


def range_row(kind: str, first: int, last: int) -> dict[str, Any]:
    span = str(first) if first == last else f"{first}–{last}"
    words = {PAPER: f"nomor {span} diterbitkan di buku agenda kertas (sebelum 'nomor mulai')",
             MISSING: f"nomor {span} tidak tercatat di register: periksa dengan 'sakti register periksa'"}
    return {"jenis": kind, "urut": span, "tanggal": None, "nomor_surat": None, "status": None, "perihal": None,
            "kepada": None, "desa": None, "penandatangan": None, "keterangan": words[kind]}


AGENDA_COLUMNS = [
    Column("urut", "No. urut", "angka", 9), Column("tanggal", "Tanggal", "tanggal", 11),
    Column("nomor_surat", "Nomor surat", "kode", 30), Column("perihal", "Perihal/layanan", "teks", 26),
    Column("kepada", "Kepada/pemohon", "teks", 28), Column("desa", "Desa/kelurahan", "teks", 18),
    Column("penandatangan", "Penandatangan", "teks", 22), Column("keterangan", "Keterangan", "teks", 44),
]


@dataclass
class _Spill:
    path: Path
    count: int = 0
    ordered: bool = True
    last: int = 0
    handle: Any = None


@dataclass
class Section:
    scope: str  # the numbering scope's key
    label: str  # for people: "layanan sktm, tahun 2026"
    spill: _Spill | None = None
    paper: list[tuple[int, int]] = field(default_factory=list)
    from_one: bool = False  # the period starts the scope's year: its first number is 1

    def rows(self) -> Iterator[dict[str, Any]]:
        """The section's rows, read again from its file at each call (the workbook, then the PDF)."""
        return _filled(_read_back(self.spill), self.paper, self.from_one) if self.spill else iter(())


@dataclass
class Agenda:
    title: str
    office: str
    period: Period
    sections: list[Section] = field(default_factory=list)
    letters: int = 0


def _scope_year(scope: str) -> int | None:
    tail = scope.rsplit("|", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _starts_by_scope(starts: list[dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    """Per scope, the paper ranges ``(first, last)`` that 'nomor mulai' records (numbers before ``dari``)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for start in starts:
        first, upto = int(start.get("sebelumnya") or 0) + 1, int(start.get("dari") or 1) - 1
        used = start.get("terpakai")
        if isinstance(used, int) and used + 1 > first:
            first = used + 1
        if upto >= first:
            found.setdefault(str(start.get("lingkup")), []).append((first, upto))
    return found


def _filled(rows: Iterator[dict[str, Any]], paper: list[tuple[int, int]], from_one: bool) -> Iterator[dict[str, Any]]:
    """The section's rows with every hole named: paper ranges where 'nomor mulai' put them, else missing."""
    expected: int | None = 1 if from_one else None
    for row in rows:
        number = int(row["urut"])
        if expected is None:  # a month's book: the scope began earlier; only a paper range ending here shows
            expected = next((first for first, last in paper if last == number - 1), number)
        if number > expected:
            cursor = expected
            for first, last in sorted(paper):
                if last < cursor or first >= number:
                    continue
                if first > cursor:
                    yield range_row(MISSING, cursor, first - 1)
                yield range_row(PAPER, max(first, cursor), min(last, number - 1))
                cursor = min(last, number - 1) + 1
            if cursor < number:
                yield range_row(MISSING, cursor, number - 1)
        yield row
        expected = max(expected, number + 1)


def _read_back(spill: _Spill) -> Iterator[dict[str, Any]]:
    with spill.path.open(encoding="utf-8") as handle:
        if spill.ordered:
            for line in handle:
                yield json.loads(line)
            return
        rows = [json.loads(line) for line in handle]  # only a register whose order was disturbed
    yield from sorted(rows, key=lambda row: int(row["urut"]))


def build_agenda(ws: Workspace, register: Register, period: Period, folder: Path, reveal: bool = False) -> Agenda:
    """Read the period's letters once (a read-only session) into per-scope files under ``folder`` (a private
    scratch folder the caller owns and removes); the sections read them back in order."""
    from sakti_cli.core.privacy import mask_payload

    applicants = Applicants(ws, reveal)
    spills: dict[str, _Spill] = {}
    total = 0
    try:
        with register.listing() as session:
            starts = session.number_starts()
            for letter in session.letters(LetterFilter(dari=period.dari, sampai=period.sampai)):
                scope = str(letter.get("lingkup") or "-")
                spill = spills.get(scope)
                if spill is None:
                    spill = spills[scope] = _Spill(folder / f"{len(spills):03d}.jsonl")
                    spill.handle = spill.path.open("w", encoding="utf-8")
                row = agenda_row(letter, applicants.of_letter(session, letter))
                spill.handle.write(json.dumps(row if reveal else mask_payload(row), ensure_ascii=False) + "\n")
                number = int(letter.get("urut") or 0)
                spill.ordered = spill.ordered and number > spill.last
                spill.last, spill.count = max(spill.last, number), spill.count + 1
                total += 1
    finally:
        for spill in spills.values():
            spill.handle.close()
    paper = _starts_by_scope(starts)
    sections = []
    for scope in sorted(spills, key=lambda key: (_scope_year(key) or 0, scope_label(key))):
        year = _scope_year(scope)
        from_one = year is not None and period.dari is not None and period.dari <= date(year, 1, 1)
        sections.append(Section(scope, scope_label(scope), spills[scope], paper.get(scope, []), from_one))
    office = f"Kecamatan {ws.config.kantor.kecamatan}, Kabupaten {ws.config.kantor.kabupaten}"
    return Agenda(f"Buku Agenda Surat Keluar {period.label()}", office, period, sections, total)


def write_agenda_xlsx(agenda: Agenda, path: Path) -> int:
    """One worksheet per numbering scope, the kop above the frozen header; the number of rows written."""
    from sakti_cli.listings.export import SheetWriter, new_workbook, save_workbook

    book = new_workbook()
    rows = 0
    for section in agenda.sections or [Section("-", "tidak ada surat")]:
        sheet = SheetWriter(book, section.label, AGENDA_COLUMNS,
                            heading=[agenda.title.upper(), agenda.office, f"Urutan nomor: {section.label}"])
        for row in section.rows():
            sheet.add(row)
        sheet.close()
        rows += sheet.rows
    save_workbook(book, path)
    return rows

