"""``sakti layanan [KODE]``: the services and what each needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("layanan")(layanan)


@command
def layanan(out: Output, kode: Annotated[str | None, typer.Argument(help="Kode layanan, mis. sktm.")] = None,
            lembar: Annotated[Path | None, typer.Option(
                "--lembar", help="Tulis lembar informasi warga ke berkas ini (.pdf, .md atau .html).")] = None,
            formulir: Annotated[Path | None, typer.Option(
                "--formulir", help="Tulis formulir kosong (.xlsx atau .json) yang diterima 'sakti daftar --data'.")
            ] = None,
            json_out: JSON_OPT = False) -> None:
    """Daftar layanan, atau persyaratan, waktu, biaya dan isian satu layanan."""
    from sakti_cli.services.sop import load_service, load_services

    ws = workspace()
    if kode is None and (lembar is not None or formulir is not None):
        raise InputError("--lembar dan --formulir butuh kode layanan.",
                         saran="Contoh: sakti layanan sktm --formulir sktm.xlsx")
    if kode is None:
        services = load_services(ws.sop_dir)
        rows = [{"kode": s.kode, "nama": s.nama, "jangka_waktu": s.standar_pelayanan.jangka_waktu.teks,
                 "biaya": s.standar_pelayanan.biaya} for s in services.values()]

        def listing(console: Console) -> None:
            print_table(console, [Col("Kode", "identifier"), Col("Layanan"), Col("Jangka waktu", drop=2),
                                  Col("Biaya", drop=1)],
                        [(row["kode"], row["nama"], row["jangka_waktu"], row["biaya"]) for row in rows],
                        title="Layanan")

        out.result({"layanan": rows}, listing)
        return

    service = load_service(ws.sop_dir, kode)
    if formulir is not None:
        from sakti_cli.intake.form_sheet import columns, write_blank_form

        form = write_blank_form(service, list(ws.config.kantor.desa), formulir)
        count = len(columns(service, []))
        out.result({"formulir": str(form.resolve()), "kolom": count},
                   lambda c: c.print(f"Formulir {service.nama} ({count} kolom) ditulis ke {form}. Isi, lalu: "
                                     f"sakti daftar {service.kode} --data {form}", soft_wrap=True))
        return
    if lembar is not None:
        from sakti_cli.documents.info_sheet import write_sheet

        written = write_sheet(ws, service, lembar)
        out.result(written, lambda c: c.print(f"Lembar informasi {service.nama} ditulis ke {written['lembar']}.",
                                              soft_wrap=True))
        return

    def detail(console: Console) -> None:
        std = service.standar_pelayanan
        console.print(f"[bold]{service.nama}[/bold] ({service.kode})")
        console.print(f"Jangka waktu: {std.jangka_waktu.teks}   Biaya: {std.biaya}")
        console.print(f"Produk: {std.produk}")
        req_rows = []
        made_required = {code: rule.kode for rule in service.aturan for code in rule.wajibkan}
        for req in [*service.persyaratan, *(service.requirement(f"{s.kode}.{r.kode}")
                                            for s, r in service.item_requirements())]:
            if req is None:
                continue
            wajib = "ya" if req.wajib else (f"bila {made_required[req.kode]}" if req.kode in made_required
                                             else "tidak")
            kinds = "asli, diperlihatkan" if req.asli else ", ".join(k.upper() for k in req.jenis_berkas)
            count = f"{req.jumlah_min}-{req.jumlah_maks}" if req.jumlah_maks > 1 else "1"
            req_rows.append((req.kode, req.nama, wajib, kinds, "-" if req.asli else count,
                             "-" if req.asli else f"{req.ukuran_maks_kb} KB"))
        print_table(console, [Col("Kode", "identifier"), Col("Persyaratan"), Col("Wajib"),
                              Col("Jenis berkas", drop=2), Col("Jumlah", "number", drop=3),
                              Col("Maks.", "number", drop=1)], req_rows, title="Persyaratan")
        field_rows = []
        for spec in service.isian:
            kind = spec.jenis + (f" ({'/'.join(spec.pilihan)})" if spec.pilihan else "")
            if spec.jenis == "daftar":
                kind += ": " + ", ".join(sub.kode for sub in spec.butir)
                if spec.persyaratan:
                    kind += "; berkas per butir: " + ", ".join(r.kode for r in spec.persyaratan)
            field_rows.append((spec.kode, spec.label, kind, "ya" if spec.wajib else "tidak"))
        print_table(console, [Col("Kolom", "identifier"), Col("Keterangan"), Col("Jenis"), Col("Wajib", drop=1)],
                    field_rows, title="Isian data pemohon (--data)")
        if service.aturan:
            print_table(console, [Col("Kode", "identifier"), Col("Aturan"), Col("Jenis", "identifier", drop=1),
                                  Col("Bila tidak terpenuhi")],
                        [(rule.kode, rule.nama, rule.jenis,
                          rule.akibat + (f": {', '.join(rule.wajibkan)}" if rule.wajibkan else ""))
                         for rule in service.aturan], title="Aturan yang diperiksa 'sakti periksa'")
        console.print("Prosedur:")
        for number, step in enumerate(std.prosedur, 1):
            console.print(f"  {number}. {step}")
        console.print(f"Pengaduan: {std.pengaduan}")

    out.result({"layanan": service.model_dump(mode="json")}, detail)
