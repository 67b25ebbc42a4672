"""``sakti register salin``: copy the register to PostgreSQL or to a new TinyDB folder (the source stays)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, command, workspace


@command
def salin(out: Output,
          ke: Annotated[str, typer.Option(
              "--ke", metavar="URL|FOLDER", help="Tujuan yang kosong: postgresql://PERAN@SERVER/BASISDATA (tanpa "
              "sandi: sandi dari PGPASSWORD, [register] variabel_sandi atau berkas_sandi) atau folder baru untuk "
              "register TinyDB (menjadi kantor: sakti.toml, sop, templat, sertifikat; kunci tidak disalin).")],
          json_out: JSON_OPT = False) -> None:
    """Salin seluruh register (permohonan, surat, nomor, antrean, jejak audit, berkas) ke PostgreSQL atau ke folder
    TinyDB baru; register asal tidak diubah (hanya dicatat peristiwa 'salin' di jejaknya)."""
    from sakti_cli.office.workspace import clerk_name
    from sakti_cli.register.copy import copy_register

    ws = workspace()
    result = copy_register(ws, ke, actor=clerk_name(ws.config, GLOBALS.petugas), progress=out.step)

    def human(console: Console) -> None:
        states = ", ".join(f"{k} {v}" for k, v in sorted(result["status_surat"].items())) or "tidak ada"
        console.print(f"Register disalin dari {result['dari']} ({result['asal']}) ke [bold]{result['ke']}[/bold] "
                      f"({result['tujuan']}).", soft_wrap=True)
        console.print(f"Permohonan {result['permohonan']}, surat {result['surat']} ({states}), antrean tanda tangan "
                      f"{result['antrean_ttd']}, penghitung {result['penghitung']}, berkas {result['berkas']}.")
        console.print(f"Jejak audit: {result['peristiwa']} peristiwa disalin apa adanya dan diperiksa ulang di kedua "
                      f"sisi (hash terakhir {result['kepala_audit'][:16]}…); peristiwa 'salin' dicatat di keduanya.")
        if result["tujuan"] == "tinydb":
            console.print(f"Pakai dengan: sakti --kantor {result['ke']} register periksa  (salin kunci penandatangan "
                          "ke pki/ sendiri bila kantor ini akan menandatangani).", soft_wrap=True)

    out.result(result, human)
