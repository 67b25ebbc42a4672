"""``sakti agenda`` end to end: the book built in a private scratch folder, its XLSX and PDF written, each section
counted. One function, :func:`write_agenda`, for the command and for bench/ (a year's book)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.period import Period
from sakti_cli.listings.agenda import MISSING, PAPER, Section, build_agenda, write_agenda_xlsx
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.session import Register


def section_counts(section: Section) -> dict[str, Any]:
    """What one section of the book holds: letters by status, paper and missing numbers (read from its file)."""
    counts = {"surat": 0, "terbit": 0, "batal": 0, "lain": 0, "nomor_kertas": 0, "nomor_hilang": 0}
    for row in section.rows():
        if row["jenis"] in (PAPER, MISSING):
            first, _, last = str(row["urut"]).partition("–")
            counts["nomor_kertas" if row["jenis"] == PAPER else "nomor_hilang"] += int(last or first) - int(first) + 1
            continue
        counts["surat"] += 1
        counts[{"TERBIT": "terbit", "BATAL": "batal"}.get(str(row["status"]), "lain")] += 1
    return {"lingkup": section.scope, "label": section.label, **counts}


def write_agenda(ws: Workspace, register: Register, period: Period, *, xlsx: Path | None = None,
                 pdf: Path | None = None, reveal: bool = False,
                 show: Any = None) -> dict[str, Any]:
    """``sakti agenda`` (and what bench/ measures for a year's book): build the book in a private scratch
    folder, write the XLSX and/or the PDF, count each section; ``show(agenda)`` runs while the scratch
    folder is still there (the terminal's view). The result is the command's JSON payload."""
    from sakti_cli.core.scratch import owned_temp
    from sakti_cli.listings.agenda_pdf import write_agenda_pdf
    from sakti_cli.register.places import WORK_PREFIX

    with owned_temp(ws.data_dir, WORK_PREFIX) as scratch:  # citizens' names: private, swept if we die
        book = build_agenda(ws, register, period, scratch.path, reveal)
        if xlsx is not None:
            write_agenda_xlsx(book, xlsx)
        if pdf is not None:
            write_agenda_pdf(book, pdf)
        if show is not None:
            show(book)
        return {"judul": book.title, "periode": {"dari": period.dari, "sampai": period.sampai},
                "jumlah_surat": book.letters, "bagian": [section_counts(section) for section in book.sections],
                "berkas": {"xlsx": str(xlsx.resolve()) if xlsx else None, "pdf": str(pdf.resolve()) if pdf else None}}
