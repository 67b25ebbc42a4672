"""``sakti contoh KODE FOLDER``: a bundled example application, dated to fit today, to try commands on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, workspace


def register(app: typer.Typer) -> None:
    app.command("contoh")(contoh)


@command
def contoh(out: Output,
           kode: Annotated[str, typer.Argument(help="Nama contoh: kode layanan (lengkap) atau KODE-gagal.")],
           folder: Annotated[Path, typer.Argument(help="Folder baru untuk pemohon.json dan berkasnya.")],
           json_out: JSON_OPT = False) -> None:
    """Tulis contoh permohonan (isian + berkas) dengan tanggal yang cocok untuk hari ini."""
    from sakti_cli.core.clock import now
    from sakti_cli.core.errors import NotFound
    from sakti_cli.office.demo import example_names, write_example
    from sakti_cli.services.rules.kalender import load_calendar

    if kode not in example_names():
        raise NotFound(f"Contoh '{kode}' tidak ada.", saran="Contoh yang ada: " + ", ".join(example_names()))
    ws = workspace()
    written = write_example(kode, folder, now(ws.zone).date(), load_calendar(ws.sop_dir))
    layanan = kode.removesuffix("-gagal")

    def human(console: Console) -> None:
        console.print(f"Contoh {kode} ditulis ke {written.parent}.", soft_wrap=True)
        console.print(f"Coba: sakti daftar {layanan} --data {written}", soft_wrap=True)

    out.result({"contoh": kode, "layanan": layanan, "data": str(written.resolve())}, human)
