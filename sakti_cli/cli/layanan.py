"""``sakti layanan [KODE]``: the services and what each needs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, workspace


def register(app: typer.Typer) -> None:
    app.command("layanan")(layanan)


@command
def layanan(out: Output, kode: Annotated[str | None, typer.Argument(help="Kode layanan, mis. sktm.")] = None,
            json_out: JSON_OPT = False) -> None:
    """Daftar layanan, atau persyaratan, waktu, biaya dan isian satu layanan."""
    from sakti_cli.sop import load_service, load_services

    ws = workspace()
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

    def detail(console: Console) -> None:
        std = service.standar_pelayanan
        console.print(f"[bold]{service.nama}[/bold] ({service.kode})")
        console.print(f"Jangka waktu: {std.jangka_waktu.teks}   Biaya: {std.biaya}")
        console.print(f"Produk: {std.produk}")
        reqs = Table(title="Persyaratan")
        for col in ("Kode", "Persyaratan", "Wajib", "Jenis berkas", "Maks."):
            reqs.add_column(col)
        for req in service.persyaratan:
            reqs.add_row(req.kode, req.nama, "ya" if req.wajib else "tidak",
                         ", ".join(k.upper() for k in req.jenis_berkas), f"{req.ukuran_maks_kb} KB")
        console.print(reqs)
        fields = Table(title="Isian data pemohon (--data)")
        for col in ("Kolom", "Keterangan", "Jenis", "Wajib"):
            fields.add_column(col)
        for spec in service.isian:
            kind = spec.jenis + (f" ({'/'.join(spec.pilihan)})" if spec.pilihan else "")
            fields.add_row(spec.kode, spec.label, kind, "ya" if spec.wajib else "tidak")
        console.print(fields)
        console.print("Prosedur:")
        for number, step in enumerate(std.prosedur, 1):
            console.print(f"  {number}. {step}")
        console.print(f"Pengaduan: {std.pengaduan}")

    out.result({"layanan": service.model_dump(mode="json")}, detail)
