"""``sakti register siapkan`` and ``sakti register peran``: the PostgreSQL register's schema and offices (admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command

UrlOpt = Annotated[str | None, typer.Option(
    "--url", help="Server register sebagai pemilik basis data, mis. postgresql://sakti_admin@server/sakti (tanpa "
    "sandi; bawaan: SAKTI_REGISTER_URL).")]
SandiOpt = Annotated[Path | None, typer.Option(
    "--berkas-sandi", help="Berkas (chmod 600) berisi sandi pemilik basis data (bawaan: PGPASSWORD atau ~/.pgpass).")]


def add_commands(register_app: typer.Typer) -> None:
    register_app.command("siapkan")(siapkan)
    register_app.command("peran")(peran)


@command
def siapkan(out: Output, url: UrlOpt = None, berkas_sandi: SandiOpt = None, json_out: JSON_OPT = False) -> None:
    """Register PostgreSQL: buat skemanya atau terapkan migrasi yang belum (sekali, oleh pemilik basis data)."""
    from sakti_cli.register.pg.admin import prepare_schema

    payload = prepare_schema(url, berkas_sandi)

    def human(console: Console) -> None:
        done = ", ".join(payload["diterapkan"]) or "tidak ada (sudah mutakhir)"
        console.print(f"Skema register di {payload['server']}: versi {payload['versi']}; migrasi diterapkan: {done}.")

    out.result(payload, human)


@command
def peran(out: Output,
          nama_peran: Annotated[str, typer.Argument(metavar="PERAN",
                                                    help="Nama peran kantor, mis. kantor_arutselatan.")],
          nama: Annotated[str, typer.Option("--nama", help="Nama kantor, mis. \"Kecamatan Arut Selatan\".")],
          url: UrlOpt = None, berkas_sandi: SandiOpt = None,
          sandi_peran: Annotated[Path | None, typer.Option(
              "--berkas-sandi-peran", help="Berkas (chmod 600) berisi sandi peran baru (tanpa ini: atur dengan "
              "\\password di psql).")] = None,
          json_out: JSON_OPT = False) -> None:
    """Register PostgreSQL: buat peran (pengguna) satu kantor; kantor itu hanya melihat barisnya sendiri."""
    from sakti_cli.register.pg.admin import add_office

    payload = add_office(url, nama_peran, nama, berkas_sandi, sandi_peran)

    def human(console: Console) -> None:
        console.print(f"Peran {payload['peran']} ({payload['nama']}) dibuat di {payload['server']}.")
        if not payload["sandi"]:
            console.print(f"Atur sandinya di psql: \\password {payload['peran']}")
        console.print(f"Di sakti.toml kantor itu: [register] url = \"postgresql://{payload['peran']}@SERVER/BASISDATA\"")

    out.result(payload, human)
