"""``sakti init`` and ``sakti kantor``: create and show the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, command, workspace


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("kantor")(kantor)


@command
def init(out: Output, folder: Annotated[Path, typer.Argument(help="Folder kantor yang dibuat.")],
         json_out: JSON_OPT = False) -> None:
    """Buat kantor baru: sakti.toml, salinan sop/ dan templat/, folder data privat."""
    from sakti_cli.office import init_workspace

    ws = init_workspace(folder)
    payload = {"kantor": str(ws.root), "konfigurasi": str(ws.root / "sakti.toml")}

    def human(console: Console) -> None:
        console.print(f"Kantor dibuat di [bold]{ws.root}[/bold].")
        console.print("Ubah sakti.toml (identitas kantor, penandatangan, kunci), lalu coba 'sakti layanan'.")

    out.result(payload, human)


@command
def kantor(out: Output, json_out: JSON_OPT = False) -> None:
    """Tampilkan kantor yang dipakai dan dari mana ia ditemukan."""
    ws = workspace()
    office = ws.config.kantor
    payload = {
        "kantor": str(ws.root),
        "ditemukan_lewat": ws.found_by,
        "kabupaten": office.kabupaten,
        "kecamatan": office.kecamatan,
        "zona_waktu": office.zona_waktu,
        "kode_unit": office.kode_unit,
        "desa": office.desa,
        "penandatangan": [{"id": p.id, "peran": p.peran, "jabatan": p.jabatan, "nama": p.nama}
                          for p in ws.config.penandatangan],
        "petugas": GLOBALS.petugas,
    }

    def human(console: Console) -> None:
        table = Table(show_header=False, box=None)
        table.add_row("Kantor", str(ws.root))
        table.add_row("Ditemukan lewat", ws.found_by)
        table.add_row("Kecamatan", f"{office.kecamatan}, Kabupaten {office.kabupaten}")
        table.add_row("Zona waktu", office.zona_waktu)
        table.add_row("Desa/kelurahan", ", ".join(office.desa))
        for person in ws.config.penandatangan:
            table.add_row("Penandatangan", f"{person.id}: {person.peran} {person.jabatan} ({person.nama})")
        console.print(table)

    out.result(payload, human)
