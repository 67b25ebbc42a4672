"""``sakti templat periksa [KODE]``: placeholders, required fields and the page layout of templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from sakti_cli.cli.errors import ENVIRONMENT
from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, Negative, command, workspace
from sakti_cli.cli.tables import Col, print_table

templat_app = typer.Typer(help="Templat surat (templat/*.docx): pemeriksaannya.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(templat_app, name="templat")


@templat_app.command("periksa")
@command
def periksa(
    out: Output,
    kode: Annotated[str | None, typer.Argument(help="Kode layanan; tanpa kode: semua layanan.")] = None,
    butir: Annotated[int, typer.Option("--butir", min=1, max=99,
                                       help="Banyak butir contoh untuk isian daftar (ahli waris, saksi, "
                                       "anggota) bila SOP tidak memberi batas.")] = 10,
    panjang_penuh: Annotated[bool, typer.Option(
        "--panjang-penuh", help="Isi setiap teks sepanjang panjang_maks SOP (bawaan: panjang realistis).")] = False,
    tanpa_pdf: Annotated[bool, typer.Option(
        "--tanpa-pdf", help="Lewati percobaan PDF (hanya placeholder dan isian wajib; tanpa LibreOffice).")] = False,
    simpan: Annotated[Path | None, typer.Option(
        "--simpan", help="Simpan DOCX dan PDF contoh ke folder ini untuk dilihat.")] = None,
    json_out: JSON_OPT = False,
) -> None:
    """Periksa templat: placeholder dikenal, isian wajib dipakai, dan contoh terpanjang muat di
    halaman_maks dengan blok tanda tangan utuh; keluar 1 bila ada masalah, 4 bila templat tak terbaca."""
    from sakti_cli.documents.template_lint import lint_templates, services_to_check

    ws = workspace()
    services, broken = services_to_check(ws, kode)
    reports = broken + lint_templates(ws, services, list_items=butir, full_length=panjang_penuh,
                                      layout=not tanpa_pdf, keep_dir=simpan, progress=out.step)
    reports.sort(key=lambda r: r.layanan)
    problems = [p for r in reports for p in r.masalah]
    unreadable = [r for r in reports if not r.terbaca]
    payload: dict[str, Any] = {"templat": [r.to_dict() for r in reports], "masalah": problems,
                               "jumlah_masalah": len(problems), "butir_daftar": butir,
                               "panjang_penuh": panjang_penuh, "pdf_diperiksa": not tanpa_pdf}

    def human(console: Console) -> None:
        for report in reports:
            status = "[green]OK[/green]" if report.ok else "[red]MASALAH[/red]"
            caption = None
            if report.halaman is not None:
                caption = f"contoh data terpanjang: {report.halaman} halaman (maks. {report.halaman_maks})"
                if report.halaman_ttd is not None:
                    caption += f", blok tanda tangan di halaman {report.halaman_ttd}"
            elif report.terbaca and tanpa_pdf:
                caption = "tata letak tidak diperiksa (--tanpa-pdf)"
            rows = [(problem["jenis"], Text(problem.get("placeholder", "-")), Text(problem["pesan"]))
                    for problem in report.masalah]
            if report.ok:
                rows.append(("-", Text("-"), Text("placeholder dikenal, isian wajib dipakai"
                             + ("" if tanpa_pdf else ", muat di halaman_maks dengan tanda tangan utuh"))))
            print_table(console, [Col("Jenis", "identifier"), Col("Placeholder", "identifier", drop=1),
                                  Col("Masalah")], rows, title=f"{report.layanan}: {report.templat} {status}",
                        caption=caption)
        if problems:
            console.print(f"[red]{len(problems)} masalah[/red] di {sum(not r.ok for r in reports)} templat.")
        else:
            console.print(f"[green]Semua templat sesuai[/green] ({len(reports)} diperiksa).")

    out.result(payload, human, ok=not problems)
    if unreadable:
        raise typer.Exit(ENVIRONMENT)
    if problems:
        raise Negative
