"""``sakti layanan [KODE]``: the services and what each needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, workspace
from sakti_cli.errors import InputError


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
    from sakti_cli.sop import load_service, load_services

    ws = workspace()
    if kode is None and (lembar is not None or formulir is not None):
        raise InputError("--lembar dan --formulir butuh kode layanan.",
                         saran="Contoh: sakti layanan sktm --formulir sktm.xlsx")
    if kode is None:
        services = load_services(ws.sop_dir)
        rows = [{"kode": s.kode, "nama": s.nama, "jangka_waktu": s.standar_pelayanan.jangka_waktu.teks,
                 "biaya": s.standar_pelayanan.biaya} for s in services.values()]

        def listing(console: Console) -> None:
            table = Table(title="Layanan")
            for col in ("Kode", "Layanan", "Jangka waktu", "Biaya"):
                table.add_column(col)
            for row in rows:
                table.add_row(row["kode"], row["nama"], row["jangka_waktu"], row["biaya"])
            console.print(table)

        out.result({"layanan": rows}, listing)
        return

    service = load_service(ws.sop_dir, kode)
    if formulir is not None:
        from sakti_cli.form_sheet import columns, write_blank_form

        form = write_blank_form(service, list(ws.config.kantor.desa), formulir)
        count = len(columns(service, []))
        out.result({"formulir": str(form.resolve()), "kolom": count},
                   lambda c: c.print(f"Formulir {service.nama} ({count} kolom) ditulis ke {form}. Isi, lalu: "
                                     f"sakti daftar {service.kode} --data {form}"))
        return
    if lembar is not None:
        from sakti_cli.info_sheet import write_sheet

        written = write_sheet(ws, service, lembar)
        out.result(written, lambda c: c.print(f"Lembar informasi {service.nama} ditulis ke {written['lembar']}."))
        return

    def detail(console: Console) -> None:
        std = service.standar_pelayanan
        console.print(f"[bold]{service.nama}[/bold] ({service.kode})")
        console.print(f"Jangka waktu: {std.jangka_waktu.teks}   Biaya: {std.biaya}")
        console.print(f"Produk: {std.produk}")
        reqs = Table(title="Persyaratan")
        for col in ("Kode", "Persyaratan", "Wajib", "Jenis berkas", "Jumlah", "Maks."):
            reqs.add_column(col)
        made_required = {code: rule.kode for rule in service.aturan for code in rule.wajibkan}
        for req in [*service.persyaratan, *(service.requirement(f"{s.kode}.{r.kode}")
                                            for s, r in service.item_requirements())]:
            if req is None:
                continue
            wajib = "ya" if req.wajib else (f"bila {made_required[req.kode]}" if req.kode in made_required
                                             else "tidak")
            kinds = "asli, diperlihatkan" if req.asli else ", ".join(k.upper() for k in req.jenis_berkas)
            count = f"{req.jumlah_min}-{req.jumlah_maks}" if req.jumlah_maks > 1 else "1"
            reqs.add_row(req.kode, req.nama, wajib, kinds, "-" if req.asli else count,
                         "-" if req.asli else f"{req.ukuran_maks_kb} KB")
        console.print(reqs)
        fields = Table(title="Isian data pemohon (--data)")
        for col in ("Kolom", "Keterangan", "Jenis", "Wajib"):
            fields.add_column(col)
        for spec in service.isian:
            kind = spec.jenis + (f" ({'/'.join(spec.pilihan)})" if spec.pilihan else "")
            if spec.jenis == "daftar":
                kind += ": " + ", ".join(sub.kode for sub in spec.butir)
                if spec.persyaratan:
                    kind += "; berkas per butir: " + ", ".join(r.kode for r in spec.persyaratan)
            fields.add_row(spec.kode, spec.label, kind, "ya" if spec.wajib else "tidak")
        console.print(fields)
        if service.aturan:
            rules = Table(title="Aturan yang diperiksa 'sakti periksa'")
            for col in ("Kode", "Aturan", "Jenis", "Bila tidak terpenuhi"):
                rules.add_column(col)
            for rule in service.aturan:
                effect = rule.akibat + (f": {', '.join(rule.wajibkan)}" if rule.wajibkan else "")
                rules.add_row(rule.kode, rule.nama, rule.jenis, effect)
            console.print(rules)
        console.print("Prosedur:")
        for number, step in enumerate(std.prosedur, 1):
            console.print(f"  {number}. {step}")
        console.print(f"Pengaduan: {std.pengaduan}")

    out.result({"layanan": service.model_dump(mode="json")}, detail)
