"""agenda: the buku agenda surat keluar of a month or a year, as XLSX and A4-landscape PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sakti_cli.cli.listing import BulanOpt, TahunOpt, XlsxOpt, export_target
from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, command, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import InputError

PdfOpt = Annotated[Path | None, typer.Option("--pdf", metavar="BERKAS", help="Tulis ke BERKAS.pdf (A4 mendatar).")]


def register(app: typer.Typer) -> None:
    app.command("agenda")(agenda)


def section_counts(section: Any) -> dict[str, Any]:
    """What one section of the book holds: letters by status, paper and missing numbers (read from its file)."""
    from sakti_cli.listings.agenda import MISSING, PAPER

    counts = {"surat": 0, "terbit": 0, "batal": 0, "lain": 0, "nomor_kertas": 0, "nomor_hilang": 0}
    for row in section.rows():
        if row["jenis"] in (PAPER, MISSING):
            first, _, last = str(row["urut"]).partition("–")
            counts["nomor_kertas" if row["jenis"] == PAPER else "nomor_hilang"] += int(last or first) - int(first) + 1
            continue
        counts["surat"] += 1
        key = {"TERBIT": "terbit", "BATAL": "batal"}.get(str(row["status"]), "lain")
        counts[key] += 1
    return {"lingkup": section.scope, "label": section.label, **counts}


@command
def agenda(out: Output, bulan: BulanOpt = None, tahun: TahunOpt = None, xlsx: XlsxOpt = None, pdf: PdfOpt = None,
           json_out: JSON_OPT = False) -> None:
    """Buku agenda surat keluar sebulan (--bulan) atau setahun (--tahun): setiap nomor yang dipesan menurut urutan
    lingkup penomorannya, termasuk yang BATAL (dengan alasan dan surat penggantinya) dan nomor dari buku agenda
    kertas sebelum 'nomor mulai'; ke --xlsx dan/atau --pdf (A4 mendatar), tanpa keduanya ke layar."""
    from sakti_cli.core.period import read_period
    from sakti_cli.core.scratch import owned_temp
    from sakti_cli.listings.agenda import AGENDA_COLUMNS, build_agenda, write_agenda_xlsx
    from sakti_cli.listings.agenda_pdf import write_agenda_pdf
    from sakti_cli.register.places import WORK_PREFIX

    if bulan is None and tahun is None:
        raise InputError("Sebutkan periodenya: --bulan YYYY-MM atau --tahun YYYY.",
                         saran="Contoh: sakti agenda --bulan 2026-11 --xlsx agenda.xlsx --pdf agenda.pdf")
    period = read_period(bulan=bulan, tahun=tahun)
    xlsx_path, pdf_path = export_target(xlsx, ".xlsx"), export_target(pdf, ".pdf")
    ws = workspace()
    with owned_temp(ws.data_dir, WORK_PREFIX) as scratch:  # names of citizens: private, swept if we die
        book = build_agenda(ws, register_for(ws), period, scratch.path, GLOBALS.tampilkan_nik)
        if xlsx_path is not None:
            write_agenda_xlsx(book, xlsx_path)
            out.step(f"XLSX: {xlsx_path.resolve()}")
        if pdf_path is not None:
            write_agenda_pdf(book, pdf_path)
            out.step(f"PDF: {pdf_path.resolve()}")
        sections = [section_counts(section) for section in book.sections]
        shown = [] if xlsx_path or pdf_path or out.json_mode else book.sections
        files = {"xlsx": str(xlsx_path.resolve()) if xlsx_path else None,
                 "pdf": str(pdf_path.resolve()) if pdf_path else None}
        payload = {"judul": book.title, "periode": {"dari": period.dari, "sampai": period.sampai},
                   "jumlah_surat": book.letters, "bagian": sections,
                   "berkas": files}

        def human(console: Console) -> None:
            kinds = {"kode": "identifier", "angka": "identifier", "tanggal": "time"}
            columns = [Col(c.title, kinds.get(c.kind, "text"), drop=d)  # type: ignore[arg-type]
                       for c, d in zip(AGENDA_COLUMNS, (0, 2, 0, 3, 1, 4, 5, 0), strict=True)]
            for section in shown:
                print_table(console, columns, [[c.text(row) or None for c in AGENDA_COLUMNS] for row in
                                               section.rows()], title=f"{book.title}: {section.label}")
            for counts in sections:
                console.print(f"{counts['label']}: {counts['surat']} nomor ({counts['terbit']} terbit, "
                              f"{counts['batal']} batal, {counts['lain']} lain), {counts['nomor_kertas']} nomor "
                              f"kertas, {counts['nomor_hilang']} tidak tercatat", markup=False)
            if not sections:
                console.print(f"Tidak ada surat pada {period.label()}.")
            for kind, path in files.items():
                if path:
                    console.print(f"{kind.upper()}: {path}", markup=False, soft_wrap=True)

        out.result(payload, human)
