"""``sakti laporan`` (the service report of a period) and ``sakti laporan skm`` (the satisfaction survey)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from sakti_cli.cli.listing import export_target
from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, register_for, workspace
from sakti_cli.cli.tables import Col, print_pairs, print_table

laporan_app = typer.Typer(help="Laporan pelayanan per periode (tabel, XLSX, PDF) dan survei kepuasan (skm).",
                          invoke_without_command=True, rich_markup_mode=None)

BAR_WIDTH = 24
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help="Tulis juga laporan XLSX dengan grafik ke berkas ini.")]
PdfOpt = Annotated[Path | None, typer.Option("--pdf", help="Tulis juga laporan PDF A4 dengan grafik ke berkas ini.")]


def register(app: typer.Typer) -> None:
    app.add_typer(laporan_app, name="laporan")
    laporan_app.callback(invoke_without_command=True)(laporan)
    laporan_app.command("skm")(skm)


def bar(value: float, top: float, style: str = "cyan", label: str | None = None) -> Text:
    """A bar of block characters, ``value`` of ``top`` across :data:`BAR_WIDTH` cells, then its label."""
    cells = round(BAR_WIDTH * value / top) if top > 0 else 0
    return Text("█" * cells + (" " if cells else ""), style=style) + Text(str(value) if label is None else label)


def _printed(ws: Any) -> str:
    from sakti_cli.core.clock import now
    from sakti_cli.core.id_format import tanggal_indonesia

    moment = now(ws.zone)
    return f"{tanggal_indonesia(moment.date())} {moment:%H.%M} {ws.config.kantor.zona_waktu}"


@command
def laporan(out: Output, ctx: typer.Context,
            bulan: Annotated[str | None, typer.Option("--bulan", help="Bulan laporan, mis. 2026-11.")] = None,
            tahun: Annotated[int | None, typer.Option("--tahun", help="Tahun laporan, mis. 2026.")] = None,
            dari: Annotated[str | None, typer.Option("--dari", help="Awal rentang (TTTT-BB-HH).")] = None,
            sampai: Annotated[str | None, typer.Option("--sampai", help="Akhir rentang (TTTT-BB-HH), termasuk.")
                              ] = None,
            xlsx: XlsxOpt = None, pdf: PdfOpt = None, json_out: JSON_OPT = False) -> None:
    """Laporan pelayanan satu periode per layanan dan per desa/kelurahan: diterima, lengkap, terbit, ditolak
    (alasannya), batal; waktu layanan dari berkas lengkap sampai terbit (menit/hari kerja, kalender libur)
    terhadap jangka waktu SOP: median, persentil ke-90, persen tepat waktu; dibandingkan dengan periode
    sebelumnya. Tanpa periode: bulan ini."""
    if ctx.invoked_subcommand is not None:
        return
    from sakti_cli.core.clock import now
    from sakti_cli.reports.monthly import compute, write_pdf, write_xlsx
    from sakti_cli.reports.period import report_period

    ws = workspace()
    period = report_period(bulan=bulan, tahun=tahun, dari=dari, sampai=sampai, today=now(ws.zone).date())
    xlsx_path, pdf_path = export_target(xlsx, ".xlsx"), export_target(pdf, ".pdf")
    out.step(f"membaca register untuk {period.label}")
    payload = compute(ws, register_for(ws), period)
    per_day = payload.pop("minutes_per_day")
    written: dict[str, str] = {}
    if xlsx_path is not None:
        written["xlsx"] = str(write_xlsx(ws, {**payload, "minutes_per_day": per_day}, xlsx_path).resolve())
    if pdf_path is not None:
        written["pdf"] = str(write_pdf(ws, {**payload, "minutes_per_day": per_day}, pdf_path, _printed(ws)).resolve())
    payload["berkas"] = written

    def human(console: Console) -> None:
        show_report(console, {**payload, "minutes_per_day": per_day})
        for kind, path in written.items():
            console.print(f"{kind.upper()} ditulis ke {path}", soft_wrap=True)

    out.result(payload, human)


def show_report(console: Console, payload: dict[str, Any]) -> None:
    from sakti_cli.reports.monthly import SERVICE_COLUMNS, VILLAGE_COLUMNS, service_rows, village_rows

    total = payload["jumlah"]
    before = total["sebelumnya"]
    console.print(f"[bold]Laporan pelayanan {payload['periode']['label']}[/bold] "
                  f"({payload['periode']['dari']} s.d. {payload['periode']['sampai']})")
    top = max([total[k] for k in ("diterima", "lengkap", "terbit", "ditolak", "batal")] + [1])
    print_pairs(console, [(f"{key.capitalize()}", bar(total[key], top, style))
                          for key, style in (("diterima", "cyan"), ("lengkap", "blue"), ("terbit", "green"),
                                             ("ditolak", "red"), ("batal", "yellow"))])
    change = total["perubahan_terbit_persen"]
    trend = "-" if change is None else f"{change:+.1f}%".replace(".", ",")
    console.print(f"Periode lalu ({payload['pembanding']['label']}): diterima {before['diterima']}, terbit "
                  f"{before['terbit']}, ditolak {before['ditolak']}, batal {before['batal']}; "
                  f"perubahan terbit {trend}.", soft_wrap=True)
    services = payload["layanan"]
    if services:
        most = max([s["terbit"] for s in services] + [1])
        print_table(console, [Col("Layanan"), Col("Terbit")],
                    [(s["nama"], bar(s["terbit"], most, "green")) for s in services], title="Surat terbit per layanan")
        kinds = ["text"] + ["number"] * 5 + ["text", "text", "text", "number", "number"]
        drops = [0, 0, 3, 0, 0, 0, 0, 2, 1, 0, 4]
        print_table(console, [Col(name, kind, drop=drop) for name, kind, drop in  # type: ignore[arg-type]
                              zip(SERVICE_COLUMNS, kinds, drops, strict=True)],
                    [[str(v) for v in row] for row in service_rows(payload)], title="Per layanan",
                    caption="waktu layanan: sejak berkas lengkap sampai surat terbit, dalam waktu kerja")
    if payload["desa"]:
        print_table(console, [Col(VILLAGE_COLUMNS[0])] + [Col(name, "number") for name in VILLAGE_COLUMNS[1:]],
                    [[str(v) for v in row] for row in village_rows(payload)], title="Per desa/kelurahan")
    for key, title in (("alasan_tolak", "Alasan penolakan"), ("alasan_batal", "Alasan pembatalan")):
        if payload[key]:
            print_table(console, [Col("Alasan"), Col("Jumlah", "number")],
                        [(r["alasan"], str(r["jumlah"])) for r in payload[key]], title=title)
    days = payload["harian"]
    busiest = max([d["terbit"] for d in days] + [1])
    if len(days) <= 31 and any(d["diterima"] or d["terbit"] for d in days):
        print_table(console, [Col("Tanggal", "time"), Col("Terbit")],
                    [(d["tanggal"], bar(d["terbit"], busiest, "green")) for d in days], title="Terbit per hari")
    for note in payload["catatan"]:
        console.print(f"[dim]Catatan: {note}.[/dim]", soft_wrap=True)


@command
def skm(out: Output, ekspor: Annotated[Path, typer.Argument(help="Ekspor CSV respons survei (Google Form).")],
        peta: Annotated[Path | None, typer.Option("--peta", help="Peta pertanyaan -> unsur (bawaan: sop/_skm.yaml "
                                                  "kantor, lalu bawaan paket).")] = None,
        xlsx: XlsxOpt = None, pdf: PdfOpt = None, json_out: JSON_OPT = False) -> None:
    """Indeks Kepuasan Masyarakat (PermenPAN-RB 14/2017) dari ekspor survei: NRR sembilan unsur (nilai 1-4),
    IKM = rata-rata NRR x 25, mutu A-D, per layanan dan seluruhnya, unsur terlemah disebut."""
    from sakti_cli.reports.skm import compute, load_map, map_path, write_pdf, write_xlsx

    ws = workspace()
    map_file = (peta.expanduser() if peta is not None else map_path(ws.sop_dir)).resolve()
    mapping = load_map(map_file)
    xlsx_path, pdf_path = export_target(xlsx, ".xlsx"), export_target(pdf, ".pdf")
    result = compute(ekspor.expanduser(), mapping, map_file)
    written: dict[str, str] = {}
    if xlsx_path is not None:
        written["xlsx"] = str(write_xlsx(ws, result, xlsx_path).resolve())
    if pdf_path is not None:
        written["pdf"] = str(write_pdf(ws, result, pdf_path, _printed(ws)).resolve())
    result["berkas_keluaran"] = written

    def human(console: Console) -> None:
        from sakti_cli.reports.skm import element_rows, service_rows

        whole = result["semua"]
        console.print(f"[bold]Indeks Kepuasan Masyarakat[/bold]: {whole['indeks']:.2f}".replace(".", ",")
                      + f", mutu {whole['mutu']} ({whole['kinerja']}); {result['responden']} responden")
        print_table(console, [Col("Unsur"), Col("NRR", "number"), Col("Nilai", "number", drop=1),
                              Col("Mutu", "identifier"), Col("", drop=2)],
                    [[*row, bar(u["nrr"], 4.0, label="")] for row, u in zip(element_rows(whole), whole["unsur"],
                                                                            strict=True)],
                    title="Nilai per unsur")
        console.print("Unsur terlemah: " + "; ".join(f"{w['kode']} {w['nama']}" for w in whole["terlemah"]),
                      soft_wrap=True)
        if result["layanan"]:
            print_table(console, [Col("Layanan"), Col("Responden", "number"), Col("IKM", "number"), Col("Mutu"),
                                  Col("Unsur terlemah", drop=1)],
                        [[str(v) for v in row] for row in service_rows(result)[1:]], title="Per layanan")
        for kind, path in written.items():
            console.print(f"{kind.upper()} ditulis ke {path}", soft_wrap=True)

    out.result(result, human)
