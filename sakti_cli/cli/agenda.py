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
DROPS = (0, 2, 0, 3, 1, 4, 5, 0)  # per agenda column: at 80 columns the number, its letter and the remark stay


def register(app: typer.Typer) -> None:
    app.command("agenda")(agenda)


@command
def agenda(out: Output, bulan: BulanOpt = None, tahun: TahunOpt = None, xlsx: XlsxOpt = None, pdf: PdfOpt = None,
           json_out: JSON_OPT = False) -> None:
    """Buku agenda surat keluar sebulan (--bulan) atau setahun (--tahun): setiap nomor yang dipesan menurut urutan
    lingkup penomorannya, termasuk yang BATAL (dengan alasan dan surat penggantinya) dan nomor dari buku agenda
    kertas sebelum 'nomor mulai'; ke --xlsx dan/atau --pdf (A4 mendatar), tanpa keduanya ke layar."""
    from sakti_cli.core.period import read_period
    from sakti_cli.listings.agenda import AGENDA_COLUMNS
    from sakti_cli.listings.agenda_files import write_agenda

    if bulan is None and tahun is None:
        raise InputError("Sebutkan periodenya: --bulan YYYY-MM atau --tahun YYYY.",
                         saran="Contoh: sakti agenda --bulan 2026-11 --xlsx agenda.xlsx --pdf agenda.pdf")
    period = read_period(bulan=bulan, tahun=tahun)
    xlsx_path, pdf_path = export_target(xlsx, ".xlsx"), export_target(pdf, ".pdf")
    ws = workspace()
    on_screen = not (xlsx_path or pdf_path or out.json_mode)

    def show(book: Any) -> None:  # the book itself, at the terminal only when no file is asked for
        kinds = {"kode": "identifier", "angka": "identifier", "tanggal": "time"}
        columns = [Col(c.title, kinds.get(c.kind, "text"), drop=d)  # type: ignore[arg-type]
                   for c, d in zip(AGENDA_COLUMNS, DROPS, strict=True)]
        for section in book.sections:
            print_table(out.out, columns, [[c.text(row) or None for c in AGENDA_COLUMNS] for row in section.rows()],
                        title=f"{book.title}: {section.label}")

    payload = write_agenda(ws, register_for(ws), period, xlsx=xlsx_path, pdf=pdf_path,
                           reveal=GLOBALS.tampilkan_nik, show=show if on_screen else None)

    def human(console: Console) -> None:
        for counts in payload["bagian"]:
            console.print(f"{counts['label']}: {counts['surat']} nomor ({counts['terbit']} terbit, "
                          f"{counts['batal']} batal, {counts['lain']} lain), {counts['nomor_kertas']} nomor "
                          f"kertas, {counts['nomor_hilang']} tidak tercatat", markup=False)
        if not payload["bagian"]:
            console.print(f"Tidak ada surat pada {period.label()}.")
        for kind, path in payload["berkas"].items():
            if path:
                console.print(f"{kind.upper()}: {path}", markup=False, soft_wrap=True)

    out.result(payload, human)
